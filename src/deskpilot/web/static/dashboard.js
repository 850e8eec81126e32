// Analytics for supervisors: headline, charts and tables for a period and slice, refreshed live.
let token = sessionStorage.getItem("agentToken");
const $ = (id) => document.getElementById(id);
const REFRESH_MS = 15000;
const PRESETS = {"1h": 3600e3, "24h": 86400e3, "7d": 7 * 86400e3, "30d": 30 * 86400e3};
const SLICES = ["language", "market", "intent", "channel"];
const known = Object.fromEntries(SLICES.map((s) => [s, new Set()]));
let preset = "24h";  // while a preset is chosen the period follows the clock
let shown = null;    // what the charts and tables currently show, to skip identical reloads
let busy = false;
let again = false;  // a filter changed while a refresh was running
let timer = null;

class SignedOut extends Error {}

// --- talking to the API ---------------------------------------------------------------

function period() {
  if (preset) { const end = new Date(); return {start: new Date(end - PRESETS[preset]), end}; }
  return {start: new Date($("from").value), end: new Date($("to").value)};
}

function query() {
  const {start, end} = period();
  if (isNaN(start) || isNaN(end)) throw new Error("Choose a start and an end");
  if (start >= end) throw new Error("The start must be before the end");
  const q = new URLSearchParams({start: start.toISOString(), end: end.toISOString()});
  for (const s of SLICES) if ($(s).value) q.set(s, $(s).value);
  return q.toString();
}

async function get(path) {
  const res = await fetch(path, {headers: {"Authorization": "Bearer " + token}});
  if (res.status === 401 || res.status === 403) {
    const data = await res.json().catch(() => ({}));
    throw new SignedOut(data.message || "Sign in as a supervisor");
  }
  if (!res.ok) {
    const data = await res.json().catch(() => ({}));
    throw new Error(data.message || `${path}: ${res.status}`);
  }
  return res;
}

// A few requests at a time: every chart and table recomputes the dashboard on the server.
async function inBatches(items, size, work) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

// --- formatting -------------------------------------------------------------------------

const pct = (x, digits = 1) => (x === null || x === undefined) ? "n/a" : `${(x * 100).toFixed(digits)} %`;
const num = (x, digits = 0) => (x === null || x === undefined) ? "n/a" : x.toLocaleString("en", {maximumFractionDigits: digits, minimumFractionDigits: digits});
const interval = (r) => r.rate === null ? "none ended" : `${(r.low * 100).toFixed(0)}–${pct(r.high, 0)} · ${num(r.count)} of ${num(r.total)}`;

function duration(s) {
  if (s === null || s === undefined) return "n/a";
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

function csat(c) {
  if (c.mean === null) return ["n/a", "no ratings"];
  const ci = c.low === null ? "" : ` (${c.low.toFixed(2)}–${c.high.toFixed(2)})`;
  return [c.mean.toFixed(2), `of 5${ci} · ${num(c.n)} ratings`];
}

function localInput(d) { return new Date(d - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16); }

function el(tag, cls, text) { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }

// --- rendering --------------------------------------------------------------------------

function set(id, big, small) { $(id).textContent = big; if (small !== undefined) $(id + "-detail").textContent = small; }

function showTiles(d) {
  const w = d.workload;
  set("conversations", num(d.conversations), `${num(d.ended)} ended · ${num(d.open)} open`);
  set("automation-rate", pct(d.automation.rate), interval(d.automation));
  set("csat-assistant", ...csat(d.assistant.csat));
  set("csat-human", ...csat(d.human.csat));
  set("repeat-assistant", pct(d.assistant.repeat_contacts.rate), interval(d.assistant.repeat_contacts));
  set("repeat-human", pct(d.human.repeat_contacts.rate), interval(d.human.repeat_contacts));
  $("resolution").textContent = `${duration(d.assistant.resolution_seconds.median)} / ${duration(d.human.resolution_seconds.median)}`;
  set("fte", w.fte === null ? "n/a" : num(w.fte, w.fte < 1 ? 2 : 1), w.hours_saved === null ? "no measured handling time yet" : `${num(w.hours_saved, 1)} agent hours saved`);
  set("saved", `${num(w.saved)} ${w.currency}`, `budget ${num(w.budget)} · actual ${num(w.actual)}`);
  for (const side of ["assistant", "human"]) {
    const q = d[side].quality;
    const score = q.severity_score === null ? "n/a" : q.severity_score.toFixed(2);
    set(`errors-${side}`, pct(q.error_rate.rate), `severity ${score} of 3 · ${num(q.reviewed)} reviewed`);
  }
}

function showAlerts(alerts) {
  const box = $("alerts");
  box.replaceChildren();
  box.classList.toggle("alerting", alerts.length > 0);
  if (!alerts.length) { box.textContent = "No alerts: on reviewed conversations the assistant does no worse than people."; return; }
  box.appendChild(el("b", "", `${alerts.length} alert${alerts.length > 1 ? "s" : ""}: the assistant does worse than people`));
  const list = el("ul");
  for (const a of alerts) list.appendChild(el("li", "", `${a.dimension} ${a.key}: ${a.message}`));
  box.appendChild(list);
}

function fillSelects(d) {
  for (const s of SLICES) {
    for (const row of d["by_" + s]) known[s].add(row.key);
    const select = $(s), chosen = select.value;
    const keys = [...known[s]].sort();
    if (chosen && !known[s].has(chosen)) keys.push(chosen);
    const current = [...select.options].slice(1).map((o) => o.value);
    if (current.join("\n") === keys.join("\n")) continue;
    select.replaceChildren(el("option", "", "all"));
    select.options[0].value = "";
    for (const k of keys) { const o = el("option", "", k); o.value = k; select.appendChild(o); }
    select.value = chosen;
  }
}

async function showChart(figure, q) {
  const text = await (await get(`/api/v1/analytics/charts/${figure.dataset.name}.svg?${q}`)).text();
  const svg = new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
  if (svg.nodeName !== "svg") throw new Error(`chart ${figure.dataset.name} is not an SVG`);
  figure.replaceChildren(document.importNode(svg, true));
}

function parseCsv(text) {
  const rows = []; let row = [], field = "", quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') { field += '"'; i++; }
      else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ",") { row.push(field); field = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field); rows.push(row); row = []; field = "";
    } else field += c;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  return rows;
}

function cell(value) {
  if (/^-?\d+\.\d+$/.test(value)) return [Number(value).toLocaleString("en", {maximumFractionDigits: 4}), true];
  return [value, /^-?\d+$/.test(value)];
}

async function showTable(table, q) {
  const rows = parseCsv(await (await get(`/api/v1/analytics/export/${table.dataset.table}.csv?${q}`)).text());
  table.replaceChildren();
  if (rows.length < 2) { table.appendChild(el("caption", "status", "No rows in this period")); return; }
  const head = el("tr");
  for (const name of rows[0]) head.appendChild(el("th", "", name));
  table.appendChild(el("thead")).appendChild(head);
  const body = table.appendChild(el("tbody"));
  for (const r of rows.slice(1)) {
    const tr = body.appendChild(el("tr"));
    for (const v of r) { const [text, numeric] = cell(v); tr.appendChild(el("td", numeric ? "num" : "", text)); }
  }
}

async function download(name) {
  const q = query();
  const blob = await (await get(`/api/v1/analytics/export/${name}.csv?${q}`)).blob();
  const a = el("a");
  a.href = URL.createObjectURL(blob);
  a.download = `deskpilot-${name}-${new Date().toISOString().slice(0, 16).replace(":", "")}.csv`;
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

// --- the refresh loop -------------------------------------------------------------------

async function refresh(force = false) {
  if (busy) { again = again || force; return; }
  if (!force && document.hidden) return;
  busy = true;
  try {
    const q = query();
    const d = await (await get(`/api/v1/analytics/dashboard?${q}`)).json();
    showTiles(d); showAlerts(d.alerts); fillSelects(d);
    if (preset) { $("from").value = localInput(new Date(d.filters.start)); $("to").value = localInput(new Date(d.filters.end)); }
    // Charts and tables only when the figures changed (a live period moves every refresh).
    const state = JSON.stringify({...d, generated_at: null, filters: SLICES.map((s) => d.filters[s])});
    if (force || state !== shown) {
      await inBatches([...document.querySelectorAll(".chart")], 3, (f) => showChart(f, q));
      await inBatches([...document.querySelectorAll("table[data-table]")], 3, (t) => showTable(t, q));
      shown = state;
    }
    $("error").textContent = "";
    $("updated").textContent = "Updated " + new Date().toLocaleTimeString();
  } catch (err) {
    if (err instanceof SignedOut) signOut(err.message);
    else $("error").textContent = err.message;
  } finally {
    busy = false;
    if (again) { again = false; refresh(true); }
  }
}

function choosePreset(name) {
  preset = name;
  for (const b of document.querySelectorAll("[data-preset]")) b.setAttribute("aria-pressed", String(b.dataset.preset === name));
}

function enter() {
  $("login").classList.add("hidden");
  $("dashboard").classList.remove("hidden");
  $("logout").classList.remove("hidden");
  choosePreset(preset);
  refresh(true);
  if (!timer) timer = setInterval(refresh, REFRESH_MS);
}

function signOut(message) {
  token = null; sessionStorage.removeItem("agentToken");
  clearInterval(timer); timer = null;
  $("dashboard").classList.add("hidden");
  $("logout").classList.add("hidden");
  $("login").classList.remove("hidden");
  $("login-error").textContent = message || "";
}

for (const b of document.querySelectorAll("[data-preset]")) b.addEventListener("click", () => { choosePreset(b.dataset.preset); refresh(true); });
for (const id of ["from", "to"]) $(id).addEventListener("change", () => { choosePreset(null); refresh(true); });
for (const s of SLICES) $(s).addEventListener("change", () => refresh(true));
for (const b of document.querySelectorAll("[data-csv]")) {
  b.addEventListener("click", async () => {
    try { await download(b.dataset.csv); } catch (err) { if (err instanceof SignedOut) signOut(err.message); else $("error").textContent = err.message; }
  });
}
$("logout").addEventListener("click", () => signOut(""));
$("filters").addEventListener("submit", (ev) => ev.preventDefault());

$("login").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const res = await fetch("/api/v1/agent/login", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({username: $("username").value, password: $("password").value})});
  const data = await res.json();
  if (!res.ok) { $("login-error").textContent = data.message; return; }
  token = data.token; sessionStorage.setItem("agentToken", token); enter();
});

if (token) enter(); else signOut("");
