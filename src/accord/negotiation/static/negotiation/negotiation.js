// Accord negotiation pages (loaded as a file: the CSP forbids inline scripts).
// 1. Acts that cannot be undone ask first: a button with data-confirm opens a native <dialog>;
//    only "yes" submits its form, with confirmed=1. Without JavaScript the server shows a
//    confirmation page instead (the act runs only on a POST carrying "confirmed").
// 2. Live: over the page's one WebSocket (ui/live.js) the server sends "notice" frames — a kind
//    and ids, nothing more, and only to members who may read what they name. The workspace
//    then fetches the changed matrix row, the issue page its own content, from the server,
//    which checks access again: a withdrawn release disappears from its readers' pages at once.
(function () {
  "use strict";

  // --- 1. confirmation dialog -----------------------------------------------------------
  var dialog = null;
  var pending = null;

  function makeDialog() {
    var d = document.createElement("dialog");
    d.className = "accord-dialog";
    d.setAttribute("aria-labelledby", "accord-confirm-h");
    d.innerHTML =
      '<form method="dialog">' +
      '<h2 id="accord-confirm-h"></h2><p class="accord-confirm-detail"></p>' +
      '<ul class="usa-button-group">' +
      '<li class="usa-button-group__item"><button type="submit" value="yes" class="usa-button usa-button--secondary accord-confirm-yes"></button></li>' +
      '<li class="usa-button-group__item"><button type="submit" value="no" class="usa-button usa-button--outline">Cancel</button></li>' +
      "</ul></form>";
    document.body.appendChild(d);
    d.addEventListener("close", function () {
      var btn = pending;
      pending = null;
      if (!btn || d.returnValue !== "yes") {
        if (btn) btn.focus();
        return;
      }
      var form = btn.form;
      if (!form.querySelector('input[name="confirmed"]')) {
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = "confirmed";
        hidden.value = "1";
        form.appendChild(hidden);
      }
      if (form.requestSubmit) form.requestSubmit(btn);
      else form.submit();
    });
    return d;
  }

  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("button[data-confirm]");
    if (!btn || !btn.form || typeof HTMLDialogElement !== "function") return;
    ev.preventDefault();
    dialog = dialog || makeDialog();
    dialog.querySelector("h2").textContent = btn.dataset.confirm;
    dialog.querySelector(".accord-confirm-detail").textContent = btn.dataset.confirmDetail || "";
    dialog.querySelector(".accord-confirm-yes").textContent = btn.dataset.confirmButton || "Yes";
    dialog.returnValue = "";
    pending = btn;
    dialog.showModal();
    dialog.querySelector('button[value="no"]').focus();
  });

  // --- 2. live refresh ------------------------------------------------------------------
  var matrix = document.querySelector("[data-live-matrix]");
  var issueBox = document.querySelector("[data-live-issue]");
  if (!matrix && !issueBox) return;
  var timers = {};
  var announcer = document.createElement("p");
  announcer.className = "usa-sr-only";
  announcer.setAttribute("aria-live", "polite");
  document.body.appendChild(announcer);

  function say(text) {
    announcer.textContent = "";
    setTimeout(function () { announcer.textContent = text; }, 50);
  }

  function bannerQuery() {
    var top = document.querySelector("div.banner");
    var q = new URLSearchParams();
    if (!top) return q;
    q.append("level", top.dataset.level || "0");
    var rel = top.dataset.relTo || "*";
    if (rel !== "*") rel.split(" ").filter(Boolean).forEach(function (c) { q.append("rel_to", c); });
    (top.dataset.caveats || "").split(" ").filter(Boolean).forEach(function (c) { q.append("caveats", c); });
    return q;
  }

  function paintBanner(b) {
    if (!b) return;
    document.querySelectorAll("div.banner").forEach(function (el) {
      el.textContent = b.display;
      el.dataset.level = String(b.level);
      el.dataset.relTo = b.rel_to === null ? "*" : b.rel_to.join(" ");
      el.dataset.caveats = b.caveats.join(" ");
      el.style.setProperty("--label-colour", b.colour);
    });
  }

  var chain = Promise.resolve();

  function refreshRow(issue) {
    var url = matrix.dataset.rowUrl.replace("/issues/0/", "/issues/" + issue + "/") + "?" + bannerQuery().toString();
    return fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } }).then(function (r) {
      var row = document.getElementById("issue-" + issue);
      if (r.status === 404) {
        if (row) row.remove();
        return;
      }
      if (!r.ok) return;
      var banner = r.headers.get("X-Accord-Banner");
      return r.text().then(function (html) {
        if (!row) return;
        var t = document.createElement("tbody");
        t.innerHTML = html.trim();
        var fresh = t.querySelector("tr");
        if (!fresh) return;
        row.replaceWith(fresh);
        if (banner) paintBanner(JSON.parse(banner));
        say("The position matrix changed: " + (fresh.querySelector("th a") || fresh).textContent.trim() + ".");
      });
    });
  }

  function refreshIssue() {
    return fetch(location.pathname, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) return;
      return r.text().then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        ["[data-live-issue]", ".accord-facts"].forEach(function (sel) {
          var mine = document.querySelector(sel);
          var theirs = doc.querySelector(sel);
          if (mine && theirs) mine.replaceWith(document.importNode(theirs, true));
        });
        var b = doc.querySelector("div.banner");
        if (b) {
          paintBanner({
            display: b.textContent.trim(), level: b.dataset.level,
            rel_to: b.dataset.relTo === "*" ? null : (b.dataset.relTo || "").split(" ").filter(Boolean),
            caveats: (b.dataset.caveats || "").split(" ").filter(Boolean),
            colour: b.style.getPropertyValue("--label-colour")
          });
        }
        say("The positions on this issue changed.");
      });
    });
  }

  function schedule(issue) {
    clearTimeout(timers[issue]);
    timers[issue] = setTimeout(function () {
      delete timers[issue];
      chain = chain.then(function () {
        if (matrix) return refreshRow(issue);
        if (issueBox && String(issue) === issueBox.dataset.liveIssue) return refreshIssue();
      }).catch(function () { /* the next notice or a reload repairs a missed refresh */ });
    }, 120);
  }

  // after a reconnection, notices sent meanwhile are lost: refresh what the page shows
  var opened = 0;
  document.addEventListener("accord:open", function () {
    if (opened++ === 0) return;
    if (matrix) matrix.querySelectorAll("tr[data-issue]").forEach(function (tr) { schedule(tr.dataset.issue); });
    else if (issueBox) schedule(issueBox.dataset.liveIssue);
  });

  document.addEventListener("accord:frame", function (ev) {
    var f = ev.detail;
    if (!f || f.type !== "notice" || typeof f.kind !== "string" || f.kind.indexOf("negotiation.") !== 0) return;
    if (f.ids && f.ids.issue) schedule(f.ids.issue);
  });
})();
