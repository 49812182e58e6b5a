// Accord: the one live connection of a process page (loaded as a file: CSP forbids inline JS).
// Every page of a process opens exactly one WebSocket to /ws/p/<slug>/. This module owns it:
// it reconnects with backoff, unwraps batches, and hands each frame to whoever listens on the
// document ("accord:frame"); "accord:open" fires on every (re)connection so that a page that
// needs a catch-up (the channel page) can send its resume. The socket only ever says what this
// member may read; pages fetch what they show from the server, which checks access again.
(function () {
  "use strict";
  var slug = document.body.dataset.process;
  if (!slug || !window.WebSocket) return;
  var ws = null;
  var delay = 1000;
  var queue = [];

  function emit(name, detail) {
    document.dispatchEvent(new CustomEvent(name, { detail: detail }));
  }

  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(proto + location.host + "/ws/p/" + slug + "/");
    ws.onopen = function () {
      delay = 1000;
      queue.splice(0).forEach(function (m) { ws.send(m); });
      emit("accord:open", {});
    };
    ws.onmessage = function (ev) {
      var data = JSON.parse(ev.data);
      // several frames of one burst arrive as one batch: each is handled as if alone, in order
      (data.type === "batch" ? data.frames : [data]).forEach(function (f) { emit("accord:frame", f); });
    };
    ws.onclose = function (ev) {
      emit("accord:closed", { code: ev.code });
      if (ev.code === 4401) { location.reload(); return; } // session ended: the page asks to sign in
      if (ev.code === 4404 || ev.code === 1008) return; // refused: reconnecting cannot help
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }

  window.AccordLive = {
    send: function (obj) {
      var text = JSON.stringify(obj);
      if (ws && ws.readyState === 1) ws.send(text); else queue.push(text);
    }
  };
  // connect once every deferred script of the page has run (DOMContentLoaded comes after
  // them), so that no page script misses the first "accord:open" and its catch-up
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", connect);
  else connect();
})();
