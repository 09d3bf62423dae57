// mockserver dashboard: loads GET /_mock/state, follows GET /_mock/events (server-sent
// events) and acts through the control API. Plain JS, no dependencies, same origin only.
// With --control-token, every request carries "Authorization: Bearer TOKEN", the token coming
// from ?token= (then taken out of the address bar) or a prompt; the event stream is read with
// fetch() because EventSource cannot send that header.
"use strict";

const MAX_ROWS = 300;          // rows drawn per journal table
const MAX_KEPT = 2000;         // command and journal entries kept in the page
const MAX_FORGOTTEN = 200;     // ended calls kept after the API forgot them (as the server)
// SVG's namespace, read from a parsed <svg> (the page names no address but its own server's).
const SVG_NS = (() => { const box = document.createElement("div"); box.innerHTML = "<svg></svg>"; return box.firstChild.namespaceURI; })();
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
  forgotten: new Map(),        // ended calls the API no longer knows (the server keeps 200)
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
    store.forgotten = new Map((data.forgotten_calls || []).map((c) => [c.call_control_id, c]));
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
  // The API forgot the call (10 simulated minutes after it ended): the page keeps it.
  call_removed: live((gone) => {
    const call = store.calls.get(gone.call_control_id);
    store.calls.delete(gone.call_control_id);
    if (call) { store.forgotten.set(call.call_control_id, { ...call, forgotten: true }); trim(store.forgotten, MAX_FORGOTTEN); }
  }),
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

function trim(map, limit = MAX_KEPT) {
  while (map.size > limit) map.delete(map.keys().next().value);
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

// 0.35 s reads as "350 ms", not "0.0 s"; long ones keep one decimal.
function seconds(value) {
  if (value < 1) return `${Math.round(value * 1000)} ms`;
  return value < 10 ? `${value.toFixed(2)} s` : `${value.toFixed(1)} s`;
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
  // Advancing only works on a manual clock (409 otherwise): show the control only there.
  $("advance-form").hidden = !(clock && clock.mode === "manual");

  const callIds = new Set([...store.calls.keys(), ...store.forgotten.keys()]);
  for (const entry of store.commands.values()) if (entry.call_control_id) callIds.add(entry.call_control_id);
  for (const entry of store.webhooks.values()) callIds.add(entry.call_control_id);
  setOptions($("filter-tenant"), Array.from(store.tenants).sort(), (v) => v);
  setOptions($("filter-call"), Array.from(callIds).sort(), short);
  const types = new Set(Array.from(store.webhooks.values(), (w) => w.event_type));
  setOptions($("filter-event"), Array.from(types).sort(), (v) => v);
  const f = filters();

  renderCalls(f);
  renderHistory(f);
  renderRecordings(f);
  renderCommands(f);
  renderWebhooks(f);
  renderTimeline(f);
  renderWaveform(f);
}

function selectCall(callId) {
  const s = $("filter-call");
  s.value = s.value === callId ? "" : callId;
  if (s.value) $("timeline-call").value = s.value;
  render();
}

function callRow(call, f) {
  const hangup = call.is_alive
    ? el("button", { class: "small danger", type: "button", title: "the far end hangs up (POST /_mock/calls/{id}/hangup)",
        onclick: (e) => { e.stopPropagation(); act("hang up", () => api("POST", `/_mock/calls/${encodeURIComponent(call.call_control_id)}/hangup`, { api_key: call.tenant })); } },
        "Hang up")
    : el("span", { class: "muted small", text: call.hangup_cause || "" });
  return el("tr", {
      class: "call" + (f.call === call.call_control_id ? " selected" : ""),
      dataset: { callId: call.call_control_id, state: call.state },
      title: "click (or Enter) to filter by this call and show its timeline",
      tabindex: "0",
      onclick: () => selectCall(call.call_control_id),
      onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); selectCall(call.call_control_id); } },
    },
    el("td", { class: "mono", title: call.call_control_id, text: short(call.call_control_id) }),
    el("td", { class: "mono", text: call.tenant }),
    el("td", { text: call.direction === "incoming" ? "in" : "out" }),
    el("td", { class: "mono", text: `${call.from} → ${call.to}` }),
    el("td", {}, el("span", { class: `badge ${call.state}`, "data-testid": "call-state", text: call.state })),
    el("td", { class: "mono", text: time(call.start_time) }),
    el("td", { class: "mono", text: time(call.ended_at) }),
    el("td", { class: "nowrap" }, hangup));
}

function renderCalls(f) {
  const rows = Array.from(store.calls.values()).filter((c) => visible(c, f)).reverse().map((call) => callRow(call, f));
  $("calls").replaceChildren(...rows);
  $("no-calls").hidden = rows.length > 0 || store.forgotten.size > 0;
}

function renderHistory(f) {
  const rows = Array.from(store.forgotten.values()).filter((c) => visible(c, f)).reverse().map((call) => callRow(call, f));
  $("history").replaceChildren(...rows);
  $("history-count").textContent = String(rows.length);
  $("history-panel").hidden = store.forgotten.size === 0;
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
  const duration = recording.duration_seconds === null ? "" : seconds(recording.duration_seconds);
  card.querySelector(".meta").replaceChildren(
    el("span", { class: "mono", title: recording.id, text: short(recording.id) }),
    el("span", { class: "mono muted", title: recording.call_control_id, text: "call " + short(recording.call_control_id) }),
    el("span", { text: `${recording.format} · ${recording.channels}` }),
    el("span", { "data-testid": "duration", text: duration }),
    el("span", { class: `badge ${status}`, text: status }),
    recording.stop_reason ? el("span", { class: "muted small", text: recording.stop_reason }) : null,
    recording.completed ? el("button", { class: "small", type: "button", title: "show this recording in the Waveform panel",
      onclick: () => { $("waveform-recording").value = recording.id; waveformPinned = recording.id; render(); $("waveform-panel").scrollIntoView(); } }, "Waveform") : null);
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

function attemptCells(entry) {
  // The error goes under the URL, the widest column: a long connection error wraps there
  // instead of squeezing the URL to a letter per line and pushing Redeliver off-screen.
  return [
    el("td", { class: "mono nowrap" }, entry.status === null ? "–" : String(entry.status),
      el("div", { class: "muted small", text: `${entry.latency_ms.toFixed(1)} ms` })),
    el("td", { class: "nowrap" }, el("span", { class: `badge ${entry.outcome}`, title: entry.error || "", text: entry.outcome })),
    el("td", { class: "wide" }, el("div", { class: "url small", text: entry.url || "–" }),
      entry.error ? el("div", { class: "errors small", "data-testid": "webhook-error", text: entry.error }) : null),
  ];
}

// One row per event (its latest attempt), expandable to every attempt: retries of one event
// no longer fill the table and push Commands off the page.
function renderWebhooks(f) {
  const events = new Map();
  for (const entry of store.webhooks.values()) {
    if (!visible(entry, f) || (f.event && entry.event_type !== f.event)) continue;
    const group = events.get(entry.event_id);
    if (group) group.push(entry); else events.set(entry.event_id, [entry]);
  }
  const groups = Array.from(events.values()).sort((a, b) => b[b.length - 1].seq - a[a.length - 1].seq).slice(0, MAX_ROWS);
  const rows = [];
  for (const attempts of groups) {
    const latest = attempts[attempts.length - 1];
    const key = `e${latest.event_id}`;
    const open = openDetails.has(key);
    const expander = attempts.length > 1
      ? el("button", { class: "expander", type: "button", "aria-expanded": open ? "true" : "false",
          title: open ? "hide the attempts" : "show every attempt",
          onclick: () => { if (open) openDetails.delete(key); else openDetails.add(key); render(); } },
          `${attempts.length} ${open ? "▾" : "▸"}`)
      : el("span", { class: "mono", text: "1" });
    rows.push(el("tr", {
        class: "event",
        dataset: { seq: latest.seq, eventType: latest.event_type, eventId: latest.event_id, attempt: latest.attempt, attempts: attempts.length, outcome: latest.outcome } },
      el("td", { class: "mono", text: latest.seq }),
      el("td", { class: "mono", text: time(attempts[0].simulated_at) }),
      el("td", { class: "mono" }, latest.event_type, details(`w${latest.seq}`, "body", json(latest.body))),
      el("td", { class: "mono", title: latest.call_control_id }, short(latest.call_control_id),
        el("div", { class: "muted small", title: "tenant (API key)", text: latest.tenant })),
      el("td", { class: "nowrap" }, expander),
      ...attemptCells(latest),
      el("td", {}, el("button", { class: "small", type: "button", title: "send this event again as its next attempt",
        onclick: () => act("redeliver", () => api("POST", `/_mock/webhooks/${latest.seq}/redeliver`)) }, "Redeliver"))));
    if (open) {
      for (const entry of attempts.slice().reverse()) {
        rows.push(el("tr", { class: "attempt", dataset: { seq: entry.seq, eventId: entry.event_id, attempt: entry.attempt, outcome: entry.outcome } },
          el("td", { class: "mono", text: entry.seq }),
          el("td", { class: "mono", text: time(entry.simulated_at) }),
          el("td", { class: "mono muted", text: `attempt ${entry.attempt}` }),
          el("td", {}),
          el("td", { class: "mono", text: entry.attempt }),
          ...attemptCells(entry),
          el("td", {})));
      }
    }
  }
  $("webhooks").replaceChildren(...rows);
}

// -- timeline and waveform (hand-written SVG) ---------------------------------------------------

function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function epoch(iso) {
  return iso ? Date.parse(iso.slice(0, 23) + "Z") / 1000 : null;
}

// A tick step giving at most ~10 ticks over `span` seconds.
function tickStep(span, width) {
  const most = Math.max(2, Math.floor(width / 70));
  for (const step of [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200]) {
    if (span / step <= most) return step;
  }
  return 14400;
}

function tickLabel(value, step) {
  if (step < 1) return `${value.toFixed(step < 0.1 ? 2 : 1)} s`;
  if (value >= 120 && step >= 60) return `${Math.round(value / 60)} min`;
  return `${Math.round(value)} s`;
}

function axis(x0, width, span, y, height) {
  const step = tickStep(span, width);
  const group = svg("g", { class: "axis", "aria-hidden": "true" });
  for (let t = 0; t <= span + 1e-9; t += step) {
    const x = x0 + (t / span) * width;
    group.append(svg("line", { x1: x, x2: x, y1: y, y2: y + height }),
      svg("text", { x, y: y - 3, "text-anchor": "middle", text: tickLabel(t, step) }));
  }
  return group;
}

function allCalls() {
  return [...store.calls.values(), ...store.forgotten.values()]
    .sort((a, b) => (epoch(b.start_time) || 0) - (epoch(a.start_time) || 0));
}

function timelineCall(f) {
  const select = $("timeline-call");
  const calls = allCalls().filter((c) => !f.tenant || c.tenant === f.tenant);
  const ids = calls.map((c) => c.call_control_id);
  const have = Array.from(select.options).map((o) => o.value);
  const current = f.call || select.value;
  if (have.length !== ids.length || have.some((v, i) => v !== ids[i])) {
    select.replaceChildren(...calls.map((c) => el("option", { value: c.call_control_id,
      text: `${short(c.call_control_id)}  ${c.from} → ${c.to}  ${c.state}${c.forgotten ? " (forgotten by the API)" : ""}` })));
  }
  select.value = ids.includes(current) ? current : (ids[0] || "");
  return store.calls.get(select.value) || store.forgotten.get(select.value) || null;
}

function renderTimeline(f) {
  const box = $("timeline");
  const call = timelineCall(f);
  $("no-timeline").hidden = Boolean(call);
  if (!call) { box.replaceChildren(); box.dataset.signature = ""; return; }
  const id = call.call_control_id;
  // Every leg of the call's session (a transfer's or a bridge's other party) on one axis: the
  // chosen call first, then the others by start time.
  const legs = [call, ...allCalls().filter((c) => c.call_control_id !== id && c.tenant === call.tenant
    && c.call_session_id && c.call_session_id === call.call_session_id)
    .sort((a, b) => (epoch(a.start_time) || 0) - (epoch(b.start_time) || 0))];
  const legIds = new Set(legs.map((c) => c.call_control_id));
  // Legs are lettered A (the chosen call), B, C… in labels when there is more than one.
  const letter = new Map(legs.map((c, i) => [c.call_control_id, String.fromCharCode(65 + Math.min(i, 25))]));
  const ofLeg = (callId) => (legs.length > 1 ? `leg ${letter.get(callId)}: ` : "");
  const commands = Array.from(store.commands.values()).filter((c) => legIds.has(c.call_control_id));
  const hooks = Array.from(store.webhooks.values()).filter((w) => legIds.has(w.call_control_id));
  const recordings = Array.from(store.recordings.values()).filter((r) => legIds.has(r.call_control_id));
  const now = store.clock ? epoch(store.clock.now) : null;
  const times = [...legs.flatMap((c) => [epoch(c.start_time), epoch(c.ended_at)]), ...commands.map((c) => epoch(c.simulated_at)),
    ...hooks.map((w) => epoch(w.simulated_at)), ...recordings.flatMap((r) => [epoch(r.started_at), epoch(r.ended_at)])]
    .filter((t) => t !== null);
  if (legs.some((c) => c.is_alive) && now !== null) times.push(now);
  const t0 = Math.min(...times);
  const span = Math.max(Math.max(...times) - t0, 1) * 1.02;

  const gutter = 170;
  const width = Math.max(box.clientWidth || 900, 600);
  // Redraw only when something on it changed: a redraw would take keyboard focus away.
  const signature = JSON.stringify([id, legs.map((c) => c.state), commands.length, hooks.length, width, t0, span,
    recordings.map((r) => [r.id, r.state, r.ended_at, r.duration_seconds])]);
  if (box.dataset.signature === signature) return;
  box.dataset.signature = signature;
  const plot = width - gutter - 16;
  const x = (t) => gutter + ((t - t0) / span) * plot;
  const laneHeight = 24;
  const top = 18;
  const items = [];
  const lanes = [];
  let lane = 0;
  const detail = (text) => () => { $("timeline-detail").textContent = text; };
  function item(kind, label, data, shape) {
    const g = svg("g", { class: "tl-item", tabindex: "0", role: "listitem", "aria-label": label,
      dataset: { kind, ...data }, onfocus: detail(label), onmouseenter: detail(label) }, svg("title", { text: label }), ...shape);
    items.push(g);
  }
  function newLane(name, testid) {
    const y = top + lane * laneHeight;
    lanes.push(svg("rect", { class: "lane-bg", x: gutter, y: y + 2, width: plot, height: laneHeight - 4 }),
      svg("text", { x: gutter - 8, y: y + laneHeight / 2 + 4, "text-anchor": "end", "data-testid": testid, text: name }));
    lane += 1;
    return y;
  }
  const rel = (t) => `+${(t - t0).toFixed(3)} s`;

  // Each leg's states as spans, one lane per leg.
  let y = 0;
  let endOr = null;
  for (const leg of legs) {
    const chosen = leg === call;
    // The leg's far end names it (the gutter fits ~22 characters); hover shows both numbers.
    const name = legs.length > 1 ? `${letter.get(leg.call_control_id)}: → ${leg.to}` : "call";
    y = newLane(name.length > 22 ? `${name.slice(0, 21)}…` : name, chosen ? "lane-call" : "lane-leg");
    const start = epoch(leg.start_time);
    const answered = epoch(leg.answered_at);
    const ended = epoch(leg.ended_at);
    const legEnd = ended !== null ? ended : (now !== null ? now : start);
    if (chosen) endOr = legEnd;
    const states = [];
    if (answered !== null) states.push([leg.direction === "incoming" ? "parked" : "initiated", start, answered], ["answered", answered, legEnd]);
    else states.push([leg.direction === "incoming" ? "parked" : "initiated", start, legEnd]);
    const data = { leg: leg.call_control_id };
    for (const [state, a, b] of states) {
      const w = Math.max(x(b) - x(a), 2);
      item("state", `${ofLeg(leg.call_control_id)}call ${state} ${rel(a)} to ${rel(b)}`, { state, ...data }, [
        svg("rect", { class: `mark ${state}`, x: x(a), y: y + 5, width: w, height: laneHeight - 10, rx: 3 }),
        w > 60 ? svg("text", { class: "span-label", x: x(a) + 4, y: y + laneHeight / 2 + 4, text: state }) : null]);
    }
    if (ended !== null) {
      item("state", `${ofLeg(leg.call_control_id)}call ended ${rel(ended)}: ${leg.hangup_cause || ""} (${leg.hangup_source || ""})`, { state: "ended", ...data }, [
        svg("rect", { class: "mark ended", x: x(ended) - 2, y: y + 3, width: 4, height: laneHeight - 6 })]);
    }
  }

  // Recordings as spans.
  y = newLane("recordings", "lane-recordings");
  for (const recording of recordings) {
    const a = epoch(recording.started_at);
    const b = epoch(recording.ended_at) ?? endOr;
    const status = recording.completed ? "completed" : recording.failed ? "failed" : recording.state;
    const length = recording.duration_seconds === null ? "" : ` ${seconds(recording.duration_seconds)}`;
    const label = `${ofLeg(recording.call_control_id)}recording ${recording.format} ${recording.channels}${length} ${status} ${rel(a)} to ${rel(b)}`;
    const w = Math.max(x(b) - x(a), 3);
    item("recording", label, { recordingId: recording.id, channels: recording.channels, status, leg: recording.call_control_id }, [
      svg("rect", { class: `mark ${status}`, x: x(a), y: y + 5, width: w, height: laneHeight - 10, rx: 3 }),
      w > 80 ? svg("text", { class: "span-label", x: x(a) + 4, y: y + laneHeight / 2 + 4, text: `${recording.format} · ${recording.channels}${length}` }) : null]);
  }

  // Commands with their answers (labels alternate above and below to overlap less).
  y = newLane("commands", "lane-commands");
  commands.sort((a, b) => a.seq - b.seq).forEach((entry, index) => {
    const t = epoch(entry.simulated_at);
    const cx = x(t);
    const cy = y + laneHeight / 2;
    const answer = entry.ok ? `${entry.status} ok` : `${entry.status} ${entry.errors.map((e) => e.code).join(",")}`;
    const label = `${ofLeg(entry.call_control_id)}command ${entry.command} ${rel(t)} answered ${answer}`;
    item("command", label, { command: entry.command, ok: entry.ok ? "1" : "0", status: String(entry.status), leg: entry.call_control_id }, [
      svg("path", { class: `mark ${entry.ok ? "ok" : "rejected"}`, d: `M${cx},${cy - 7}L${cx + 7},${cy}L${cx},${cy + 7}L${cx - 7},${cy}Z` }),
      svg("text", { x: cx + 9, y: index % 2 ? cy + 11 : cy - 2, text: `${entry.command} ${entry.status}` })]);
  });

  // Webhooks: one lane per event, a dot per attempt.
  const events = new Map();
  for (const entry of hooks.sort((a, b) => a.seq - b.seq)) {
    if (!events.has(entry.event_id)) events.set(entry.event_id, []);
    events.get(entry.event_id).push(entry);
  }
  for (const attempts of Array.from(events.values()).slice(0, 40)) {
    y = newLane(legs.length > 1 ? `${letter.get(attempts[0].call_control_id)}: ${attempts[0].event_type}` : attempts[0].event_type, "lane-event");
    attempts.forEach((entry) => {
      const t = epoch(entry.simulated_at);
      const what = entry.outcome === "delivered" ? `delivered (HTTP ${entry.status})` : `${entry.outcome}${entry.error ? ": " + entry.error : ""}`;
      const label = `${ofLeg(entry.call_control_id)}webhook ${entry.event_type} attempt ${entry.attempt} ${rel(t)} to ${entry.url || "no URL"}: ${what}`;
      item("attempt", label, { eventType: entry.event_type, attempt: String(entry.attempt), outcome: entry.outcome, leg: entry.call_control_id }, [
        svg("circle", { class: `mark ${entry.outcome}`, cx: x(t) + (entry.attempt > 1 ? 0 : 0), cy: y + laneHeight / 2, r: 6 }),
        svg("text", { x: x(t) + 8, y: y + laneHeight / 2 + 4, text: String(entry.attempt) })]);
    });
  }

  const height = top + lane * laneHeight + 4;
  const chart = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "list",
      "aria-label": `Timeline of call ${id}${legs.length > 1 ? ` and ${legs.length - 1} other leg(s) of its session` : ""}: ${commands.length} commands, ${events.size} webhooks, ${recordings.length} recordings` },
    axis(gutter, plot, span, top, lane * laneHeight), ...lanes, ...items);
  box.replaceChildren(chart);
}

let waveformPinned = "";
const waveforms = new Map();      // "id|points" -> data, or a pending promise marker
let waveformShown = "";

function renderWaveform(f) {
  const select = $("waveform-recording");
  const saved = Array.from(store.recordings.values()).filter((r) => r.completed && (!f.tenant || r.tenant === f.tenant)).reverse();
  const ids = saved.map((r) => r.id);
  const have = Array.from(select.options).map((o) => o.value);
  if (have.length !== ids.length || have.some((v, i) => v !== ids[i])) {
    select.replaceChildren(...saved.map((r) => el("option", { value: r.id,
      text: `${short(r.id)}  call ${short(r.call_control_id)}  ${r.format} · ${r.channels}  ${seconds(r.duration_seconds)}` })));
  }
  const ofCall = saved.find((r) => r.call_control_id === $("timeline-call").value);
  const chosen = ids.includes(waveformPinned) ? waveformPinned : (ofCall ? ofCall.id : ids[0] || "");
  select.value = chosen;
  $("no-waveform").hidden = Boolean(chosen);
  const box = $("waveform");
  if (!chosen) { box.replaceChildren(); waveformShown = ""; return; }
  const recording = store.recordings.get(chosen);
  const width = Math.max(box.clientWidth || 900, 600);
  const points = Math.min(1000, Math.floor((width - 120) / 2));
  const key = `${chosen}|${points}`;
  if (waveformShown === key) return;  // drawn already: keep the player as it is
  const data = waveforms.get(key);
  if (data === undefined) {
    waveforms.set(key, null);
    api("GET", `/_mock/recordings/${encodeURIComponent(chosen)}/waveform?points=${points}`)
      .then((answer) => { waveforms.set(key, answer.data); scheduleRender(); })
      .catch((error) => { waveforms.delete(key); say(String(error.message || error), true); });
    return;
  }
  if (data === null) return;  // loading
  waveformShown = key;
  drawWaveform(box, recording, data, width);
}

function drawWaveform(box, recording, data, width) {
  const gutter = 110;
  const plot = width - gutter - 16;
  const laneHeight = 64;
  const top = 18;
  const duration = Math.max(data.duration_seconds, 0.001);
  const x = (t) => gutter + (t / duration) * plot;
  const audio = el("audio", { controls: true, preload: "metadata", "data-testid": "waveform-audio",
    "aria-label": `recording ${recording.id}`, src: localUrl(recording.download_url) });
  const lanes = [];
  data.lanes.forEach((lane, index) => {
    const y = top + index * laneHeight;
    const mid = y + laneHeight / 2;
    // Speech the scenario scripted for this lane's side (both sides on a single channel).
    const sides = data.lanes.length === 2 ? [index === 0 ? "inbound" : "outbound"] : Object.keys(data.speech);
    const spans = sides.flatMap((side) => (data.speech[side] || []).map((span) => [side, span]));
    const peaks = lane.peaks;
    const step = plot / Math.max(peaks.length, 1);
    const half = laneHeight / 2 - 4;
    const upper = peaks.map((p, i) => `${(gutter + i * step).toFixed(1)},${(mid - Math.max(p * half, 0.5)).toFixed(1)}`);
    const lower = peaks.map((p, i) => `${(gutter + i * step).toFixed(1)},${(mid + Math.max(p * half, 0.5)).toFixed(1)}`).reverse();
    const spoken = spans.map(([side, [a, b]]) => `${side} ${a.toFixed(2)}–${b.toFixed(2)} s`).join(", ");
    lanes.push(svg("g", { role: "img", "data-testid": "waveform-lane", dataset: { label: lane.label, speechSpans: String(spans.length) },
        "aria-label": `${lane.label} channel: speech ${spoken || "none"}` },
      svg("rect", { class: "lane-bg", x: gutter, y: y + 2, width: plot, height: laneHeight - 4 }),
      ...spans.map(([side, [a, b]]) => svg("rect", { class: `speech ${side}`, "data-testid": "speech-span", x: x(a), y: y + 2,
        width: Math.max(x(b) - x(a), 1), height: laneHeight - 4 }, svg("title", { text: `${side} speaks ${a.toFixed(2)}–${b.toFixed(2)} s` }))),
      data.beep ? svg("rect", { class: "beep", x: x(data.beep[0]), y: y + 2, width: Math.max(x(data.beep[1]) - x(data.beep[0]), 1), height: laneHeight - 4 },
        svg("title", { text: "beep" })) : null,
      svg("polygon", { class: "peaks", points: [...upper, ...lower].join(" ") }),
      svg("text", { x: gutter - 8, y: mid + 4, "text-anchor": "end", text: lane.label })));
  });
  const height = top + data.lanes.length * laneHeight + 4;
  const playhead = svg("line", { class: "playhead", x1: gutter, x2: gutter, y1: top, y2: height - 2, "aria-hidden": "true" });
  const chart = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "group", "data-channels": String(data.channels),
      "aria-label": `Waveform of recording ${recording.id}, ${seconds(data.duration_seconds)}, ${data.lanes.length === 2 ? "two channels" : "one channel"}; click to seek`,
      onclick: (e) => {
        const box = e.currentTarget.getBoundingClientRect();
        const t = ((e.clientX - box.left) * (width / box.width) - gutter) / plot * duration;
        if (t >= 0 && t <= duration) audio.currentTime = t;
      } },
    axis(gutter, plot, duration, top, data.lanes.length * laneHeight), ...lanes, playhead);
  audio.addEventListener("timeupdate", () => {
    const px = x(Math.min(audio.currentTime, duration));
    playhead.setAttribute("x1", px);
    playhead.setAttribute("x2", px);
  });
  box.replaceChildren(audio, chart);
}

// -- controls -------------------------------------------------------------------------------

function wire() {
  for (const id of ["filter-tenant", "filter-call", "filter-event"]) $(id).addEventListener("change", render);
  // A call picked here while the page is filtered by another becomes the filter too.
  $("timeline-call").addEventListener("change", () => {
    if ($("filter-call").value) $("filter-call").value = $("timeline-call").value;
    render();
  });
  $("waveform-recording").addEventListener("change", () => { waveformPinned = $("waveform-recording").value; render(); });
  let resizeTimer = null;
  window.addEventListener("resize", () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(render, 100); });
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
