// logpulse dashboard: plain JS + SVG, no dependencies, no build step.
//
// Data: /v1/levels seeds the chart and /v1/stream keeps it current (one
// "window" event per changed base window); services, recent and top errors
// are refetched a second after stream activity and every 5 s; alerts come
// from /v1/alerts and the stream's "alerts" events.
//
// Every string from the API reaches the page through textContent or an
// attribute, never parsed as markup: log messages are untrusted input.
"use strict";
(() => {
  // Stacked bottom-up, most severe first, so rare errors sit on the axis.
  const LEVELS = ["FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE", "UNKNOWN"];
  const SIDE_EVERY = 5000, LEVELS_EVERY = 30000, SIDE_DEBOUNCE = 1000;
  // The services table shows the busiest few: the page asks for no more,
  // however many services the view holds.
  const SERVICES_SHOWN = 20;
  const $ = (id) => document.getElementById(id);
  const token = new URLSearchParams(location.hash.slice(1)).get("token") || "";

  const st = {
    service: new URLSearchParams(location.search).get("service") || "",
    rangeMin: 60,
    stepMs: 0, graceMs: 0,
    from: 0, to: 0,          // chart range, ms, [from, to)
    windows: new Map(),      // start ms -> {start, end, counts, total, late, final, streamAt}
    watermark: null,         // ms or null
    services: [],
    servicesTotal: 0,
    sort: { key: "total", desc: true },
    es: null, hellos: 0, streamEvents: 0, retryMs: 2000,
    sideTimer: 0, sideBusy: false, drawQueued: false,
    gen: 0,                  // bumped when the service or range changes: older answers are dropped
    recentSeen: new Set(),
  };

  // ---- DOM helpers ----
  function h(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    setAttrs(e, attrs);
    for (const k of kids) if (k != null) e.append(k instanceof Node ? k : String(k));
    return e;
  }
  function s(tag, attrs) {
    const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
    setAttrs(e, attrs);
    return e;
  }
  function setAttrs(e, attrs) {
    for (const [k, v] of Object.entries(attrs || {})) if (v != null) e.setAttribute(k, String(v));
  }
  const text = (v) => (v == null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v));
  const num = (v) => (typeof v === "number" && isFinite(v) ? v : 0);
  const pct = (r) => (r === 0 ? "0" : r >= 0.1 ? (100 * r).toFixed(0) : (100 * r).toFixed(r < 0.001 ? 2 : 1)) + "%";
  const fmtN = new Intl.NumberFormat();
  const fmtHM = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  const fmtHMS = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  const utc = (ms) => new Date(ms).toISOString().replace(".000Z", "Z");
  const parseTime = (v) => { const t = v ? Date.parse(v) : NaN; return isNaN(t) ? null : t; };
  function timeEl(ms, fmt) {
    if (ms == null) return h("time", {}, "–");
    return h("time", { datetime: utc(ms), title: utc(ms) + " UTC" }, (fmt || fmtHMS).format(ms));
  }

  // ---- API ----
  async function api(path, params) {
    const q = new URLSearchParams(params || {});
    const qs = q.toString();
    const r = await fetch("v1/" + path + (qs ? "?" + qs : ""), {
      headers: token ? { Authorization: "Bearer " + token } : {}, cache: "no-store",
    });
    if (!r.ok) {
      let msg = r.status + " " + r.statusText;
      try { const b = await r.json(); if (b && b.error) msg = r.status + ": " + b.error; } catch (_) { /* not JSON */ }
      if (r.status === 401 && !token) msg += " (open this page with #token=<API token>)";
      const err = new Error(msg); err.status = r.status; throw err;
    }
    return r.json();
  }
  const rangeParams = () => {
    const p = { from: "-" + st.rangeMin + "m" };
    if (st.service) p.service = st.service;
    return p;
  };
  function problem(err) {
    const p = $("problem");
    p.hidden = !err;
    p.textContent = err ? String(err.message || err) : "";
  }
  function touched() { $("updated").replaceChildren(timeEl(Date.now())); }

  // ---- chart data ----
  async function loadLevels() {
    const asked = performance.now(), gen = st.gen;
    const lv = await api("levels", rangeParams());
    if (gen !== st.gen) return;
    st.stepMs = 1000 * num(lv.step_seconds);
    st.from = parseTime(lv.from); st.to = parseTime(lv.to);
    setWatermark(parseTime(lv.watermark));
    setHeld(lv.watermark_by);
    const old = st.windows;
    st.windows = new Map();
    for (const w of lv.windows || []) {
      const start = parseTime(w.start), prev = old.get(start);
      // A stream event that came after this request was sent is newer.
      if (prev && prev.streamAt > asked) st.windows.set(start, prev);
      else st.windows.set(start, { start, end: parseTime(w.end), counts: w.counts || {}, total: num(w.total), late: num(w.late), final: !!w.final, streamAt: 0 });
    }
    draw();
  }

  function applyWindow(d) {
    if ((d.service || "") !== st.service || !st.stepMs) return;
    const start = parseTime(d.start), end = parseTime(d.end);
    if (start == null || end == null) return;
    if (end > st.to) { // time moved on: slide the range
      const by = Math.ceil((end - st.to) / st.stepMs) * st.stepMs;
      st.to += by; st.from += by;
      for (const k of st.windows.keys()) if (k < st.from) st.windows.delete(k);
    }
    if (start < st.from) return;
    st.windows.set(start, { start, end, counts: d.counts || {}, total: num(d.total), late: num(d.late), final: !!d.final, streamAt: performance.now() });
    queueDraw();
  }

  // setHeld says what the watermark waits for, from /v1/levels'
  // watermark_by: so that windows that stay open say why.
  function setHeld(by) {
    let text = "";
    if (by) {
      const list = (ps) => (ps || []).join(", ");
      if ((by.not_reported || []).length) text = "(waiting for input partitions " + list(by.not_reported) + " to report)";
      else if (by.partition == null) text = "(waiting for the aggregate: " + by.table_partitions + " table partitions report)";
      else text = "(held by input partition " + by.partition + ((by.idle || []).length ? "; idle: " + list(by.idle) : "") + ")";
    }
    $("held").textContent = text;
  }

  function setWatermark(ms) {
    st.watermark = ms;
    $("watermark").replaceChildren(timeEl(ms));
    if (ms != null && st.graceMs >= 0) for (const w of st.windows.values()) if (w.end + st.graceMs <= ms) w.final = true;
  }

  // ---- chart drawing ----
  function queueDraw() {
    if (st.drawQueued) return;
    st.drawQueued = true;
    requestAnimationFrame(() => { st.drawQueued = false; draw(); });
  }

  function series() {
    const out = [];
    if (!st.stepMs) return out;
    for (let t = st.from; t < st.to; t += st.stepMs) {
      out.push(st.windows.get(t) || { start: t, end: t + st.stepMs, counts: {}, total: 0, late: 0, final: false, empty: true });
    }
    return out;
  }

  // niceScale picks a round tick step (1, 2 or 5 × 10^k, at least minStep)
  // that covers max in at most five steps.
  function niceScale(max, minStep) {
    let p = Math.pow(10, Math.floor(Math.log10(Math.max(max, minStep) / 5)));
    for (;;) {
      for (const m of [1, 2, 5]) {
        const step = Math.max(minStep, m * p), n = Math.max(1, Math.ceil(max / step - 1e-9));
        if (n <= 5) return { top: n * step, step };
      }
      p *= 10;
    }
  }

  function frame(svg) {
    const W = Math.max(300, svg.clientWidth || 800), H = svg.clientHeight || 200;
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    svg.replaceChildren();
    return { W, H, L: 52, R: 8, T: 10, B: 20 };
  }

  // Ticks at round local times (every 1, 2, 5, 10, 15, 30 min...) far
  // enough apart for their labels.
  function xAxis(svg, f, wins, bw) {
    const labelW = st.stepMs < 60000 ? 90 : 64;
    const every = [10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400]
      .map((x) => x * 1000).find((x) => x % st.stepMs === 0 && (x / st.stepMs) * bw >= labelW) || st.stepMs * Math.ceil(labelW / bw);
    const fmt = every % 60000 ? fmtHMS : fmtHM;
    wins.forEach((w, i) => {
      const local = w.start - new Date(w.start).getTimezoneOffset() * 60000;
      if (local % every) return;
      const x = f.L + i * bw;
      svg.append(s("line", { class: "grid", x1: x, x2: x, y1: f.H - f.B, y2: f.H - f.B + 4 }));
      if (x < f.L + labelW / 2 - 8 || x > f.W - f.R - labelW / 2) return;
      const t = s("text", { x, y: f.H - 5, "text-anchor": "middle" });
      t.textContent = fmt.format(w.start);
      svg.append(t);
    });
  }

  function yAxis(svg, f, sc, label) {
    for (let i = 0, n = Math.round(sc.top / sc.step); i <= n; i++) {
      const v = i * sc.step;
      const y = f.H - f.B - (v / sc.top) * (f.H - f.T - f.B);
      svg.append(s("line", { class: "grid", x1: f.L, x2: f.W - f.R, y1: y, y2: y }));
      const t = s("text", { x: f.L - 6, y: y + 4, "text-anchor": "end" });
      t.textContent = label(v);
      svg.append(t);
    }
  }

  function tip(w) {
    const lines = [fmtHM.format(w.start) + "–" + fmtHM.format(w.end) + " local (" + utc(w.start) + " – " + utc(w.end) + ")"];
    for (const l of LEVELS) if (w.counts[l]) lines.push(l + ": " + fmtN.format(w.counts[l]));
    lines.push("total " + fmtN.format(w.total) + (w.late ? " · late " + fmtN.format(w.late) : "") + (w.final ? " · final" : " · still open"));
    return lines.join("\n");
  }

  function draw() {
    const wins = series();
    drawLevels(wins);
    drawRatio(wins);
    const scope = (st.service ? "service " + st.service : "all services") + ", last " + st.rangeMin + " min" +
      (st.stepMs ? ", " + st.stepMs / 1000 + " s windows" : "");
    $("chart-scope").textContent = "(" + scope + ")";
  }

  function drawLevels(wins) {
    const svg = $("chart"), f = frame(svg);
    const sc = niceScale(Math.max(0, ...wins.map((w) => w.total)), 1), max = sc.top;
    yAxis(svg, f, sc, (v) => fmtN.format(v));
    if (!wins.length) return;
    const bw = (f.W - f.L - f.R) / wins.length, ph = f.H - f.T - f.B;
    const totals = {};
    let total = 0;
    wins.forEach((w, i) => {
      let y = f.H - f.B;
      const x = f.L + i * bw + (bw > 4 ? 1 : 0), width = Math.max(1, bw - (bw > 4 ? 2 : 0));
      for (const l of LEVELS) {
        const n = num(w.counts[l]);
        if (!n) continue;
        totals[l] = (totals[l] || 0) + n; total += n;
        const bh = Math.min(y - f.T, Math.max(1, (ph * n) / max));
        y -= bh;
        svg.append(s("rect", { class: "bar lv-" + l + (w.final ? "" : " open"), x, y, width, height: bh,
          "data-level": l, "data-count": n, "data-start": utc(w.start) }));
      }
    });
    // Transparent columns on top carry the tooltips, so a thin bar is easy to hover.
    wins.forEach((w, i) => {
      const r = s("rect", { class: "hit", x: f.L + i * bw, y: f.T, width: bw, height: ph, "data-start": utc(w.start) });
      r.append(s("title", {}));
      r.firstChild.textContent = tip(w);
      svg.append(r);
    });
    if (st.watermark != null && st.watermark >= st.from && st.watermark <= st.to) {
      const x = f.L + ((st.watermark - st.from) / st.stepMs) * bw;
      const line = s("line", { class: "wm", x1: x, x2: x, y1: f.T, y2: f.H - f.B });
      line.append(s("title", {}));
      line.firstChild.textContent = "watermark " + utc(st.watermark) + ": windows ending more than the grace before it are final";
      svg.append(line);
    }
    xAxis(svg, f, wins, bw);
    if (!total) {
      const t = s("text", { x: f.L + 10, y: f.T + 20 });
      t.textContent = "no events in this range yet";
      svg.append(t);
    }
    const parts = LEVELS.filter((l) => totals[l]).map((l) => l + " " + totals[l]);
    svg.setAttribute("aria-label", "Stacked events per level per window: " + total + " events" + (parts.length ? " (" + parts.join(", ") + ")" : "") + " over the last " + st.rangeMin + " minutes");
    svg.dataset.total = total;
  }

  function drawRatio(wins) {
    const svg = $("ratio"), f = frame(svg);
    f.T = 6;
    const ratios = wins.map((w) => (w.total ? (num(w.counts.ERROR) + num(w.counts.FATAL)) / w.total : null));
    const sc = niceScale(Math.max(0.01, ...ratios.filter((r) => r != null)), 0.001), top = sc.top;
    yAxis(svg, f, sc, (v) => (100 * v).toFixed(sc.step >= 0.01 ? 0 : sc.step >= 0.001 ? 1 : 2) + "%");
    if (!wins.length) return;
    const bw = (f.W - f.L - f.R) / wins.length, ph = f.H - f.T - f.B;
    let d = "", area = "", segStart = null, lastX = 0;
    const base = f.H - f.B;
    const closeSeg = () => { if (segStart != null) area += "L" + lastX + "," + base + "L" + segStart + "," + base + "Z"; segStart = null; };
    ratios.forEach((r, i) => {
      const x = +(f.L + (i + 0.5) * bw).toFixed(1);
      if (r == null) { closeSeg(); return; }
      const y = +(base - (ph * r) / top).toFixed(1);
      if (segStart == null) { d += "M" + x + "," + y; area += "M" + x + "," + base + "L" + x + "," + y; segStart = x; } else { d += "L" + x + "," + y; area += "L" + x + "," + y; }
      lastX = x;
      const hit = s("rect", { class: "hit", x: f.L + i * bw, y: f.T, width: bw, height: ph, "data-ratio": r.toFixed(4) });
      hit.append(s("title", {}));
      hit.firstChild.textContent = fmtHM.format(wins[i].start) + " (" + utc(wins[i].start) + "): " + pct(r) + " errors of " + fmtN.format(wins[i].total);
      svg.append(hit);
    });
    closeSeg();
    svg.prepend(s("path", { class: "ratio-area", d: area }), s("path", { class: "ratio-line", d }));
    const known = ratios.filter((r) => r != null);
    svg.setAttribute("aria-label", known.length ? "Error ratio per window, latest " + pct(known[known.length - 1]) + ", highest " + pct(Math.max(...known)) : "no events yet");
  }

  // ---- side panels ----
  function scheduleSide(delay) {
    if (st.sideTimer) return;
    st.sideTimer = setTimeout(() => { st.sideTimer = 0; refreshSide(); }, delay);
  }

  async function refreshSide() {
    if (st.sideBusy) return;
    st.sideBusy = true;
    const gen = st.gen;
    try {
      const p = rangeParams();
      const [sv, ev, top] = await Promise.all([
        api("services", { from: p.from, limit: SERVICES_SHOWN }),
        api("events", Object.assign({ level: "ERROR", limit: 20 }, p)),
        api("top", Object.assign({ level: "ERROR", k: 10 }, p)),
      ]);
      if (gen !== st.gen) { scheduleSide(0); return; }
      st.services = sv.services || [];
      st.servicesTotal = num(sv.total_services);
      drawServices(); drawRecent(ev.events || []); drawTop(top);
      touched(); problem(null);
    } catch (err) {
      problem(err);
    } finally {
      st.sideBusy = false;
    }
  }

  function drawServices() {
    const k = st.sort.key;
    const val = (x) => (k === "name" ? x.name : k === "total" ? num(x.total) : k === "error_ratio" ? num(x.error_ratio) : num((x.counts || {})[k]));
    const rows = st.services.slice().sort((a, b) => {
      const va = val(a), vb = val(b);
      const c = typeof va === "string" ? va.localeCompare(vb) : va - vb;
      return (st.sort.desc ? -c : c) || String(a.name).localeCompare(String(b.name));
    });
    const focused = document.activeElement && document.activeElement.closest && document.activeElement.closest("tr[data-service]");
    const refocus = focused ? focused.dataset.service : null;
    $("services").tBodies[0].replaceChildren(...rows.map((x) => {
      const c = x.counts || {}, ratio = num(x.error_ratio);
      const tr = h("tr", { tabindex: 0, "data-service": text(x.name), "aria-current": x.name === st.service ? "true" : null,
        title: "show only " + text(x.name) + " (click again for all)" },
      h("td", {}, text(x.name)), h("td", {}, fmtN.format(num(x.total))), h("td", {}, fmtN.format(num(c.ERROR))),
      h("td", {}, fmtN.format(num(c.WARN))), h("td", { class: ratio >= 0.05 ? "bad" : null }, pct(ratio)));
      return tr;
    }));
    if (refocus != null) for (const tr of $("services").tBodies[0].rows) if (tr.dataset.service === refocus) tr.focus();
    if (!rows.length) $("services").tBodies[0].append(h("tr", {}, h("td", { colspan: 5, class: "empty" }, "no events in this range")));
    for (const b of document.querySelectorAll("#services th button")) {
      if (b.dataset.sort === k) b.setAttribute("aria-sort", st.sort.desc ? "descending" : "ascending"); else b.removeAttribute("aria-sort");
    }
    $("services-note").textContent = st.servicesTotal > rows.length
      ? "busiest " + rows.length + " of " + fmtN.format(st.servicesTotal) + " · click a row to filter" : "click a row to filter";
    // The selector lists the services shown, plus the chosen one.
    // Rebuilt only when the list changes, so an open dropdown stays open.
    const sel = $("service"), names = st.services.map((x) => text(x.name)).sort();
    if (st.service && !names.includes(st.service)) names.unshift(st.service);
    if (sel.dataset.names !== names.join("\n")) {
      sel.replaceChildren(h("option", { value: "" }, "all services"), ...names.map((n) => h("option", { value: n }, n)));
      sel.dataset.names = names.join("\n");
    }
    sel.value = st.service;
  }

  function drawRecent(events) {
    const seen = new Set();
    const items = events.map((e) => {
      const key = [e.time, e.service, e.host, e.message].join("\u0000");
      seen.add(key);
      const t = parseTime(e.time);
      const li = h("li", { class: st.recentSeen.size && !st.recentSeen.has(key) ? "fresh" : null, "data-service": text(e.service) },
        h("div", { class: "meta" }, timeEl(t), h("span", {}, text(e.service)), e.host ? h("span", {}, text(e.host)) : null),
        h("div", { class: "msg" }, text(e.message)));
      return li;
    });
    st.recentSeen = seen;
    $("recent-errors").replaceChildren(...(items.length ? items : [h("li", { class: "empty" }, "no ERROR events in this range")]));
  }

  function drawTop(top) {
    const msgs = top.messages || [];
    const note = top.exact === false && num(top.other) > 0
      ? "(" + fmtN.format(num(top.total)) + " errors; " + fmtN.format(num(top.other)) + " without a kept template, so counts may be that much low)"
      : "(" + fmtN.format(num(top.total)) + " errors)";
    $("top-note").textContent = note;
    $("top-errors").replaceChildren(...(msgs.length ? msgs.map((m) => {
      const bar = h("span", { class: "share", "aria-hidden": "true" });
      bar.style.width = Math.min(100, 100 * num(m.share)).toFixed(1) + "%";
      return h("li", { "data-count": num(m.count) },
        h("div", { class: "msg" }, text(m.template)),
        h("div", { class: "meta" }, h("span", {}, fmtN.format(num(m.count)) + "×"), h("span", {}, pct(num(m.share)) + " of errors")),
        bar);
    }) : [h("li", { class: "empty" }, "no ERROR messages in this range")]));
  }

  // ---- alerts ----
  async function loadAlerts() {
    try {
      drawAlerts(await api("alerts"));
    } catch (err) {
      if (err.status === 503) {
        const el = $("alerts");
        el.dataset.state = "off";
        el.replaceChildren("alerts off (no alert rules configured)");
        return;
      }
      problem(err);
    }
  }

  function drawAlerts(body) {
    const list = (v) => (Array.isArray(v) ? v.filter((a) => a && typeof a === "object") : []);
    const active = list(body && body.active), recent = list(body && body.recent);
    const el = $("alerts");
    el.dataset.state = active.length ? "firing" : recent.length ? "ok" : "none";
    document.title = (active.length ? "(" + active.length + " firing) " : "") + "logpulse";
    const show = active.concat(recent.filter((r) => !active.some((a) => a && r && a.id != null && a.id === r.id)).slice(0, 10));
    if (!show.length) { el.replaceChildren("no alerts"); return; }
    el.replaceChildren(...show.map((a) => alertEl(a, active.includes(a))));
  }

  function alertEl(a, isActive) {
    const state = text(a.state || (isActive ? "firing" : "resolved")).toLowerCase();
    const fired = parseTime(a.fired_at), resolved = parseTime(a.resolved_at);
    const ws = parseTime(a.window_start), we = parseTime(a.window_end);
    const name = text(a.rule || a.name || a.id || "alert");
    const val = a.value != null ? "value " + text(typeof a.value === "number" ? +a.value.toPrecision(4) : a.value) +
      (a.threshold != null ? " vs threshold " + text(a.threshold) : "") : null;
    return h("div", { class: "alert " + (state === "firing" ? "firing" : state === "resolved" ? "resolved" : ""), "data-state": state, "data-id": text(a.id) },
      h("span", { class: "state" }, state),
      h("strong", {}, name),
      a.service ? h("span", {}, "service " + text(a.service)) : null,
      a.condition ? h("span", {}, text(a.condition)) : null,
      val ? h("span", {}, val) : null,
      fired != null ? h("span", { class: "when" }, "fired ", timeEl(fired)) : null,
      resolved != null ? h("span", { class: "when" }, "resolved ", timeEl(resolved)) : null,
      ws != null && we != null ? h("span", { class: "when" }, "window ", timeEl(ws, fmtHM), "–", timeEl(we, fmtHM)) : null);
  }

  // ---- live stream ----
  function setConn(state, label) {
    const c = $("conn");
    c.dataset.state = state;
    c.textContent = label || state;
  }

  function connect() {
    if (st.es) st.es.close();
    const q = new URLSearchParams();
    if (st.service) q.set("service", st.service);
    if (token) q.set("access_token", token);
    const qs = q.toString();
    const es = new EventSource("v1/stream" + (qs ? "?" + qs : ""));
    st.es = es;
    const on = (name, fn) => es.addEventListener(name, (e) => {
      if (es !== st.es) return;
      let d = {};
      try { d = JSON.parse(e.data || "{}"); } catch (_) { return; }
      st.streamEvents++;
      $("status").dataset.streamEvents = st.streamEvents;
      fn(d);
    });
    on("hello", (d) => {
      setConn("connected", "live");
      st.retryMs = 2000; st.hellos++;
      st.graceMs = 1000 * num(d.grace_seconds);
      // Changes before this connection are not replayed: reload.
      loadAll();
    });
    on("window", (d) => { applyWindow(d); touched(); scheduleSide(SIDE_DEBOUNCE); });
    on("watermark", (d) => { setWatermark(parseTime(d.watermark)); queueDraw(); });
    on("alerts", (d) => drawAlerts(d));
    on("reset", () => loadAll());
    es.onerror = () => {
      if (es !== st.es) return;
      if (es.readyState === EventSource.CLOSED) {
        // The server refused the stream (401, 503 too many streams):
        // EventSource gives up, so retry with backoff.
        setConn("offline", "offline, retrying");
        setTimeout(() => { if (es === st.es) connect(); }, st.retryMs);
        st.retryMs = Math.min(30000, st.retryMs * 2);
      } else {
        setConn("reconnecting", "reconnecting…");
      }
    };
  }

  async function loadAll() {
    try {
      await Promise.all([loadLevels(), refreshSide(), loadAlerts()]);
      touched();
    } catch (err) {
      problem(err);
    }
  }

  // ---- controls ----
  function setService(name) {
    if (name === st.service) return;
    st.service = name;
    const u = new URL(location.href);
    if (name) u.searchParams.set("service", name); else u.searchParams.delete("service");
    history.replaceState(null, "", u);
    st.gen++; st.windows = new Map(); st.recentSeen = new Set();
    drawServices(); draw();
    connect();
    loadAll();
  }

  function init() {
    const legend = $("legend");
    legend.replaceChildren(...LEVELS.map((l) => h("li", {}, h("i", { class: "lv-" + l, "aria-hidden": "true" }), l)),
      h("li", { class: "muted" }, "lighter: window still open"));
    $("service").addEventListener("change", (e) => setService(e.target.value));
    $("range").addEventListener("change", (e) => { st.rangeMin = +e.target.value; st.gen++; loadAll(); });
    $("controls").addEventListener("submit", (e) => e.preventDefault());
    const tbody = $("services").tBodies[0];
    const pick = (e) => {
      const tr = e.target.closest("tr[data-service]");
      if (tr) setService(tr.dataset.service === st.service ? "" : tr.dataset.service);
    };
    tbody.addEventListener("click", pick);
    tbody.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); pick(e); } });
    for (const b of document.querySelectorAll("#services th button")) {
      b.addEventListener("click", () => {
        const k = b.dataset.sort;
        st.sort = { key: k, desc: st.sort.key === k ? !st.sort.desc : k !== "name" };
        drawServices();
      });
    }
    document.addEventListener("securitypolicyviolation", (e) => problem("blocked by the page's security policy: " + e.blockedURI));
    new ResizeObserver(() => queueDraw()).observe($("chart"));
    setInterval(() => scheduleSide(0), SIDE_EVERY);
    // A periodic full reload slides an idle chart along and repairs
    // anything a dropped stream missed; faster while the stream is down.
    setInterval(() => {
      if (st.es && st.es.readyState !== EventSource.OPEN) Promise.all([loadLevels(), loadAlerts()]).catch(problem);
    }, SIDE_EVERY);
    setInterval(() => loadLevels().catch(problem), LEVELS_EVERY);
    connect();
    loadAll();
  }

  init();
})();
