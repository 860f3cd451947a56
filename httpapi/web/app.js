// The streamsgd dashboard: polls the JSON API of the same server and draws
// with SVG. Every string from the server (model names, keys, topics,
// reasons) goes into the page through textContent or setAttribute, never
// as HTML.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const COLORS = { accuracy: "#2563eb", auc: "#16a34a", logloss: "#dc2626", rmse: "#dc2626", mae: "#9333ea", r2: "#16a34a" };
const state = { curves: {}, since: {}, cards: {}, groupsPrev: null, spark: {}, versionsAt: 0 };

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = String(text);
  return e;
}

function rate(n) { return n === null ? "–" : Math.round(n).toLocaleString("en-US"); }

function fmt(n) {
  if (n === null || n === undefined) return "–";
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString("en-US");
  if (Number.isInteger(n)) return String(n);
  return n.toFixed(4);
}

async function api(path, opts) {
  const r = await fetch(path, Object.assign({ cache: "no-store" }, opts));
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}

function setStatus(msg, bad) {
  const s = document.getElementById("status");
  s.textContent = msg;
  s.className = bad ? "error" : "muted";
}

// ---- models and learning curves

function modelCard(m) {
  let c = state.cards[m.name];
  if (c) return c;
  const root = el("div", { class: "card", "data-model": m.name });
  const title = el("h3", {}, m.name);
  const facts = el("div", { class: "facts" },
    `${m.task} · ${m.learner} · ${m.optimizer}` + (m.per_entity ? " · per entity (aggregated)" : "") + (m.shards > 1 ? ` · ${m.shards} shards` : ""));
  const metrics = el("div", { class: "metrics" });
  const chart = svg("svg", { class: "chart", viewBox: "0 0 420 180", preserveAspectRatio: "none", "data-points": 0 });
  const legend = el("div", { class: "legend" });
  const versions = el("table", { class: "versions" });
  root.append(title, facts, metrics, chart, legend, versions);
  document.getElementById("models").append(root);
  c = { root, metrics, chart, legend, versions, model: m };
  state.cards[m.name] = c;
  return c;
}

function drawMetrics(c, m) {
  c.metrics.replaceChildren(el("span", {}, "rows ", el("b", {}, fmt(m.rows))));
  for (const [k, v] of Object.entries(m.metrics).sort()) c.metrics.append(el("span", {}, `${k} `, el("b", {}, fmt(v))));
  if (m.last_version) c.metrics.append(el("span", {}, "version ", el("b", {}, fmt(m.last_version))));
  if (m.pinned_version) c.metrics.append(el("span", {}, "pinned ", el("b", { "data-pinned": m.pinned_version }, fmt(m.pinned_version))));
}

function drawChart(c, points) {
  const byRows = document.getElementById("xaxis").value === "rows";
  const W = 420, H = 180, L = 34, B = 16, T = 6, R = 6;
  const chart = c.chart;
  chart.replaceChildren();
  chart.setAttribute("data-points", points.length);
  chart.append(svg("line", { class: "axis", x1: L, y1: H - B, x2: W - R, y2: H - B }), svg("line", { class: "axis", x1: L, y1: T, x2: L, y2: H - B }));
  if (points.length === 0) {
    chart.append(svg("text", { x: L + 8, y: H / 2 }, "waiting for metric snapshots…"));
    return;
  }
  const xs = points.map(p => byRows ? p.rows : Date.parse(p.time));
  const names = [...new Set(points.flatMap(p => Object.keys(p.values)))].sort();
  let ymin = Infinity, ymax = -Infinity;
  for (const p of points) for (const n of names) {
    const v = p.values[n];
    if (typeof v === "number") { ymin = Math.min(ymin, v); ymax = Math.max(ymax, v); }
  }
  if (ymin === ymax) { ymin -= 0.5; ymax += 0.5; }
  const x0 = Math.min(...xs), x1 = Math.max(...xs) === x0 ? x0 + 1 : Math.max(...xs);
  const sx = x => L + (x - x0) / (x1 - x0) * (W - L - R);
  const sy = y => H - B - (y - ymin) / (ymax - ymin) * (H - B - T);
  chart.append(svg("text", { x: 2, y: T + 8 }, ymax.toFixed(3)), svg("text", { x: 2, y: H - B }, ymin.toFixed(3)));
  chart.append(svg("text", { x: L, y: H - 3 }, byRows ? fmt(x0) : new Date(x0).toLocaleTimeString()));
  chart.append(svg("text", { x: W - R, y: H - 3, "text-anchor": "end" }, byRows ? fmt(x1) + " rows" : new Date(x1).toLocaleTimeString()));
  c.legend.replaceChildren();
  for (const n of names) {
    let d = "";
    points.forEach((p, i) => {
      const v = p.values[n];
      if (typeof v === "number") d += (d ? "L" : "M") + sx(xs[i]).toFixed(1) + " " + sy(v).toFixed(1);
    });
    const color = COLORS[n] || "#555";
    chart.append(svg("path", { d, stroke: color, "data-metric": n }));
    const item = el("span", {}, n);
    item.style.setProperty("--c", color);
    c.legend.append(item);
  }
}

async function pollCurve(name) {
  const since = state.since[name];
  const q = "/api/curve?model=" + encodeURIComponent(name) + (since ? "&since=" + encodeURIComponent(since) : "");
  const body = await api(q);
  const pts = state.curves[name] || (state.curves[name] = []);
  for (const p of body.points) pts.push(p);
  if (pts.length > 2000) pts.splice(0, pts.length - 2000);
  if (pts.length) state.since[name] = pts[pts.length - 1].time;
  drawChart(state.cards[name], pts);
}

function token() { return document.getElementById("token").value.trim(); }

async function pin(key, version, op) {
  setStatus(`${op} ${key} version ${version}…`);
  try {
    const body = await api(`/api/${op}?key=${encodeURIComponent(key)}&version=${version}`,
      { method: "POST", headers: { Authorization: "Bearer " + token() } });
    setStatus(`${key}: ${body.message}`);
    state.versionsAt = 0;
  } catch (e) {
    setStatus(`${op} ${key} version ${version}: ${e.message}`, true);
  }
}

async function drawVersions(c, m) {
  if (m.per_entity) {
    c.versions.replaceChildren(el("caption", { class: "muted" }, "versions are per entity: see /api/versions?key=" + m.name + "/<entity>"));
    return;
  }
  const body = await api("/api/versions?key=" + encodeURIComponent(m.name));
  const head = el("tr", {}, el("th", {}, "version"), el("th", {}, "rows"), el("th", {}, "metrics"), el("th", {}, ""));
  const rows = [head];
  for (const v of body.versions.slice().reverse()) {
    const ms = Object.entries(v.metrics).map(([k, x]) => `${k} ${fmt(x)}`).join(", ");
    const btn = el("button", { class: v.pinned ? "unpin" : "pin", "data-version": v.id }, v.pinned ? "unpin" : "pin");
    btn.addEventListener("click", () => pin(m.name, v.id, v.pinned ? "unpin" : "pin"));
    const tr = el("tr", v.pinned ? { class: "pinned" } : {}, el("td", {}, String(v.id) + (v.pinned ? " 📌" : "")), el("td", {}, fmt(v.rows)), el("td", {}, ms), el("td", {}, btn));
    rows.push(tr);
  }
  if (body.versions.length === 0) rows.push(el("tr", {}, el("td", { colspan: 4, class: "muted" }, "no versions yet")));
  c.versions.replaceChildren(...rows);
}

async function pollModels() {
  const body = await api("/api/models");
  const versionsDue = Date.now() - state.versionsAt > 3000;
  for (const m of body.models) {
    const c = modelCard(m);
    drawMetrics(c, m);
    await pollCurve(m.name);
    if (versionsDue) await drawVersions(c, m);
  }
  if (versionsDue) state.versionsAt = Date.now();
}

// ---- groups

function spark(values) {
  const s = svg("svg", { class: "spark", viewBox: "0 0 160 24", preserveAspectRatio: "none" });
  const max = Math.max(1, ...values);
  let d = "";
  values.forEach((v, i) => { d += (i ? "L" : "M") + (i * 160 / 59).toFixed(1) + " " + (23 - v / max * 22).toFixed(1); });
  if (d) s.append(svg("path", { d }));
  return s;
}

async function pollGroups() {
  const body = await api("/api/groups");
  const now = Date.parse(body.time);
  const prev = state.groupsPrev;
  const tbody = document.querySelector("#groups tbody");
  const rows = [];
  for (const g of body.groups) {
    let rin = null, rout = null;
    const p = prev && prev.groups[g.name];
    if (p && now > prev.time) {
      rin = (g.rows_in - p.rows_in) / ((now - prev.time) / 1000);
      rout = (g.rows_out - p.rows_out) / ((now - prev.time) / 1000);
    }
    const hist = state.spark[g.name] || (state.spark[g.name] = []);
    if (rin !== null) { hist.push(rin); if (hist.length > 60) hist.shift(); }
    const kinds = Object.entries(g.dead_letters_by_kind).map(([k, n]) => `${k} ${n}`).join(", ");
    // The checkpoint and merge groups read model states and count no rows.
    const states = g.reads === "model states";
    const rowCell = v => states ? el("td", { title: "reads model states: no rows to count" }, "–") : el("td", {}, v);
    rows.push(el("tr", { "data-group": g.name },
      el("td", {}, g.name), el("td", {}, g.ready ? "yes" : (g.running ? "recovering" : "not here")),
      rowCell(rate(rin)), rowCell(rate(rout)), rowCell(fmt(g.rows_in)),
      el("td", {}, fmt(g.lag)), el("td", { title: kinds }, fmt(g.dead_letters)), el("td", {}, fmt(g.rebalances)),
      states ? el("td", {}) : el("td", {}, spark(hist))));
  }
  tbody.replaceChildren(...rows);
  state.groupsPrev = { time: now, groups: Object.fromEntries(body.groups.map(g => [g.name, g])) };
  const lagError = body.groups.map(g => g.lag_error).find(e => e);
  if (lagError) setStatus("lag not measured now: " + lagError, true);
  const all = body.groups.every(g => g.ready);
  const badge = document.getElementById("ready");
  badge.textContent = all ? "ready" : "recovering";
  badge.className = "badge " + (all ? "ok" : "bad");
}

// ---- the DAG: groups, topics and tables in layers by data flow

function drawDAG(p) {
  const nodes = new Map(), edges = [];
  const node = (id, kind) => { if (!nodes.has(id)) nodes.set(id, { id, kind, layer: 0 }); return nodes.get(id); };
  for (const g of p.groups) {
    node("g:" + g.name, "group");
    for (const t of g.inputs) { node("t:" + t, p.tables[t] ? "table" : "topic"); edges.push(["t:" + t, "g:" + g.name, "in"]); }
    if (g.table) { node("t:" + g.table, "table"); edges.push(["g:" + g.name, "t:" + g.table, "out"]); }
    for (const t of g.outputs) { node("t:" + t, "topic"); edges.push(["g:" + g.name, "t:" + t, "out"]); }
    for (const t of g.lookups) { node("t:" + t, "table"); edges.push(["t:" + t, "g:" + g.name, "lookup"]); }
  }
  for (const w of p.writers) {
    const from = w.group ? "g:" + w.group : "w:" + w.name;
    node(from, w.group ? "group" : "writer");
    node("t:" + w.topic, p.tables[w.topic] ? "table" : "topic");
    edges.push([from, "t:" + w.topic, "writer"]);
  }
  // Longest path over the data-flow edges (lookups and side channels
  // excluded, as they close loops), bounded by the node count.
  for (let i = 0; i < nodes.size; i++) {
    let moved = false;
    for (const [a, b, kind] of edges) {
      if (kind !== "in" && kind !== "out") continue;
      const na = nodes.get(a), nb = nodes.get(b);
      if (nb.layer < na.layer + 1 && na.layer + 1 < nodes.size) { nb.layer = na.layer + 1; moved = true; }
    }
    if (!moved) break;
  }
  const layers = [];
  for (const n of nodes.values()) (layers[n.layer] || (layers[n.layer] = [])).push(n);
  const NW = 150, NH = 24, GX = 40, GY = 12;
  let height = 0;
  layers.forEach((ns, li) => ns.forEach((n, i) => { n.x = 10 + li * (NW + GX); n.y = 10 + i * (NH + GY); height = Math.max(height, n.y + NH + 10); }));
  const width = 10 + layers.length * (NW + GX);
  const s = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}` });
  for (const [a, b, kind] of edges) {
    const na = nodes.get(a), nb = nodes.get(b);
    const x1 = na.x + NW, y1 = na.y + NH / 2, x2 = nb.x, y2 = nb.y + NH / 2;
    const mx = (x1 + x2) / 2;
    s.append(svg("path", { d: `M${x1} ${y1} C${mx} ${y1} ${mx} ${y2} ${x2} ${y2}`, class: kind }));
  }
  for (const n of nodes.values()) {
    const g = svg("g", { class: n.kind === "writer" ? "topic" : n.kind, transform: `translate(${n.x},${n.y})` });
    g.append(svg("rect", { width: NW, height: NH, rx: n.kind === "group" ? 3 : 10 }));
    const label = n.id.slice(2);
    g.append(svg("text", { x: 6, y: 16 }, label.length > 24 ? label.slice(0, 23) + "…" : label));
    g.append(svg("title", {}, `${n.kind}: ${label}`));
    s.append(g);
  }
  document.getElementById("dag").replaceChildren(s);
}

// ---- main loop

async function tick() {
  try {
    await pollGroups();
    await pollModels();
  } catch (e) {
    setStatus("server: " + e.message, true);
  }
}

async function main() {
  const saved = sessionStorage.getItem("streamsgd-token");
  const tok = document.getElementById("token");
  if (saved) tok.value = saved;
  tok.addEventListener("change", () => sessionStorage.setItem("streamsgd-token", tok.value));
  document.getElementById("xaxis").addEventListener("change", () => {
    for (const [name, pts] of Object.entries(state.curves)) drawChart(state.cards[name], pts);
  });
  try {
    const t = await api("/api/topology");
    document.getElementById("pipeline").textContent = t.pipeline.name;
    document.getElementById("version").textContent = t.version;
    document.title = "streamsgd · " + t.pipeline.name;
    drawDAG(t.pipeline);
  } catch (e) {
    setStatus("topology: " + e.message, true);
  }
  await tick();
  setInterval(tick, 1000);
}

main();
