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

  fetch(el.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((r) => { if (!r.ok) throw new Error(r.status); return r.json(); })
    .then((fc) => {
      const group = L.featureGroup().addTo(map);
      const order = { zone: 0, action: 1, conflict: 2 };
      fc.features.sort((a, b) => order[a.properties.layer] - order[b.properties.layer]);
      let n = { zone: 0, action: 0, conflict: 0 };
      fc.features.forEach((f) => {
        const p = f.properties;
        n[p.layer] += 1;
        if (p.footprint && p.buffer_m > 0) {
          L.geoJSON(p.footprint, { style: Object.assign({}, style(p), { dashArray: "4 4", fillOpacity: 0.05, weight: 1 }), interactive: false }).addTo(group);
        }
        const layer = L.geoJSON(f, { style: () => style(p), pointToLayer: point }).bindPopup(popup(p));
        layer.addTo(group);
        byId[f.id] = layer;
      });
      const hash = window.location.hash.slice(1);
      if (hash && byId[hash]) {
        map.fitBounds(byId[hash].getBounds(), { maxZoom: 13 });
        byId[hash].openPopup();
      } else if (group.getLayers().length) {
        map.fitBounds(group.getBounds(), { maxZoom: 12 });
      }
      say("Shown: " + n.zone + " zone(s), " + n.action + " action(s) and " + n.conflict + " conflict(s) you may read.");
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
