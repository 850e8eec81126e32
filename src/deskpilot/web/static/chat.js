// The customer's chat widget: talks to /api/v1/conversations with the token the app gave it.
const params = new URLSearchParams(location.search);
const token = params.get("token");
const RTL = new Set(["ar", "fa", "ur", "he"]);
let conversation = null;
let score = 0;
let language = null;
// The widget's own texts in the customer's language (English until they arrive).
let ui = {
  title: "Customer service", human_button: "Talk to a person", end: "End chat",
  disclosure: "You are chatting with an AI assistant. A person is one click away.",
  placeholder: "Write a message…", send: "Send", typing: "The assistant is typing…",
  waiting: "Waiting for a colleague…", joined: "{agent} joined the chat",
  closed: "The conversation was closed", action_done: "A colleague made a change on your account.",
  rating_question: "How did we do?", comment: "Anything to add? (optional)", rate: "Send rating",
  rated: "Thank you for your feedback!", retry: "Your message is kept; please try again.",
  assistant: "AI assistant", team: "Support team",
};
const $ = (id) => document.getElementById(id);

function applyTexts() {
  document.querySelectorAll("[data-ui]").forEach((el) => { el.textContent = ui[el.dataset.ui]; });
  $("text").placeholder = ui.placeholder;
  $("comment").placeholder = ui.comment;
  $("human").title = ui.human_button;
}

async function setLanguage(lang) {
  document.documentElement.lang = lang;
  document.documentElement.dir = RTL.has(lang) ? "rtl" : "ltr";
  if (lang === language) return;
  language = lang;
  try {
    const res = await fetch("/api/v1/ui/" + encodeURIComponent(lang));
    if (res.ok) { ui = (await res.json()).texts; applyTexts(); }
  } catch (err) { /* keep the texts we have */ }
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
  await setLanguage(reply.language);
  reply.messages.forEach((m) => show("assistant", m, ui.assistant));
  const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host +
    "/api/v1/conversations/" + conversation + "/ws?token=" + encodeURIComponent(token));
  ws.onmessage = (ev) => {
    const e = JSON.parse(ev.data);
    if (e.type === "message" && e.role === "agent") show("agent", e.text, e.author || ui.team);
    else if (e.type === "message" && e.role === "assistant" && e.live) show("assistant", e.text, ui.assistant);
    else if (e.type === "status" && e.status === "agent_joined") status(ui.joined.replace("{agent}", e.agent || ui.team));
    else if (e.type === "status" && e.status === "closed") { status(ui.closed); $("rating").classList.add("show"); }
    else if (e.type === "action") status(ui.action_done);
  };
  window.deskpilotSocket = ws;
}

async function send(text) {
  if (!conversation || !text.trim()) return;
  show("customer", text);
  $("typing").textContent = ui.typing;
  $("send").disabled = true;
  try {
    const reply = await api("/" + conversation + "/messages", {text});
    await setLanguage(reply.language);
    reply.messages.forEach((m) => show("assistant", m, ui.assistant));
    if (reply.handoff) status(ui.waiting);
  } catch (err) {
    status(err.message + " " + ui.retry);
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
