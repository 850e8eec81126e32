// The customer's chat widget: talks to /api/v1/conversations with the token the app gave it.
const params = new URLSearchParams(location.search);
const token = params.get("token");
const RTL = new Set(["ar", "fa", "ur", "he"]);
let conversation = null;
let score = 0;
const $ = (id) => document.getElementById(id);

function setLanguage(lang) {
  document.documentElement.lang = lang;
  document.documentElement.dir = RTL.has(lang) ? "rtl" : "ltr";
}

function show(role, text, who) {
  const div = document.createElement("div");
  div.className = "msg " + role;
  div.dataset.role = role;
  if (who) { const w = document.createElement("span"); w.className = "who"; w.textContent = who; div.appendChild(w); }
  div.appendChild(document.createTextNode(text));
  $("messages").appendChild(div);
  $("messages").scrollTop = $("messages").scrollHeight;
}

function status(text) {
  const div = document.createElement("div");
  div.className = "status";
  div.textContent = text;
  $("messages").appendChild(div);
}

async function api(path, body) {
  const res = await fetch("/api/v1/conversations" + path, {
    method: "POST",
    headers: {"Content-Type": "application/json", "Authorization": "Bearer " + token},
    body: JSON.stringify(body || {}),
  });
  const data = await res.json();
  if (!res.ok) throw new Error(data.message || "Something went wrong");
  return data;
}

async function start() {
  if (!token) { status("Open this page from the app (it needs a customer token)."); return; }
  const reply = await api("", {});
  conversation = reply.conversation_id;
  setLanguage(reply.language);
  reply.messages.forEach((m) => show("assistant", m, "AI assistant"));
  const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host +
    "/api/v1/conversations/" + conversation + "/ws?token=" + encodeURIComponent(token));
  ws.onmessage = (ev) => {
    const e = JSON.parse(ev.data);
    if (e.type === "message" && e.role === "agent") show("agent", e.text, e.author || "Support team");
    else if (e.type === "message" && e.role === "assistant" && e.live) show("assistant", e.text, "AI assistant");
    else if (e.type === "status" && e.status === "agent_joined") status((e.agent || "A colleague") + " joined the chat");
    else if (e.type === "status" && e.status === "closed") { status("The conversation was closed"); $("rating").classList.add("show"); }
    else if (e.type === "action") status("Done on your account: " + e.action.replaceAll("_", " "));
  };
  window.deskpilotSocket = ws;
}

async function send(text) {
  if (!conversation || !text.trim()) return;
  show("customer", text);
  $("typing").textContent = "The assistant is typing…";
  $("send").disabled = true;
  try {
    const reply = await api("/" + conversation + "/messages", {text});
    setLanguage(reply.language);
    reply.messages.forEach((m) => show("assistant", m, "AI assistant"));
    if (reply.handoff) status("Waiting for a colleague…");
  } catch (err) {
    status(err.message + " Your message is kept; please try again.");
  } finally {
    $("typing").textContent = "";
    $("send").disabled = false;
  }
}

$("compose").addEventListener("submit", (ev) => { ev.preventDefault(); const t = $("text").value; $("text").value = ""; send(t); });
$("human").addEventListener("click", () => send("agent"));
$("end").addEventListener("click", async () => {
  if (!conversation) return;
  await api("/" + conversation + "/end", {});
  $("compose").classList.add("hidden");
  $("rating").classList.add("show");
});
for (let i = 1; i <= 5; i++) {
  const b = document.createElement("button");
  b.type = "button"; b.textContent = "★ " + i; b.dataset.score = i;
  b.addEventListener("click", () => { score = i; document.querySelectorAll("#stars button").forEach((x) => x.style.background = x.dataset.score <= i ? "#ffd84d" : ""); });
  $("stars").appendChild(b);
}
$("rate").addEventListener("click", async () => {
  if (!score) return;
  await api("/" + conversation + "/rating", {score, comment: $("comment").value});
  $("rated").classList.remove("hidden");
  $("rate").disabled = true;
});
start();
