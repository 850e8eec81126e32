// The agent workspace: queue, claim, history, co-pilot suggestions, actions on approval.
let token = sessionStorage.getItem("agentToken");
let current = null;
let convSocket = null;
const $ = (id) => document.getElementById(id);

async function api(method, path, body) {
  const res = await fetch("/api/v1/agent" + path, {
    method, headers: {"Content-Type": "application/json", "Authorization": "Bearer " + token},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.json();
  if (!res.ok) throw new Error(data.message || "Request failed");
  return data;
}

function el(tag, cls, text) { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }

async function loadQueue() {
  const items = await api("GET", "/queue");
  const q = $("queue"); q.innerHTML = "";
  if (!items.length) q.appendChild(el("div", "status", "Nobody is waiting"));
  for (const it of items) {
    const d = el("div", "queue-item" + (it.priority === "urgent" ? " urgent" : ""));
    d.dataset.conversation = it.conversation_id;
    d.appendChild(el("b", "", it.customer));
    d.appendChild(el("div", "status", `${it.reason.replaceAll("_", " ")} · ${it.language} · ${it.priority} · waiting ${Math.round(it.waiting_seconds / 60)} min · ${it.status}`));
    d.addEventListener("click", () => open(it.conversation_id, it.status === "waiting"));
    q.appendChild(d);
  }
}

async function open(id, claim) {
  if (claim) await api("POST", `/conversations/${id}/claim`);
  current = id;
  await refresh();
  $("reply-form").classList.remove("hidden");
  $("conv-actions").classList.remove("hidden");
  if (convSocket) convSocket.close();
  convSocket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host +
    "/api/v1/agent/ws?token=" + encodeURIComponent(token) + "&topic=" + encodeURIComponent("conversation:" + id));
  convSocket.onmessage = () => refresh();
  loadQueue();
}

async function refresh() {
  if (!current) return;
  const v = await api("GET", `/conversations/${current}`);
  const overview = v.context.get_customer_overview;
  $("conv-title").textContent = `${overview.name} · ${v.language}`;
  $("handoff-info").textContent = `Handed off: ${v.handoff.reason.replaceAll("_", " ")} (${v.handoff.priority})`;
  const h = $("history"); h.innerHTML = "";
  for (const t of v.history) { const m = el("div", "msg " + t.role); m.appendChild(el("span", "who", t.role)); m.appendChild(document.createTextNode(t.text)); h.appendChild(m); }
  h.scrollTop = h.scrollHeight;
  $("summary").textContent = v.copilot.summary;
  const r = $("replies"); r.innerHTML = "";
  for (const text of v.copilot.replies) {
    const s = el("div", "suggestion"); const ta = el("textarea"); ta.value = text; s.appendChild(ta);
    const b = el("button", "", "Send"); b.type = "button";
    b.addEventListener("click", async () => { await api("POST", `/conversations/${current}/messages`, {text: ta.value}); refresh(); });
    s.appendChild(b); r.appendChild(s);
  }
  const a = $("actions"); a.innerHTML = "";
  if (!v.copilot.actions.length) a.appendChild(el("div", "status", "No action to suggest"));
  for (const s of v.copilot.actions) {
    const d = el("div", "suggestion"); d.appendChild(el("div", "", s.label));
    const b = el("button", "", "Approve"); b.type = "button"; b.dataset.action = s.action;
    b.addEventListener("click", async () => {
      b.disabled = true;
      try { await api("POST", `/conversations/${current}/actions`, {action: s.action, args: s.args}); d.appendChild(el("div", "status", "Done")); }
      catch (err) { d.appendChild(el("div", "status", err.message)); b.disabled = false; }
    });
    d.appendChild(b); a.appendChild(d);
  }
  const c = $("context"); c.innerHTML = "";
  const table = el("table", "kv");
  const rows = [["Balance", `${overview.balance.minor / 100} ${overview.balance.currency}`], ["Market", overview.market], ["Verified", overview.identity_verified ? "yes" : "no"],
    ["Orders", v.context.list_orders.orders.map((o) => `${o.reference} ${o.merchant} (${o.shipping_status})`).join("\n")],
    ["Next payments", v.context.list_upcoming_installments.installments.map((i) => `${i.due_date} ${i.outstanding.minor / 100} ${i.status}`).join("\n")],
    ["Refunds", v.context.list_refunds.refunds.map((x) => `${x.order_reference} ${x.status}`).join("\n") || "none"],
    ["Disputes", v.context.list_disputes.disputes.map((x) => `${x.order_reference} ${x.status}`).join("\n") || "none"],
    ["Cards", v.context.get_card_status.cards.map((x) => `${x.kind} ${x.last4} ${x.status}`).join("\n") || "none"]];
  for (const [k, val] of rows) { const tr = el("tr"); tr.appendChild(el("td", "", k)); const td = el("td", "", val); td.style.whiteSpace = "pre-wrap"; tr.appendChild(td); table.appendChild(tr); }
  c.appendChild(table);
}

$("reply-form").addEventListener("submit", async (ev) => { ev.preventDefault(); const t = $("reply").value; if (!t.trim()) return; $("reply").value = ""; await api("POST", `/conversations/${current}/messages`, {text: t}); refresh(); });
$("handback").addEventListener("click", async () => { await api("POST", `/conversations/${current}/handback`); current = null; loadQueue(); });
$("close").addEventListener("click", async () => { await api("POST", `/conversations/${current}/close`, {resolution_code: $("resolution").value}); current = null; loadQueue(); });

function enter() {
  $("login").classList.add("hidden");
  $("workspace").classList.remove("hidden");
  loadQueue();
  const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/v1/agent/ws?token=" + encodeURIComponent(token));
  ws.onmessage = () => loadQueue();
  setInterval(loadQueue, 5000);
}

$("login").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const res = await fetch("/api/v1/agent/login", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({username: $("username").value, password: $("password").value})});
  const data = await res.json();
  if (!res.ok) { $("login-error").textContent = data.message; return; }
  token = data.token; sessionStorage.setItem("agentToken", token); $("who").textContent = data.display_name; enter();
});
if (token) enter();
