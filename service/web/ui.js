// Small DOM and formatting helpers shared by the views. No framework: h() builds elements,
// and text always goes in as text (never as HTML), so nothing from an upload can inject markup.

export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") element.className = value;
    else if (key === "dataset") Object.assign(element.dataset, value);
    else if (key === "style") Object.assign(element.style, value);
    else if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
    else if (value === true) element.setAttribute(key, "");
    else element.setAttribute(key, String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

// Canvas's states, grouped by what a person should feel about them.
const STATE_TONES = {
  initializing: "queued", created: "queued",
  importing: "running", cleanup_batch: "running", restoring: "running",
  imported: "good", succeeded: "good", restored: "good",
  imported_with_messages: "warn", partially_restored: "warn",
  failed: "bad", failed_with_messages: "bad",
  aborted: "stopped",
};
export const RUNNING_STATES = new Set(["importing", "cleanup_batch", "restoring"]);
export const UNFINISHED_STATES = new Set(["initializing", "created", ...RUNNING_STATES]);

export function stateBadge(state) {
  const tone = STATE_TONES[state] || "queued";
  return h("span", {class: `state state-${tone}`, dataset: {state}}, state.replaceAll("_", " "));
}

export function progressBar(progress, state) {
  const running = RUNNING_STATES.has(state);
  const bar = h("div", {
    class: `bar${running ? " bar-live" : ""} bar-${STATE_TONES[state] || "queued"}`,
    role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": progress,
  }, h("div", {class: "bar-fill", style: {width: `${progress}%`}}));
  return h("div", {class: "progress"}, bar, h("span", {class: "progress-label"}, `${progress}%`));
}

// Update a bar made by progressBar() in place, so its width animates instead of jumping.
export function updateProgressBar(container, progress, state) {
  const fresh = progressBar(progress, state);
  const bar = container.querySelector(".bar");
  if (!bar) return clear(container, fresh);
  bar.className = fresh.firstChild.className;
  bar.setAttribute("aria-valuenow", progress);
  bar.firstChild.style.width = `${progress}%`;
  container.querySelector(".progress-label").textContent = `${progress}%`;
}

export function seconds(from, to) {
  if (!from) return null;
  const end = to ? Date.parse(to) : Date.now();
  return Math.max(0, (end - Date.parse(from)) / 1000);
}

export function formatDuration(total) {
  if (total === null || total === undefined) return "—";
  if (total < 1) return "<1 s";
  if (total < 60) return `${Math.round(total)} s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(total % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatNumber(value) {
  return value === null || value === undefined ? "—" : Number(value).toLocaleString("en-US");
}

export function formatRate(rows, duration) {
  if (!rows || !duration) return "—";
  return `${formatNumber(Math.round(rows / Math.max(duration, 0.001)))}/s`;
}

export function formatTime(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  const today = new Date();
  const time = date.toLocaleTimeString("en-GB", {hour: "2-digit", minute: "2-digit", second: "2-digit"});
  if (date.toDateString() === today.toDateString()) return time;
  return `${date.toLocaleDateString("en-CA")} ${time}`;
}

export function link(href, ...children) {
  return h("a", {href}, ...children);
}

// A short-lived message at the bottom of the window.
export function toast(message, tone = "info") {
  const box = document.getElementById("toasts");
  const note = h("div", {class: `toast toast-${tone}`, role: "status"}, message);
  box.append(note);
  setTimeout(() => note.remove(), tone === "error" ? 8000 : 4000);
}

export function emptyRow(columns, text) {
  return h("tr", {class: "empty"}, h("td", {colspan: columns}, text));
}

// Previous / next buttons for a Canvas Link header; total pages when the API gives a last link.
export function pager({page, links, onPage, label = null, previous = "← Previous", next = "Next →"}) {
  const last = links.last ? Number(new URL(links.last).searchParams.get("page")) : null;
  return h("div", {class: "pager"},
    h("button", {class: "ghost", disabled: page <= 1, onclick: () => onPage(page - 1)}, previous),
    h("span", {class: "pager-label"}, label || (last ? `Page ${page} of ${last}` : `Page ${page}`)),
    h("button", {class: "ghost", disabled: !links.next, onclick: () => onPage(page + 1)}, next),
  );
}
