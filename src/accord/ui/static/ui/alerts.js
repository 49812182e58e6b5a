// Accord: FLASH and IMMEDIATE messages reach a member wherever they are in a process.
// The alert region (role="alert") at the top of every process page lists what awaits this
// member's acknowledgement; it is rendered by the server (which checks access for this member)
// and refreshed from it whenever the live connection says something changed: a new urgent
// message this member may read, or an acknowledgement (theirs from another tab included).
// The tab title carries the count; desktop notifications are offered, never forced.
(function () {
  "use strict";
  var region = document.querySelector(".accord-urgent");
  if (!region) return;
  var box = document.getElementById("urgent-alerts");
  var url = region.dataset.alertsUrl;
  var me = parseInt(document.body.dataset.member || "0", 10);
  var baseTitle = document.title.replace(/^\(\d+\) /, "");
  var known = {};

  function count() { return box.querySelectorAll("[data-alert-id]").length; }

  function paintTitle() {
    var n = count();
    document.title = n ? "(" + n + ") " + baseTitle : baseTitle;
  }

  function remember() {
    box.querySelectorAll("[data-alert-id]").forEach(function (el) { known[el.dataset.alertId] = true; });
  }

  function notify(fresh) {
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    fresh.forEach(function (el) {
      var n = new Notification(el.dataset.alertTitle || "Urgent message", { body: el.dataset.alertText || "", tag: "accord-" + el.dataset.alertId });
      n.onclick = function () { window.focus(); n.close(); };
    });
  }

  var chain = Promise.resolve();
  function refresh() {
    chain = chain.then(function () {
      return fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html === null) return;
          box.innerHTML = html;
          if (window.htmx) window.htmx.process(box);
          var fresh = Array.prototype.filter.call(box.querySelectorAll("[data-alert-id]"), function (el) { return !known[el.dataset.alertId]; });
          remember();
          paintTitle();
          notify(fresh);
        });
    }).catch(function () { /* the next event or a reload repairs a missed refresh */ });
  }

  document.addEventListener("accord:frame", function (ev) {
    var f = ev.detail;
    if (f.type === "message") {
      var m = f.message;
      var urgent = m.requires_ack && (m.precedence === "FLASH" || m.precedence === "IMMEDIATE");
      if (urgent && m.sender_id !== me) refresh();
      else if (f.event !== "new" && known[String(m.id)]) refresh(); // edited or deleted
    } else if (f.type === "ack" && (f.member_id === me || known[String(f.message_id)])) {
      refresh();
    }
  });
  document.addEventListener("accord:open", refresh); // catch up after a reconnection

  // an acknowledgement made here: the server answers with the updated region
  document.body.addEventListener("htmx:afterSwap", function (ev) {
    if (box.contains(ev.detail.target) || ev.detail.target === box) { remember(); paintTitle(); }
  });

  document.addEventListener("click", function (ev) {
    if (!ev.target.closest("[data-enable-notifications]")) return;
    ev.preventDefault();
    if ("Notification" in window) Notification.requestPermission().then(refresh);
  });

  remember();
  paintTitle();
})();
