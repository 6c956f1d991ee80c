// Filters and keyboard navigation for the sfia-qa report; works on files opened from disk.
(function () {
  "use strict";
  document.body.classList.remove("nojs");
  var table = document.querySelector("table.review");
  if (!table) { return; }
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var controls = {
    sev: document.getElementById("f-sev"), code: document.getElementById("f-code"),
    drift: document.getElementById("f-drift"), skill: document.getElementById("f-skill"),
    only: document.getElementById("f-only")
  };
  var counter = document.getElementById("f-count");
  var current = -1;
  var RANK = { info: 1, warning: 2, error: 3 };

  function words(row, name) { var v = row.getAttribute("data-" + name); return v ? v.split(" ") : []; }

  function matches(row) {
    var sev = controls.sev.value, code = controls.code.value, drift = controls.drift.value, skill = controls.skill.value;
    if (sev && !words(row, "sev").some(function (s) { return RANK[s] >= RANK[sev]; })) { return false; }
    if (code && words(row, "codes").indexOf(code) < 0) { return false; }
    if (drift && row.getAttribute("data-drift") !== drift) { return false; }
    if (skill && row.getAttribute("data-skill") !== skill) { return false; }
    if (controls.only.checked && !row.classList.contains("has-f")) { return false; }
    return true;
  }

  function apply() {
    var shown = 0;
    rows.forEach(function (row) {
      var ok = matches(row);
      row.classList.toggle("hidden", !ok);
      if (ok) { shown += 1; }
    });
    counter.textContent = shown + " of " + rows.length + " segments shown";
    var state = [];
    Object.keys(controls).forEach(function (k) {
      var c = controls[k];
      var v = c.type === "checkbox" ? (c.checked ? "1" : "") : c.value;
      if (v) { state.push(k + "=" + encodeURIComponent(v)); }
    });
    if (history.replaceState) { history.replaceState(null, "", state.length ? "#" + state.join("&") : location.pathname); }
  }

  function restore() {
    (location.hash || "").replace(/^#/, "").split("&").forEach(function (pair) {
      var kv = pair.split("="), c = controls[kv[0]];
      if (!c || kv.length !== 2) { return; }
      if (c.type === "checkbox") { c.checked = kv[1] === "1"; } else { c.value = decodeURIComponent(kv[1]); }
    });
  }

  function visibleFindings() {
    return rows.filter(function (r) { return r.classList.contains("has-f") && !r.classList.contains("hidden"); });
  }

  function go(step) {
    var list = visibleFindings();
    if (!list.length) { return; }
    var at = list.indexOf(rows[current]);
    var next = at < 0 ? (step > 0 ? 0 : list.length - 1) : (at + step + list.length) % list.length;
    if (current >= 0) { rows[current].classList.remove("current"); }
    current = rows.indexOf(list[next]);
    var row = rows[current];
    row.classList.add("current");
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "center" });
    document.getElementById("f-pos").textContent = "finding row " + (next + 1) + " of " + list.length;
  }

  Object.keys(controls).forEach(function (k) { controls[k].addEventListener("change", apply); });
  document.getElementById("f-reset").addEventListener("click", function () {
    Object.keys(controls).forEach(function (k) {
      var c = controls[k];
      if (c.type === "checkbox") { c.checked = false; } else { c.value = ""; }
    });
    apply();
  });
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    var tag = (e.target && e.target.tagName) || "";
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") { return; }
    if (e.key === "j" || e.key === "n") { go(1); e.preventDefault(); }
    else if (e.key === "k" || e.key === "p") { go(-1); e.preventDefault(); }
  });
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) { d.open = true; });
  });
  restore();
  apply();
}());
