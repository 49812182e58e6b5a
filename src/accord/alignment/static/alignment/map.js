/* The alignment map: an offline base layer (world-atlas country outlines through
   topojson-client), the zones, actions and conflicts the reader may read (from the page's
   GeoJSON endpoint, filtered by the server), and, for planners, Geoman drawing tools that
   fill the action form's GeoJSON textarea (the form works without this script). */
(function () {
  "use strict";
  const el = document.getElementById("alignment-map");
  if (!el || typeof L === "undefined") return;
  const status = document.getElementById("alignment-map-status");
  const say = (text) => { if (status) status.textContent = text; };
  const map = L.map(el, { worldCopyJump: true, attributionControl: true }).setView([45.2, 28.8], 9);
  el.accordMap = map; // for the browser tests
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Country outlines: Natural Earth (world-atlas)");

  fetch(el.dataset.world, { credentials: "same-origin" })
    .then((r) => r.json())
    .then((topo) => {
      const countries = topojson.feature(topo, topo.objects.countries);
      L.geoJSON(countries, {
        interactive: false,
        style: { color: "#71767a", weight: 1, fillColor: "#f0f0f0", fillOpacity: 1 },
      }).addTo(map).bringToBack();
    })
    .catch(() => say("The country outlines could not be loaded; zones and actions are still shown."));

  const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const byId = {};
  const style = (p) => {
    if (p.layer === "conflict") return { color: "#b50909", weight: 4, fillColor: "#b50909", fillOpacity: 0.45 };
    if (p.layer === "action") return { color: "#5c1111", weight: 3, fillOpacity: 0.1 };
    if (p.inclusion) return { color: "#00756a", weight: 2, fillColor: "#00756a", fillOpacity: 0.12 };
    return { color: "#1a4480", weight: 2, fillColor: "#1a4480", fillOpacity: 0.12 };
  };
  const popup = (p) => {
    const base = p.layer === "zone" ? el.dataset.constraintUrl + p.id + "/" : el.dataset.actionUrl + (p.layer === "action" ? p.id : p.action) + "/";
    let html = "<strong>" + esc(p.title) + "</strong><br>" + esc(p.label);
    if (p.layer === "zone") html += "<br>" + esc(p.kind) + " · " + esc(p.restriction) + " · version " + esc(p.version);
    if (p.layer === "action") html += "<br>" + esc(p.kind) + " · " + esc(p.party) + " · " + esc(p.state);
    if (p.layer === "conflict") html += "<br>" + esc(p.precedence) + " · " + (p.how === "leaves" ? "leaves the zone" : "enters the zone");
    return html + '<br><a href="' + esc(base) + '">Open</a>';
  };
  const point = (f, latlng) => L.circleMarker(latlng, { radius: 6 });

  // Every drawn layer with its time window (start/end in the GeoJSON properties; null = open).
  const entries = [];
  const HOUR = 3600 * 1000;
  const time = (v) => (v ? Date.parse(v) : null);
  const activeAt = (e, t) => (e.start === null || e.start <= t) && (e.end === null || t < e.end)
    && (!e.windows || !e.windows.length || e.windows.some((w) => time(w[0]) <= t && t < time(w[1])));
  const words = (t) => {
    const opts = { weekday: "long", day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" };
    try { return new Intl.DateTimeFormat("en-GB", Object.assign({ timeZone: el.dataset.tz || "UTC" }, opts)).format(new Date(t)); }
    catch (err) { return new Intl.DateTimeFormat("en-GB", Object.assign({ timeZone: "UTC" }, opts)).format(new Date(t)); }
  };
  const count = (list) => {
    const n = { zone: 0, action: 0, conflict: 0 };
    list.forEach((e) => { n[e.kind] += 1; });
    return n.zone + " zone(s), " + n.action + " action(s) and " + n.conflict + " conflict(s)";
  };

  // The time slider: hours from the earliest start to the latest end (now included).
  const fs = document.getElementById("alignment-map-time");
  const range = document.getElementById("map-time");
  const on = document.getElementById("map-time-on");
  const out = document.getElementById("map-time-words");
  let t0 = 0;
  const chosen = () => t0 + Number(range.value) * HOUR;
  const apply = () => {
    const t = chosen();
    out.textContent = words(t);
    range.setAttribute("aria-valuetext", words(t));
    range.setAttribute("data-chosen", new Date(t).toISOString());
    const filtering = on.checked;
    const shown = [];
    entries.forEach((e) => {
      const show = !filtering || activeAt(e, t);
      e.layers.forEach((l) => { if (show) { if (!e.group.hasLayer(l)) e.group.addLayer(l); } else e.group.removeLayer(l); });
      if (show) shown.push(e);
    });
    say((filtering ? "Shown at " + words(t) + ": " : "Shown: ") + count(shown) + " you may read.");
  };
  const setupSlider = () => {
    if (!fs || !range || !on || !out) return;
    const now = Math.floor(Date.now() / HOUR) * HOUR;
    let lo = now - 24 * HOUR;
    let hi = now + 7 * 24 * HOUR;
    entries.forEach((e) => {
      if (e.start !== null) lo = Math.min(lo, e.start);
      if (e.end !== null) hi = Math.max(hi, e.end);
    });
    t0 = Math.floor(lo / HOUR) * HOUR;
    range.max = String(Math.ceil((hi - t0) / HOUR));
    range.value = String(Math.round((now - t0) / HOUR));
    // Page Up / Page Down move by a day (the browser's default is a tenth of the range).
    range.addEventListener("keydown", (ev) => {
      if (ev.key !== "PageUp" && ev.key !== "PageDown") return;
      ev.preventDefault();
      const v = Number(range.value) + (ev.key === "PageUp" ? 24 : -24);
      range.value = String(Math.max(0, Math.min(Number(range.max), v)));
      range.dispatchEvent(new Event("input", { bubbles: true }));
    });
    range.addEventListener("input", () => { on.checked = true; apply(); });
    // USWDS's range script rewrites aria-valuetext to "n of max" on change: say the time again.
    range.addEventListener("change", () => window.setTimeout(apply, 0));
    on.addEventListener("change", apply);
    fs.hidden = false;
    apply();
  };

  fetch(el.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((r) => { if (!r.ok) throw new Error(r.status); return r.json(); })
    .then((fc) => {
      const group = L.featureGroup().addTo(map);
      const order = { zone: 0, action: 1, conflict: 2 };
      fc.features.sort((a, b) => order[a.properties.layer] - order[b.properties.layer]);
      fc.features.forEach((f) => {
        const p = f.properties;
        const layers = [];
        if (p.footprint && p.buffer_m > 0) {
          layers.push(L.geoJSON(p.footprint, { style: Object.assign({}, style(p), { dashArray: "4 4", fillOpacity: 0.05, weight: 1 }), interactive: false }));
        }
        const layer = L.geoJSON(f, { style: () => style(p), pointToLayer: point }).bindPopup(popup(p));
        layers.push(layer);
        layers.forEach((l) => l.addTo(group));
        byId[f.id] = layer;
        entries.push({ kind: p.layer, start: time(p.start), end: time(p.end), windows: p.windows || null, layers: layers, group: group });
      });
      const hash = window.location.hash.slice(1);
      if (hash && byId[hash]) {
        map.fitBounds(byId[hash].getBounds(), { maxZoom: 13 });
        byId[hash].openPopup();
      } else if (group.getLayers().length) {
        map.fitBounds(group.getBounds(), { maxZoom: 12 });
      }
      say("Shown: " + count(entries) + " you may read.");
      setupSlider();
    })
    .catch(() => say("The map's layers could not be loaded."));

  // Drawing (planners only: the page loads Geoman only for them).
  const box = document.getElementById("a-geometry");
  if (box && map.pm) {
    map.pm.addControls({
      position: "topleft",
      drawMarker: false, drawCircle: false, drawRectangle: true, drawText: false,
      drawCircleMarker: true, drawPolyline: true, drawPolygon: true,
      editMode: true, dragMode: true, cutPolygon: false, removalMode: true, rotateMode: false,
    });
    let drawn = null;
    const sync = (layer) => { box.value = JSON.stringify(layer.toGeoJSON().geometry); };
    map.on("pm:create", (e) => {
      if (drawn) map.removeLayer(drawn);
      drawn = e.layer;
      sync(drawn);
      drawn.on("pm:edit pm:dragend", () => sync(drawn));
      say("The drawn geometry is in the form below.");
    });
    map.on("pm:remove", (e) => { if (e.layer === drawn) { drawn = null; box.value = ""; } });
    box.addEventListener("change", () => {
      try {
        const g = JSON.parse(box.value);
        if (drawn) map.removeLayer(drawn);
        drawn = L.geoJSON(g, { pointToLayer: point, style: { color: "#5c1111", weight: 3 } }).addTo(map);
        map.fitBounds(drawn.getBounds(), { maxZoom: 13 });
      } catch (err) {
        say("The GeoJSON in the form is not valid JSON yet.");
      }
    });
  }
})();
