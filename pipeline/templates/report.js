// The sfia-qa report: filters, search, order, the "next finding" path through a language,
// evidence linked to findings, and reviewer decisions kept in this browser (localStorage)
// and exported as review-decisions.json. Works on files opened from disk; fetches nothing.
(function () {
  "use strict";
  document.body.classList.remove("nojs");
  var RANK = { info: 1, warning: 2, error: 3 };
  var bar = document.querySelector(".toolbar");
  if (!bar) { return; }
  var reportId = bar.getAttribute("data-report"), lang = bar.getAttribute("data-lang");
  var STORE = "sfia-qa:" + reportId + ":" + lang;

  // --- decisions in localStorage -------------------------------------------------------------
  function load() {
    try { var d = JSON.parse(localStorage.getItem(STORE) || "{}"); return d && typeof d === "object" ? d : {}; }
    catch (e) { return {}; }
  }
  function save(d) { try { localStorage.setItem(STORE, JSON.stringify(d)); } catch (e) { /* private mode */ } }
  var decisions = load();
  // decisions the review log says were applied are done: drop them from this browser
  (function () {
    var done = (bar.getAttribute("data-logged") || "").split(" ").filter(Boolean), changed = false;
    done.forEach(function (id) { if (decisions[id]) { delete decisions[id]; changed = true; } });
    if (changed) { save(decisions); }
  }());

  function exportDecisions() {
    var list = Object.keys(decisions).sort().map(function (k) {
      var d = decisions[k];
      return { finding: d.finding || null, lang: d.lang, framework: d.framework, key: d.key, code: d.code || null,
        decision: d.decision, reason: d.reason || "", comment: d.comment || "", original: d.original,
        corrected: d.corrected === undefined ? null : d.corrected, origin: d.origin || null };
    });
    var body = JSON.stringify({ format: "sfia-qa-review-decisions", version: 1, report: reportId, decisions: list }, null, 1) + "\n";
    var a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([body], { type: "application/json" }));
    a.download = "review-decisions.json";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    window.__sfiaQaExport = body;  // for tests and for copying from the console
    return body;
  }
  var exp = document.getElementById("r-export");
  if (exp) { exp.addEventListener("click", exportDecisions); }

  // --- filters kept in the #fragment ----------------------------------------------------------
  var controls = {
    q: document.getElementById("f-q"), sev: document.getElementById("f-sev"), code: document.getElementById("f-code"),
    drift: document.getElementById("f-drift"), only: document.getElementById("f-only"), order: document.getElementById("f-order")
  };
  Object.keys(controls).forEach(function (k) { if (!controls[k]) { delete controls[k]; } });
  var counter = document.getElementById("f-count");
  var go = null;

  function val(c) { return c.type === "checkbox" ? (c.checked ? "1" : "") : c.value; }
  function state() {
    var out = [];
    Object.keys(controls).forEach(function (k) { var v = val(controls[k]); if (v) { out.push(k + "=" + encodeURIComponent(v)); } });
    return out.join("&");
  }
  function restore() {
    (location.hash || "").replace(/^#/, "").split("&").forEach(function (pair) {
      var kv = pair.split("=");
      if (kv.length !== 2) { return; }
      if (kv[0] === "go") { go = kv[1]; return; }
      var c = controls[kv[0]];
      if (!c) { return; }
      var v = decodeURIComponent(kv[1]);
      if (c.type === "checkbox") { c.checked = v === "1"; } else { c.value = v; }
    });
  }
  // the filters into the #fragment; an anchor to a segment (#s-...) stays when no filter is set
  function writeHash() {
    if (!history.replaceState) { return; }
    var st = state();
    if (st) { history.replaceState(null, "", "#" + st); }
    else if ((location.hash || "").indexOf("=") >= 0) { history.replaceState(null, "", location.pathname); }
  }
  function words(el, name) { var v = el.getAttribute("data-" + name); return v ? v.split(" ") : []; }
  function fold(s) { return (s || "").toLocaleLowerCase().normalize("NFKD").replace(/[\u0300-\u036f\u064b-\u065f]/g, ""); }
  function sevOk(el, sev) { return !sev || words(el, "sev").some(function (s) { return RANK[s] >= RANK[sev]; }); }

  var table = document.querySelector("table.review");
  var skills = document.querySelector("table.skills");

  // --- the search page: every segment of the language --------------------------------------------
  var index = document.getElementById("s-index");
  if (index) {
    var items = Array.prototype.slice.call(index.content.children);
    var hay = null;  // folded texts, made at the first search (not while the page opens)
    var q = document.getElementById("s-q"), results = document.getElementById("s-results"), count = document.getElementById("s-count");
    var other = document.getElementById("s-other"), LIMIT = 200, timer = null;
    var search = function () {
      var term = fold(q.value.trim()), n = 0;
      results.textContent = "";
      if (term.length >= 2) {
        var frag = document.createDocumentFragment();
        hay = hay || items.map(function (p) { return fold(p.textContent); });
        hay.forEach(function (h, i) {
          if (h.indexOf(term) < 0) { return; }
          n += 1;
          if (n > LIMIT) { return; }
          var li = document.createElement("li"), a = document.createElement("a"), t = document.createElement("span");
          a.href = items[i].getAttribute("data-h");
          a.textContent = items[i].getAttribute("data-l");
          a.setAttribute("lang", "en");
          a.setAttribute("dir", "ltr");
          t.className = "s-text";
          t.textContent = items[i].textContent;
          li.appendChild(a);
          li.appendChild(t);
          frag.appendChild(li);
        });
        results.appendChild(frag);
      }
      count.textContent = term.length < 2 ? "type two letters or more" : n + " segment" + (n === 1 ? "" : "s") + (n > LIMIT ? " (first " + LIMIT + " shown)" : "");
      var frag_ = term ? "#q=" + encodeURIComponent(q.value.trim()) : "";
      if (other) { other.setAttribute("href", other.getAttribute("href").split("#")[0] + frag_); }
      if (history.replaceState) { history.replaceState(null, "", frag_ || location.pathname); }
    };
    q.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 120); });
    var m = /(?:^#|&)q=([^&]*)/.exec(location.hash || "");
    if (m) { q.value = decodeURIComponent(m[1]); }
    search();
    return;
  }

  // --- the overview: skills filtered, progress of review --------------------------------------
  if (skills) {
    var srows = Array.prototype.slice.call(skills.tBodies[0].rows);
    var applyOverview = function () {
      var q = controls.q ? fold(controls.q.value) : "", shown = 0;
      srows.forEach(function (r) {
        var ok = sevOk(r, controls.sev.value) && (!controls.code.value || words(r, "codes").indexOf(controls.code.value) >= 0) &&
          (!controls.drift.value || words(r, "drift").indexOf(controls.drift.value) >= 0) &&
          (!q || fold(r.getAttribute("data-skill") + " " + r.getAttribute("data-name")).indexOf(q) >= 0);
        r.classList.toggle("hidden", !ok);
        if (ok) { shown += 1; }
      });
      counter.textContent = shown + " of " + srows.length + " skills shown";
      var st = state().split("&").filter(function (p) { return p && p.indexOf("q=") !== 0; }).join("&");
      Array.prototype.forEach.call(skills.querySelectorAll("a.skill-link"), function (a) {
        a.setAttribute("href", a.getAttribute("href").split("#")[0] + (st ? "#" + st : ""));
      });
      writeHash();
    };
    var per = {};
    Object.keys(decisions).forEach(function (k) { var d = decisions[k]; if (d.finding && d.lane !== "mt") { per[d.skill] = (per[d.skill] || 0) + 1; } });
    var all = Object.keys(per).reduce(function (n, k) { return n + per[k]; }, 0);
    Array.prototype.forEach.call(document.querySelectorAll("td.prog"), function (td) {
      td.textContent = (per[td.getAttribute("data-skill")] || 0) + " / " + td.getAttribute("data-total");
    });
    var pg = document.getElementById("progress");
    if (pg) { pg.textContent = all + " / " + pg.getAttribute("data-total"); }
    Object.keys(controls).forEach(function (k) { controls[k].addEventListener(k === "q" ? "input" : "change", applyOverview); });
    document.getElementById("f-reset").addEventListener("click", function () {
      Object.keys(controls).forEach(function (k) { var c = controls[k]; if (c.type === "checkbox") { c.checked = false; } else { c.value = ""; } });
      applyOverview();
    });
    restore();
    applyOverview();
    return;
  }
  if (!table) { return; }

  // --- a skill page ----------------------------------------------------------------------------
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  var reading = rows.slice();
  var texts = rows.map(function (r) {
    return fold(Array.prototype.map.call(r.querySelectorAll("td.t-en, td.tgt"), function (td) {
      return td.textContent + " " + (td.getAttribute("data-text") || "");
    }).join(" "));
  });
  var current = null;

  function setBar() { document.documentElement.style.setProperty("--bar", bar.offsetHeight + "px"); }
  setBar();
  window.addEventListener("resize", setBar);

  function matches(row, i) {
    var q = controls.q.value ? fold(controls.q.value.trim()) : "";
    if (q && texts[i].indexOf(q) < 0) { return false; }
    if (!sevOk(row, controls.sev.value)) { return false; }
    if (controls.code.value && words(row, "codes").indexOf(controls.code.value) < 0) { return false; }
    if (controls.drift.value && row.getAttribute("data-drift") !== controls.drift.value) { return false; }
    if (controls.only.checked && !row.classList.contains("has-f")) { return false; }
    return true;
  }
  function worst(row) {
    return Math.max.apply(null, [0].concat(words(row, "sev").map(function (s) { return RANK[s] || 0; })));
  }
  function apply() {
    var shown = 0;
    rows.forEach(function (row, i) {
      var ok = matches(row, i);
      row.classList.toggle("hidden", !ok);
      if (ok) { shown += 1; }
    });
    var order = controls.order.value === "severity"
      ? reading.slice().sort(function (a, b) {
        return (worst(b) - worst(a)) || (b.querySelectorAll("li.f[data-lane=defect]").length - a.querySelectorAll("li.f[data-lane=defect]").length) || (reading.indexOf(a) - reading.indexOf(b));
      }) : reading;
    order.forEach(function (r) { tbody.appendChild(r); });
    counter.textContent = shown + " of " + rows.length + " segments shown";
    writeHash();
    setBar();
  }
  function inOrder() {
    return Array.prototype.filter.call(tbody.rows, function (r) { return r.classList.contains("has-f") && !r.classList.contains("hidden"); });
  }
  function leave(href, where) {
    var st = state();
    location.href = href + "#" + (st ? st + "&" : "") + "go=" + where;
  }
  function step(delta) {
    var list = inOrder();
    var at = current ? list.indexOf(current) : -1;
    var next = at < 0 ? (delta > 0 ? 0 : list.length - 1) : at + delta;
    if (next >= list.length || list.length === 0 && delta > 0) {
      if (bar.getAttribute("data-next")) { return leave(bar.getAttribute("data-next"), "first"); }
      next = list.length - 1;
    }
    if (next < 0) {
      if (bar.getAttribute("data-prev")) { return leave(bar.getAttribute("data-prev"), "last"); }
      next = 0;
    }
    if (!list.length) { return; }
    if (current) { current.classList.remove("current"); }
    current = list[next];
    current.classList.add("current");
    current.focus({ preventScroll: true });
    current.scrollIntoView({ block: "center" });
    document.getElementById("f-pos").textContent = "finding row " + (next + 1) + " of " + list.length;
  }

  Object.keys(controls).forEach(function (k) { controls[k].addEventListener(k === "q" ? "input" : "change", apply); });
  document.getElementById("f-reset").addEventListener("click", function () {
    Object.keys(controls).forEach(function (k) { var c = controls[k]; if (c.type === "checkbox") { c.checked = false; } else { c.value = ""; } });
    apply();
  });
  document.getElementById("next-btn").addEventListener("click", function () { step(1); });
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    var tag = (e.target && e.target.tagName) || "";
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") { return; }
    if (e.key === "j" || e.key === "n") { step(1); e.preventDefault(); }
    else if (e.key === "k" || e.key === "p") { step(-1); e.preventDefault(); }
    else if (e.key === "/") { controls.q.focus(); e.preventDefault(); }
  });

  // --- evidence <-> finding -------------------------------------------------------------------
  function link(ids, on) {
    ids.forEach(function (id) {
      var li = document.getElementById("f-" + id);
      if (li) { li.classList.toggle("linked", on); }
      Array.prototype.forEach.call(document.querySelectorAll("mark.ev"), function (m) {
        if (words(m, "f").indexOf(id) >= 0) { m.classList.toggle("linked", on); }
      });
    });
  }
  ["mouseover", "focusin"].forEach(function (ev) {
    table.addEventListener(ev, function (e) {
      var m = e.target.closest && e.target.closest("mark.ev, li.f");
      if (m) { link(m.classList.contains("ev") ? words(m, "f") : [m.getAttribute("data-f")], true); }
    });
  });
  ["mouseout", "focusout"].forEach(function (ev) {
    table.addEventListener(ev, function (e) {
      var m = e.target.closest && e.target.closest("mark.ev, li.f");
      if (m) { link(m.classList.contains("ev") ? words(m, "f") : [m.getAttribute("data-f")], false); }
    });
  });

  // --- decisions on findings -------------------------------------------------------------------
  function cellOf(li) {
    var row = li.closest("tr");
    return row.querySelector("td.tgt[data-fw='" + li.getAttribute("data-fw") + "']") || row.querySelector("td.tgt");
  }
  var LABEL = { fix: "to fix", "false-positive": "false positive", accepted: "accepted as is" };
  function show(li) {
    var d = decisions[li.getAttribute("data-f")];
    Array.prototype.forEach.call(li.querySelectorAll(".decide button"), function (b) {
      b.setAttribute("aria-pressed", d && d.decision === b.getAttribute("data-d") ? "true" : "false");
    });
    li.querySelector(".dstate").textContent = d ? "✓ " + LABEL[d.decision] + (d.reason ? ": " + d.reason : "") : "";
  }
  function decide(li, decision, reason) {
    var id = li.getAttribute("data-f"), td = cellOf(li);
    if (decisions[id] && decisions[id].decision === decision && reason === undefined) { delete decisions[id]; }
    else {
      decisions[id] = { finding: id, lang: lang, framework: +li.getAttribute("data-fw"), key: li.getAttribute("data-key"),
        code: li.getAttribute("data-code"), decision: decision, reason: reason || "", original: td ? original(td) : null,
        origin: td ? td.getAttribute("data-origin") : null, skill: bar.getAttribute("data-skill"), lane: li.getAttribute("data-lane") };
    }
    save(decisions);
    show(li);
  }
  function askReason(li) {
    var box = li.querySelector(".reason-box");
    if (box) { box.querySelector("input").focus(); return; }
    box = document.createElement("span");
    box.className = "reason-box";
    var input = document.createElement("input");
    input.type = "text";
    input.placeholder = "why is this a false positive? (required)";
    input.setAttribute("aria-label", "reason for the false positive");
    var ok = document.createElement("button");
    ok.type = "button";
    ok.textContent = "save";
    var done = function () {
      var r = input.value.trim();
      if (!r) { input.setAttribute("aria-invalid", "true"); input.focus(); return; }
      decide(li, "false-positive", r);
      box.remove();
    };
    ok.addEventListener("click", done);
    input.addEventListener("keydown", function (e) { if (e.key === "Enter") { done(); e.preventDefault(); } if (e.key === "Escape") { box.remove(); } });
    box.appendChild(input);
    box.appendChild(ok);
    li.appendChild(box);
    input.focus();
  }
  table.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest(".decide button");
    if (b) {
      var li = b.closest("li.f");
      if (b.getAttribute("data-d") === "false-positive" && !(decisions[li.getAttribute("data-f")] || {}).reason) { askReason(li); }
      else { decide(li, b.getAttribute("data-d")); }
      return;
    }
    var ed = e.target.closest && e.target.closest("button.edit");
    if (ed) { edit(ed.closest("td.tgt")); }
  });
  // the decision buttons are made here (a page without script cannot keep decisions anyway)
  var CHOICES = [["fix", "fix"], ["false-positive", "false positive"], ["accepted", "accept as is"]];
  Array.prototype.forEach.call(document.querySelectorAll("li.f:not(.reviewed)"), function (li) {
    var group = document.createElement("span");
    group.className = "decide noprint";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "decision on " + li.getAttribute("data-code"));
    CHOICES.forEach(function (c) {
      var b = document.createElement("button");
      b.type = "button";
      b.setAttribute("data-d", c[0]);
      b.setAttribute("aria-pressed", "false");
      b.textContent = c[1];
      group.appendChild(b);
    });
    var st = document.createElement("span");
    st.className = "dstate";
    st.setAttribute("aria-live", "polite");
    li.appendChild(group);
    li.appendChild(st);
    show(li);
  });

  // --- corrections: the translation edited in place --------------------------------------------
  // a translation cell's own text: data-text where the cell shows more or other than the text
  // (a diff, a draft's label), else the text shown
  function original(td) {
    var t = td.getAttribute("data-text"), shown = td.querySelector(".t");
    return t !== null ? t : shown ? shown.textContent : "";
  }
  function editId(td) { return "edit:" + td.getAttribute("data-key"); }
  function showCorrection(td) {
    var d = decisions[editId(td)], old = td.querySelector(".correction");
    if (old) { old.remove(); }
    td.classList.toggle("corrected", !!d);
    if (d) {
      var span = document.createElement("span");
      span.className = "correction";
      span.textContent = d.corrected;
      td.insertBefore(span, td.querySelector("button.edit"));
    }
  }
  function edit(td) {
    if (td.querySelector("textarea")) { td.querySelector("textarea").focus(); return; }
    var d = decisions[editId(td)];
    var ta = document.createElement("textarea");
    ta.value = d ? d.corrected : original(td);
    ta.setAttribute("aria-label", "corrected translation");
    var save_ = document.createElement("button"), cancel = document.createElement("button");
    save_.type = cancel.type = "button";
    save_.textContent = "save correction";
    cancel.textContent = "cancel";
    save_.className = "save-edit";
    var box = document.createElement("div");
    box.setAttribute("lang", "en");
    box.setAttribute("dir", "ltr");
    box.appendChild(save_);
    box.appendChild(cancel);
    var close = function () { ta.remove(); box.remove(); };
    save_.addEventListener("click", function () {
      var text = ta.value.trim(), orig = original(td);
      if (!text || text === orig) { delete decisions[editId(td)]; }
      else {
        decisions[editId(td)] = { finding: null, lang: lang, framework: +td.getAttribute("data-fw"), key: td.getAttribute("data-key"),
          code: null, decision: "fix", reason: "", original: orig, corrected: text, origin: td.getAttribute("data-origin"),
          skill: bar.getAttribute("data-skill") };
      }
      save(decisions);
      close();
      showCorrection(td);
    });
    cancel.addEventListener("click", close);
    td.appendChild(ta);
    td.appendChild(box);
    ta.focus();
  }
  Array.prototype.forEach.call(document.querySelectorAll("td.tgt.ed"), function (td) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "edit noprint";
    b.lang = "en";
    b.dir = "ltr";
    b.textContent = "edit";
    td.insertBefore(b, td.querySelector("details.cands-box"));
  });
  Array.prototype.forEach.call(document.querySelectorAll("td.tgt"), showCorrection);

  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) { d.open = true; });
  });
  restore();
  apply();
  if (go === "first" || go === "last") { step(go === "first" ? 1 : -1); }
}());
