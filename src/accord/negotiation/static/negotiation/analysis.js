// The analysis run form: with JavaScript only the chosen kind's fieldset shows (and only its
// fields are sent); without it every fieldset shows and the server reads only the chosen kind's.
(function () {
  "use strict";
  var form = document.querySelector("form[data-analysis-form]");
  if (!form) return;
  function show() {
    var chosen = form.querySelector('input[name="kind"]:checked');
    var kind = chosen ? chosen.value : "";
    form.querySelectorAll("fieldset[data-kind]").forEach(function (fs) {
      var on = fs.getAttribute("data-kind") === kind;
      fs.hidden = !on;
      fs.querySelectorAll("input, select, textarea").forEach(function (el) {
        el.disabled = !on;
      });
    });
  }
  form.addEventListener("change", function (ev) {
    if (ev.target && ev.target.name === "kind") show();
  });
  show();
})();
