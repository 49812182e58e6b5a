// Accord comms: live delivery on the channel page (loaded as a file: CSP forbids inline JS).
// The socket only says "message N is readable by you"; the HTML is fetched from the server,
// which re-checks access, so this script never decides what may be shown. Likewise the page
// banner: the server combines labels (GET …/banner), this script only paints the answer.
(function () {
  "use strict";
  var root = document.getElementById("channel");
  if (!root) return;
  var channelId = parseInt(root.dataset.channelId, 10);
  var lastId = parseInt(root.dataset.lastId || "0", 10);
  var base = root.dataset.fragmentBase;
  var list = document.getElementById("messages");
  var status = document.getElementById("live-status");
  var form = document.getElementById("composer");
  var me = parseInt(document.body.dataset.member || "0", 10);

  function fragmentUrl(chan, id) { return base + chan + "/m/" + id + "/"; }

  function dedupe() {
    var seen = {};
    list.querySelectorAll("li.message").forEach(function (li) {
      if (seen[li.id]) li.remove(); else seen[li.id] = true;
    });
  }

  // new: append (once); edit/delete: replace in place, only if the message is on the page.
  // Fragments are fetched at once but placed in arrival order (one chain), so a batch of new
  // messages appears in id order even when a later fetch answers first.
  var placeChain = Promise.resolve();
  var pending = {}; // new messages fetched but not placed yet (an edit in the same batch follows)

  function insert(id, replace) {
    var existing = document.getElementById("msg-" + id) || pending[id];
    if (existing && !replace) return;
    if (!existing && replace) return;
    if (!replace) pending[id] = true;
    var html = fetch(fragmentUrl(channelId, id), { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .catch(function () { return null; });
    placeChain = placeChain.then(function () { return html; }).then(function (html) {
      if (!replace) delete pending[id];
      if (!html) return;
      var tpl = document.createElement("template");
      tpl.innerHTML = html.trim();
      var li = tpl.content.querySelector("li.message");
      if (!li) return;
      var current = document.getElementById("msg-" + id);
      if (current) {
        // keep an open edit form or history open while the author types
        var a = document.activeElement;
        if (replace && a && current.contains(a) && (a.tagName === "TEXTAREA" || a.tagName === "INPUT")) return;
        current.replaceWith(li);
      } else if (!replace) {
        list.appendChild(li);
      } else {
        return;
      }
      if (window.htmx) window.htmx.process(li);
      var empty = document.getElementById("empty-note");
      if (empty) empty.remove();
      dedupe();
    }).catch(function () { /* one bad fragment must not stop the ones after it */ });
  }

  // --- the page banner rises when stricter data arrives -----------------------------------
  var bannerChain = Promise.resolve();

  function raiseBanner(m) {
    bannerChain = bannerChain.then(function () {
      var top = document.querySelector("div.banner");
      if (!top) return null;
      if (m.label && m.label.display === top.textContent.trim()) return null; // same label
      var q = new URLSearchParams();
      q.append("level", top.dataset.level || "0");
      var rel = top.dataset.relTo || "*";
      if (rel !== "*") rel.split(" ").filter(Boolean).forEach(function (c) { q.append("rel_to", c); });
      (top.dataset.caveats || "").split(" ").filter(Boolean).forEach(function (c) { q.append("caveats", c); });
      return fetch(fragmentUrl(m.channel_id, m.id) + "banner?" + q.toString(), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (b) {
          if (!b) return;
          document.querySelectorAll("div.banner").forEach(function (el) {
            el.textContent = b.display;
            el.dataset.level = String(b.level);
            el.dataset.relTo = b.rel_to === null ? "*" : b.rel_to.join(" ");
            el.dataset.caveats = b.caveats.join(" ");
            el.style.setProperty("--label-colour", b.colour);
          });
        });
    }).catch(function () { /* a missed raise is repaired by the next event or a reload */ });
  }

  function setUnread(chan, n) {
    var tag = document.querySelector('.channel-side li[data-channel-id="' + chan + '"] .accord-unread');
    if (!tag || chan === channelId) return;
    tag.querySelector(".accord-unread__n").textContent = n;
    tag.hidden = !n;
  }

  function handle(data) {
    // my own acknowledgement (from the alert region or another tab): the message drops its button
    if (data.type === "ack") {
      if (data.member_id === me && document.getElementById("msg-" + data.message_id)) insert(data.message_id, true);
      return;
    }
    if (data.type !== "message") return;
    var m = data.message;
    if (m.id > lastId && data.event === "new") lastId = m.id;
    if (m.channel_id === channelId) {
      insert(m.id, data.event !== "new");
      if (data.event === "new" || data.event === "edit") raiseBanner(m);
    } else if (typeof data.unread === "number") {
      setUnread(m.channel_id, data.unread);
    }
  }

  // the page's one live connection (ui/live.js): catch up after each (re)connection
  document.addEventListener("accord:open", function () {
    status.textContent = "Live.";
    window.AccordLive.send({ type: "resume", after_id: lastId });
  });
  document.addEventListener("accord:closed", function () { status.textContent = "Reconnecting…"; });
  document.addEventListener("accord:frame", function (ev) { handle(ev.detail); });

  // --- reply in thread: the composer answers a message, labelled like it by default -------
  function composerDefaults() {
    if (!form) return null;
    return {
      level: form.querySelector("select[name=label_level]").value,
      rel: Array.prototype.map.call(form.querySelectorAll("input[name=label_rel_to]"), function (i) { return i.checked; }),
      cav: Array.prototype.map.call(form.querySelectorAll("input[name=label_caveats]"), function (i) { return i.checked; })
    };
  }
  var defaults = composerDefaults();

  function setReply(btn) {
    var d = btn.dataset;
    form.querySelector("input[name=reply_to]").value = d.replyTo;
    document.getElementById("reply-sender").textContent = d.sender;
    document.getElementById("reply-link").setAttribute("href", "#msg-" + d.replyTo);
    document.getElementById("reply-note").hidden = false;
    var level = form.querySelector("select[name=label_level]");
    if (level.querySelector('option[value="' + d.level + '"]')) level.value = d.level;
    var rel = d.relAll === "1" ? [] : d.relTo.split(" ").filter(Boolean);
    form.querySelectorAll("input[name=label_rel_to]").forEach(function (i) { i.checked = rel.indexOf(i.value) >= 0; });
    var cav = d.caveats.split(" ").filter(Boolean);
    form.querySelectorAll("input[name=label_caveats]").forEach(function (i) { i.checked = cav.indexOf(i.value) >= 0; });
    form.querySelector("textarea[name=body]").focus();
  }

  function clearReply(restoreLabel) {
    if (!form) return;
    form.querySelector("input[name=reply_to]").value = "";
    document.getElementById("reply-note").hidden = true;
    if (restoreLabel && defaults) {
      form.querySelector("select[name=label_level]").value = defaults.level;
      form.querySelectorAll("input[name=label_rel_to]").forEach(function (i, n) { i.checked = defaults.rel[n]; });
      form.querySelectorAll("input[name=label_caveats]").forEach(function (i, n) { i.checked = defaults.cav[n]; });
    }
  }

  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("a.reply-button");
    if (btn && form) {
      ev.preventDefault();
      setReply(btn);
      return;
    }
    if (ev.target.closest("#reply-cancel") && form) {
      ev.preventDefault();
      clearReply(true);
    }
  });

  document.body.addEventListener("htmx:afterSettle", dedupe);
  // after a send the composer starts again: empty text, ROUTINE, no acknowledgement asked, no
  // files (the label stays: the next message usually goes to the same readers)
  document.body.addEventListener("htmx:afterRequest", function (ev) {
    if (form && ev.detail.elt === form && ev.detail.successful) {
      form.querySelector("textarea[name=body]").value = "";
      var routine = form.querySelector("input[name=precedence][value=ROUTINE]");
      if (routine) routine.checked = true;
      var ack = form.querySelector("input[name=requires_ack]");
      if (ack) ack.checked = false;
      var f = form.querySelector("input[type=file]");
      if (f) f.value = "";
      clearReply(false);
    }
  });
})();
