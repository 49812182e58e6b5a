// Accord UI: small progressive enhancements (the pages work without JavaScript).
// Loaded as a file because the Content-Security-Policy forbids inline scripts.
(function () {
  "use strict";

  // Close open header menus (<details class="menu">) on a click elsewhere or on Escape.
  function closeMenus(except) {
    document.querySelectorAll("details.menu[open], details.edit[open]").forEach(function (d) {
      if (d !== except && !d.contains(except)) d.removeAttribute("open");
    });
  }
  document.addEventListener("click", function (ev) {
    var inside = ev.target.closest("details.menu, details.edit");
    closeMenus(inside);
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") closeMenus(null);
  });

  // Select the whole secret (token, TOTP key) on click, for copying.
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest("code.secret");
    if (!el) return;
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  });
})();
