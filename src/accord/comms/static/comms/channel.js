// Accord comms: live delivery on the channel page (loaded as a file: CSP forbids inline JS).
// The socket only says "message N is readable by you"; the HTML is fetched from the server,
// which re-checks access, so this script never decides what may be shown.
(function () {
  "use strict";
  var root = document.getElementById("channel");
  if (!root || !window.WebSocket) return;
  var channelId = parseInt(root.dataset.channelId, 10);
  var lastId = parseInt(root.dataset.lastId || "0", 10);
  var base = root.dataset.fragmentBase;
  var list = document.getElementById("messages");
  var status = document.getElementById("live-status");
  var delay = 1000;

  function fragmentUrl(chan, id) { return base + chan + "/m/" + id + "/"; }

  function dedupe() {
    var seen = {};
    list.querySelectorAll("li.message").forEach(function (li) {
      if (seen[li.id]) li.remove(); else seen[li.id] = true;
    });
  }

  function insert(id, replace) {
    var existing = document.getElementById("msg-" + id);
    if (existing && !replace) return;
    fetch(fragmentUrl(channelId, id), { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var tpl = document.createElement("template");
        tpl.innerHTML = html.trim();
        var li = tpl.content.querySelector("li.message");
        if (!li) return;
        var current = document.getElementById("msg-" + id);
        if (current) current.replaceWith(li); else list.appendChild(li);
        if (window.htmx) window.htmx.process(li);
        var empty = document.getElementById("empty-note");
        if (empty) empty.remove();
        dedupe();
      });
  }

  function setUnread(chan, n) {
    var li = document.querySelector('.channel-side li[data-channel-id="' + chan + '"] .unread');
    if (!li || chan === channelId) return;
    li.textContent = n;
    li.hidden = !n;
  }

  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(proto + location.host + root.dataset.wsPath);
    ws.onopen = function () {
      delay = 1000;
      status.textContent = "Live.";
      ws.send(JSON.stringify({ type: "resume", after_id: lastId }));
    };
    ws.onmessage = function (ev) {
      var data = JSON.parse(ev.data);
      if (data.type !== "message") return;
      var m = data.message;
      if (m.id > lastId && data.event === "new") lastId = m.id;
      if (m.channel_id === channelId) {
        insert(m.id, data.event !== "new");
      } else if (typeof data.unread === "number") {
        setUnread(m.channel_id, data.unread);
      }
    };
    ws.onclose = function () {
      status.textContent = "Reconnecting…";
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }

  document.body.addEventListener("htmx:afterSettle", dedupe);
  document.body.addEventListener("htmx:afterRequest", function (ev) {
    var form = document.getElementById("composer");
    if (ev.detail.elt === form && ev.detail.successful) {
      form.querySelector("textarea[name=body]").value = "";
    }
  });
  connect();
})();
