// mockserver dashboard: loads GET /_mock/state, follows GET /_mock/events (server-sent
// events) and acts through the control API. Plain JS, no dependencies, same origin only.
// With --control-token, every request carries "Authorization: Bearer TOKEN", the token coming
// from ?token= (then taken out of the address bar) or a prompt; the event stream is read with
// fetch() because EventSource cannot send that header.
"use strict";

const MAX_ROWS = 300;          // rows drawn per journal table
const MAX_KEPT = 2000;         // command and journal entries kept in the page
const TOKEN_KEY = "mockserver-control-token";

const params = new URLSearchParams(location.search);
let token = params.get("token") || sessionStorage.getItem(TOKEN_KEY) || "";
if (params.has("token")) {
  sessionStorage.setItem(TOKEN_KEY, token);
  params.delete("token");
  const rest = params.toString();
  history.replaceState(null, "", location.pathname + (rest ? "?" + rest : ""));
}

const store = {
  calls: new Map(),            // call_control_id -> call
  recordings: new Map(),       // id -> recording
  commands: new Map(),         // seq -> command log entry
  webhooks: new Map(),         // seq -> journal line
  tenants: new Set(),
  clock: null,
  scenario: "",
};
const openDetails = new Set(); // keys of <details> the user opened, kept across redraws

const $ = (id) => document.getElementById(id);

// -- talking to the server --------------------------------------------------------------------

function authHeaders() {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

let asking = null;
// One prompt for every request refused at once; false when the user gave nothing.
function askForToken() {
  if (!asking) {
    asking = new Promise((resolve) => setTimeout(() => {
      const given = (window.prompt("This mock has a control token (--control-token):") || "").trim();
      if (given) { token = given; sessionStorage.setItem(TOKEN_KEY, token); }
      setTimeout(() => { asking = null; }, 0);
      resolve(Boolean(given));
    }, 0));
  }
  return asking;
}

async function api(method, path, body, mayAsk = true) {
  const init = { method, headers: authHeaders(), cache: "no-store" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (response.status === 401 && mayAsk && await askForToken()) return api(method, path, body, false);
  let data = null;
  try { data = await response.json(); } catch (_) { data = null; }
  if (!response.ok) {
    const first = data && data.errors && data.errors[0];
    const reason = first ? (first.detail || first.title) : response.statusText;
    throw new Error(`${method} ${path}: ${response.status} ${reason}`);
  }
  return data;
}

function say(text, isError) {
  const box = $("message");
  box.textContent = text;
  box.className = isError ? "error" : "";
}

async function act(label, work) {
  try {
    await work();
    say(label + ": done");
  } catch (error) {
    say(String(error.message || error), true);
  }
}

// Events that arrive while a snapshot loads wait for it; those newer than it are then applied.
let arriving = null;

async function loadState() {
  const buffered = [];
  arriving = buffered;
  try {
    const data = (await api("GET", "/_mock/state")).data;
    store.calls = new Map(data.calls.map((c) => [c.call_control_id, c]));
    store.recordings = new Map(data.recordings.map((r) => [r.id, r]));
    store.commands = new Map(data.commands.map((c) => [c.seq, c]));
    store.webhooks = new Map(data.webhooks.map((w) => [w.seq, w]));
    store.tenants = new Set(data.tenants);
    store.clock = data.clock;
    store.scenario = data.scenario;
    store.publicKey = data.public_key;
    if (arriving === buffered) arriving = null;
    for (const [seq, apply] of buffered) if (seq > data.seq) apply();
  } finally {
    if (arriving === buffered) arriving = null;
  }
  render();
}

function reload() {
  loadState().catch((error) => say(String(error.message || error), true));
}

// What each server-sent event does to the page. "hello" opens every (re)connection and
// "resync" follows a reset or a backlog the server dropped: both reload the snapshot.
function live(apply) {
  return (message, seq) => {
    const run = () => {
      if (store.clock) store.clock.now = message.now;
      apply(message.data);
      scheduleRender();
    };
    if (arriving) arriving.push([seq, run]);
    else run();
  };
}
const handlers = {
  hello: (data) => { store.clock = data.clock; reload(); },
  resync: reload,
  call: live((call) => { store.calls.set(call.call_control_id, call); store.tenants.add(call.tenant); }),
  call_removed: live((gone) => store.calls.delete(gone.call_control_id)),
  recording: live((recording) => store.recordings.set(recording.id, recording)),
  command: live((entry) => { store.commands.set(entry.seq, entry); store.tenants.add(entry.tenant); trim(store.commands); }),
  webhook: live((entry) => { store.webhooks.set(entry.seq, entry); store.tenants.add(entry.tenant); trim(store.webhooks); }),
};

function showLive(on, text) {
  const badge = $("live");
  badge.textContent = text;
  badge.className = on ? "badge on" : "badge off";
}

// Follow GET /_mock/events for as long as the page is open, reconnecting after a second.
async function follow() {
  for (;;) {
    let response = null;
    try {
      response = await fetch("/_mock/events", { headers: authHeaders(), cache: "no-store" });
    } catch (_) {
      response = null;
    }
    if (response && response.status === 401) {
      showLive(false, "needs the control token");
      if (!(await askForToken())) return;
      continue;
    }
    if (response && response.ok && response.body) {
      showLive(true, "live");
      try { await readEvents(response.body); } catch (_) { /* connection lost */ }
    }
    showLive(false, "reconnecting");
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function readEvents(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      dispatch(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
    }
  }
}

function dispatch(block) {
  let name = "message";
  let id = 0;
  const data = [];
  for (const line of block.split("\n")) {
    if (!line || line.startsWith(":")) continue;  // a comment: the keep-alive
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") name = value;
    else if (field === "id") id = Number(value);
    else if (field === "data") data.push(value);
  }
  const handler = handlers[name];
  if (handler && data.length) handler(JSON.parse(data.join("\n")), id);
}

function trim(map) {
  while (map.size > MAX_KEPT) map.delete(map.keys().next().value);
}

// -- drawing ------------------------------------------------------------------------------------

let renderQueued = false;
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  setTimeout(() => { renderQueued = false; render(); }, 0);
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function short(id) {
  if (!id) return "–";
  return id.length > 18 ? id.slice(0, 10) + "…" + id.slice(-6) : id;
}

function time(iso) {
  return iso ? iso.slice(11, 23) : "–";
}

function json(value) {
  return JSON.stringify(value, null, 2);
}

function filters() {
  return { tenant: $("filter-tenant").value, call: $("filter-call").value, event: $("filter-event").value };
}

function visible(item, f) {
  return (!f.tenant || item.tenant === f.tenant) && (!f.call || item.call_control_id === f.call);
}

function setOptions(select, values, label) {
  const current = select.value;
  const wanted = ["", ...values];
  const have = Array.from(select.options).map((o) => o.value);
  if (have.length === wanted.length && have.every((v, i) => v === wanted[i])) return;
  select.replaceChildren(...wanted.map((v) => el("option", { value: v, text: v ? label(v) : "all" })));
  select.value = wanted.includes(current) ? current : "";
}

function details(key, summary, body) {
  const node = el("details", { open: openDetails.has(key) }, el("summary", { text: summary }), el("pre", { text: body }));
  node.addEventListener("toggle", () => (node.open ? openDetails.add(key) : openDetails.delete(key)));
  return node;
}

function render() {
  const clock = store.clock;
  $("clock").textContent = clock ? `${clock.mode} · ${clock.now.replace("T", " ").slice(0, 23)}` : "–";
  $("scenario").textContent = store.scenario || "–";
  $("public-key").textContent = store.publicKey || "–";

  const callIds = new Set(store.calls.keys());
  for (const entry of store.commands.values()) if (entry.call_control_id) callIds.add(entry.call_control_id);
  for (const entry of store.webhooks.values()) callIds.add(entry.call_control_id);
  setOptions($("filter-tenant"), Array.from(store.tenants).sort(), (v) => v);
  setOptions($("filter-call"), Array.from(callIds).sort(), short);
  const types = new Set(Array.from(store.webhooks.values(), (w) => w.event_type));
  setOptions($("filter-event"), Array.from(types).sort(), (v) => v);
  const f = filters();

  renderCalls(f);
  renderRecordings(f);
  renderCommands(f);
  renderWebhooks(f);
}

function renderCalls(f) {
  const rows = Array.from(store.calls.values()).filter((c) => visible(c, f)).reverse().map((call) => {
    const hangup = call.is_alive
      ? el("button", { class: "small danger", type: "button", title: "the far end hangs up (POST /_mock/calls/{id}/hangup)",
          onclick: (e) => { e.stopPropagation(); act("hang up", () => api("POST", `/_mock/calls/${encodeURIComponent(call.call_control_id)}/hangup`, { api_key: call.tenant })); } },
          "Hang up")
      : el("span", { class: "muted small", text: call.hangup_cause || "" });
    return el("tr", {
        class: "call" + (f.call === call.call_control_id ? " selected" : ""),
        dataset: { callId: call.call_control_id, state: call.state },
        title: "click to filter by this call",
        onclick: () => { const s = $("filter-call"); s.value = s.value === call.call_control_id ? "" : call.call_control_id; render(); },
      },
      el("td", { class: "mono", title: call.call_control_id, text: short(call.call_control_id) }),
      el("td", { class: "mono", text: call.tenant }),
      el("td", { text: call.direction === "incoming" ? "in" : "out" }),
      el("td", { class: "mono", text: `${call.from} → ${call.to}` }),
      el("td", {}, el("span", { class: `badge ${call.state}`, "data-testid": "call-state", text: call.state })),
      el("td", { class: "mono", text: time(call.start_time) }),
      el("td", { class: "mono", text: time(call.ended_at) }),
      el("td", { class: "nowrap" }, hangup));
  });
  $("calls").replaceChildren(...rows);
  $("no-calls").hidden = rows.length > 0;
}

function localUrl(url) {
  const parsed = new URL(url, location.href);
  return parsed.pathname + parsed.search;  // same server, whatever name the page used for it
}

function renderRecordings(f) {
  const box = $("recordings");
  const shown = Array.from(store.recordings.values()).filter((r) => visible(r, f)).reverse();
  const keep = new Set(shown.map((r) => r.id));
  for (const card of Array.from(box.children)) if (!keep.has(card.dataset.recordingId)) card.remove();
  let previous = null;
  for (const recording of shown) {
    let card = box.querySelector(`[data-recording-id="${CSS.escape(recording.id)}"]`);
    if (!card) {
      card = el("div", { class: "recording", dataset: { recordingId: recording.id } },
        el("div", { class: "meta" }), el("div", { class: "player" }));
    }
    updateRecording(card, recording);
    // Keep newest first without re-creating cards (a playing <audio> must survive redraws).
    const wantedNext = previous ? previous.nextSibling : box.firstChild;
    if (wantedNext !== card) box.insertBefore(card, wantedNext);
    previous = card;
  }
  $("no-recordings").hidden = shown.length > 0;
}

function updateRecording(card, recording) {
  const status = recording.completed ? "completed" : recording.failed ? "failed" : recording.state;
  const duration = recording.duration_seconds === null ? "" : `${recording.duration_seconds.toFixed(1)} s`;
  card.querySelector(".meta").replaceChildren(
    el("span", { class: "mono", title: recording.id, text: short(recording.id) }),
    el("span", { class: "mono muted", title: recording.call_control_id, text: "call " + short(recording.call_control_id) }),
    el("span", { text: `${recording.format} · ${recording.channels}` }),
    el("span", { "data-testid": "duration", text: duration }),
    el("span", { class: `badge ${status}`, text: status }),
    recording.stop_reason ? el("span", { class: "muted small", text: recording.stop_reason }) : null);
  const player = card.querySelector(".player");
  if (!recording.completed) { player.replaceChildren(); return; }
  let audio = player.querySelector("audio");
  if (!audio) {
    audio = el("audio", { controls: true, preload: "auto", "data-testid": "audio" });
    // A link expires after --url-ttl: on an error, fetch fresh ones and try again once.
    audio.addEventListener("error", () => {
      if (audio.dataset.retried) return;
      audio.dataset.retried = "1";
      loadState().then(() => { audio.src = localUrl(store.recordings.get(recording.id).download_url); })
        .catch((error) => say(String(error.message || error), true));
    });
    audio.src = localUrl(recording.download_url);
    const links = el("div", { class: "links" });
    player.replaceChildren(audio, links);
  }
  const links = player.querySelector(".links");
  links.replaceChildren(...Object.entries(recording.download_urls).map(([fmt, url]) =>
    el("a", { href: localUrl(url), download: true, text: `download ${fmt.toUpperCase()}` })));
}

function renderCommands(f) {
  const entries = Array.from(store.commands.values()).filter((c) => visible(c, f)).reverse().slice(0, MAX_ROWS);
  $("commands").replaceChildren(...entries.map((entry) => {
    const problems = entry.errors.map((e) => `${e.code ? e.code + " " : ""}${e.title}${e.detail ? ": " + e.detail : ""}${e.source && e.source.pointer ? " (" + e.source.pointer + ")" : ""}`);
    return el("tr", { dataset: { seq: entry.seq, command: entry.command, ok: entry.ok ? "1" : "0" } },
      el("td", { class: "mono", text: entry.seq }),
      el("td", { class: "mono", text: time(entry.simulated_at) }),
      el("td", { class: "mono", title: entry.call_control_id || "no call", text: short(entry.call_control_id) }),
      el("td", { class: "mono", text: entry.tenant }),
      el("td", { class: "mono", text: entry.command }),
      el("td", { class: "nowrap" }, el("span", { class: `badge ${entry.ok ? "ok" : "rejected"}`, text: `${entry.status} ${entry.ok ? "ok" : "rejected"}` })),
      el("td", { class: "mono", text: `${entry.latency_ms.toFixed(1)} ms` }),
      el("td", { class: "wide" },
        problems.length ? el("div", { class: "errors", "data-testid": "command-errors", text: problems.join("; ") }) : null,
        details(`c${entry.seq}`, "request / response", `${entry.path}\n\n${json(entry.request)}\n\n→ ${entry.status}\n${json(entry.response)}`)));
  }));
}

function renderWebhooks(f) {
  const entries = Array.from(store.webhooks.values())
    .filter((w) => visible(w, f) && (!f.event || w.event_type === f.event)).reverse().slice(0, MAX_ROWS);
  $("webhooks").replaceChildren(...entries.map((entry) => el("tr", {
      dataset: { seq: entry.seq, eventType: entry.event_type, eventId: entry.event_id, attempt: entry.attempt, outcome: entry.outcome } },
    el("td", { class: "mono", text: entry.seq }),
    el("td", { class: "mono", text: time(entry.simulated_at) }),
    el("td", { class: "mono" }, entry.event_type, details(`w${entry.seq}`, "body", json(entry.body))),
    el("td", { class: "mono", title: entry.call_control_id, text: short(entry.call_control_id) }),
    el("td", { class: "mono", text: entry.tenant }),
    el("td", { class: "mono", text: entry.attempt }),
    el("td", { class: "mono", text: entry.status === null ? "–" : entry.status }),
    el("td", { class: "mono", text: `${entry.latency_ms.toFixed(1)} ms` }),
    el("td", { class: "nowrap" }, el("span", { class: `badge ${entry.outcome}`, title: entry.error || "", text: entry.outcome }),
      entry.error ? el("div", { class: "errors small", text: entry.error }) : null),
    el("td", { class: "url small wide", text: entry.url || "–" }),
    el("td", {}, el("button", { class: "small", type: "button", title: "send this event again as its next attempt",
      onclick: () => act("redeliver", () => api("POST", `/_mock/webhooks/${entry.seq}/redeliver`)) }, "Redeliver")))));
}

// -- controls -------------------------------------------------------------------------------

function wire() {
  for (const id of ["filter-tenant", "filter-call", "filter-event"]) $(id).addEventListener("change", render);
  $("advance-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const seconds = Number($("advance-seconds").value);
    act(`advance ${seconds} s`, async () => {
      store.clock = (await api("POST", "/_mock/clock/advance", { seconds })).data;
      render();
    });
  });
  $("reset").addEventListener("click", () => {
    const tenant = $("filter-tenant").value;
    const what = tenant ? `tenant ${tenant}` : "all tenants";
    if (!window.confirm(`Forget every call, recording and journal line of ${what}?`)) return;
    act("reset", () => api("POST", "/_mock/reset", tenant ? { api_key: tenant } : {}));
  });
  $("inject-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const form = new FormData(e.target);
    const body = {};
    for (const [key, value] of form.entries()) if (value) body[key] = value;
    act("inject", () => api("POST", "/_mock/calls", body));
  });
}

wire();
follow();  // its "hello" loads the snapshot
