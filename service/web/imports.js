// The imports: one list of SIS and outcome imports, newest first, that follows running imports
// by itself; one import opened with its messages, statistics, files and actions; and the form
// that starts a new one.

import {api, ApiError, routeExists} from "./api.js";
import {
  clear, emptyRow, formatDuration, formatNumber, formatRate, formatTime, h, link, pager,
  progressBar, RUNNING_STATES, seconds, stateBadge, toast, UNFINISHED_STATES, updateProgressBar,
} from "./ui.js";
import {contextName} from "./names.js";

const PER_PAGE = 20;
const MESSAGES_PER_PAGE = 50;
const FAST_POLL_MS = 1000;   // while something on screen is queued or running
const IDLE_POLL_MS = 4000;   // first page: new imports from other clients appear by themselves
// data.counts keys that are not rows imported: message counts and batch-mode deletions.
const META_COUNTS = new Set(["error_count", "warning_count"]);
const BATCH_DELETION_PREFIX = "batch_";

// ---------------------------------------------------------------------------------------------
// One shape for both kinds, so the list can mix them.

function sisItem(json) {
  const counts = json.data?.counts || {};
  const imported = Object.entries(counts)
    .filter(([key, value]) => !META_COUNTS.has(key) && !key.startsWith(BATCH_DELETION_PREFIX) && value);
  const rows = imported.reduce((sum, [, value]) => sum + value, 0);
  return {
    kind: "sis", key: `sis-${json.id}`, id: json.id, json,
    href: `#/sis/${json.account_id}/${json.id}`,
    where: {type: "Account", id: json.account_id},
    state: json.workflow_state, progress: json.progress,
    created_at: json.created_at, started_at: json.started_at, ended_at: json.ended_at,
    imported, rows,
    warnings: counts.warning_count ?? (json.processing_warnings || []).length,
    errors: counts.error_count ?? (json.processing_errors || []).length,
    options: sisOptions(json),
  };
}

function outcomeItem(json) {
  const where = {type: json.context_type || "Account", id: json.context_id};
  return {
    kind: "outcome", key: `outcome-${json.id}`, id: json.id, json,
    href: `#/outcomes/${where.type.toLowerCase()}/${where.id}/${json.id}`,
    where, state: json.workflow_state, progress: json.progress,
    created_at: json.created_at, started_at: json.started_at, ended_at: json.ended_at,
    imported: [], rows: null, warnings: 0, errors: (json.processing_errors || []).length,
    options: json.learning_outcome_group_id ? [`into group ${json.learning_outcome_group_id}`] : [],
  };
}

function sisOptions(json) {
  const options = [];
  if (json.batch_mode) options.push(`batch mode${json.batch_mode_term_id ? `: term ${json.batch_mode_term_id}` : ""}`);
  if (json.multi_term_batch_mode) options.push("multi-term batch mode");
  if (json.diffing_data_set_identifier) {
    options.push(`diffing: ${json.diffing_data_set_identifier}${json.diffing_remaster ? " (remaster)" : ""}`);
  }
  if (json.override_sis_stickiness) {
    const extra = [json.add_sis_stickiness && "add", json.clear_sis_stickiness && "clear"].filter(Boolean);
    options.push(`override stickiness${extra.length ? ` (${extra.join(", ")})` : ""}`);
  }
  if (json.skip_deletes) options.push("skip deletes");
  if (json.update_sis_id_if_login_claimed) options.push("update SIS id if login claimed");
  if (json.change_threshold) options.push(`change threshold ${json.change_threshold}%`);
  if (json.diff_row_count_threshold) options.push(`diff row threshold ${json.diff_row_count_threshold}`);
  if (json.diffing_drop_status) options.push(`drop status: ${json.diffing_drop_status}`);
  if (json.diffing_user_remove_status) options.push(`user remove status: ${json.diffing_user_remove_status}`);
  return options;
}

function itemDuration(item) {
  if (!item.started_at) return null;
  if (!item.ended_at && !RUNNING_STATES.has(item.state)) return null;
  return seconds(item.started_at, item.ended_at);
}

// ---------------------------------------------------------------------------------------------
// The two lists, merged. Each kind is paginated by the API on its own; a page of the merged list
// is described by how many of each kind the pages before it showed.

// The state filter: each choice names the states of each kind it keeps, through the lists'
// own ``workflow_state[]``; a kind with none of them is left out of the merged list.
export const STATE_FILTERS = {
  any: {label: "Any state", sis: null, outcome: null},
  running: {label: "Queued or running",
    sis: ["initializing", "created", "importing", "cleanup_batch", "restoring"],
    outcome: ["initializing", "created", "importing"]},
  succeeded: {label: "Imported", sis: ["imported"], outcome: ["succeeded"]},
  messages: {label: "Imported with messages", sis: ["imported_with_messages"], outcome: []},
  failed: {label: "Failed", sis: ["failed", "failed_with_messages"], outcome: ["failed"]},
  aborted: {label: "Aborted", sis: ["aborted"], outcome: []},
  restored: {label: "Restored", sis: ["restored", "partially_restored"], outcome: []},
};

function sources(accountId, kind, stateFilter = "any") {
  const states = STATE_FILTERS[stateFilter] || STATE_FILTERS.any;
  const query = (name, page, perPage) => ({page, per_page: perPage, "workflow_state[]": states[name]});
  const all = {
    sis: async (page, perPage) => {
      const {data, links} = await api(`/api/v1/accounts/${accountId}/sis_imports`,
        {query: query("sis", page, perPage)});
      return {items: data.sis_imports.map(sisItem), hasNext: Boolean(links.next)};
    },
    outcome: async (page, perPage) => {
      const {data, links} = await api(`/api/v1/accounts/${accountId}/outcome_imports`,
        {query: query("outcome", page, perPage)});
      return {items: data.outcome_imports.map(outcomeItem), hasNext: Boolean(links.next)};
    },
  };
  const kinds = (kind === "all" ? Object.keys(all) : [kind])
    .filter((name) => states[name] === null || states[name].length);
  return Object.fromEntries(kinds.map((name) => [name, all[name]]));
}

// The items [offset, offset + count) of one kind: one or two API pages of ``count`` items.
async function slice(fetchPage, offset, count) {
  const page = Math.floor(offset / count) + 1;
  const skip = offset % count;
  const first = await fetchPage(page, count);
  let items = first.items.slice(skip);
  let more = first.hasNext;
  if (skip && more) {
    const second = await fetchPage(page + 1, count);
    items = items.concat(second.items);
    more = second.hasNext;
  }
  return {items: items.slice(0, count), more: more || items.length > count};
}

function newestFirst(a, b) {
  return b.created_at.localeCompare(a.created_at) || b.id - a.id;
}

export async function mergedPage(accountId, kind, offsets, count = PER_PAGE, stateFilter = "any") {
  const fetchers = sources(accountId, kind, stateFilter);
  const names = Object.keys(fetchers);
  const slices = await Promise.all(names.map((name) => slice(fetchers[name], offsets[name] || 0, count)));
  const items = slices.flatMap((s) => s.items).sort(newestFirst).slice(0, count);
  const next = {};
  let older = false;
  names.forEach((name, index) => {
    const shown = items.filter((item) => item.kind === name).length;
    next[name] = (offsets[name] || 0) + shown;
    older ||= slices[index].more || shown < slices[index].items.length;
  });
  return {items, next, older};
}

// ---------------------------------------------------------------------------------------------
// The list view.

const COLUMNS = ["ID", "Kind", "Where", "State", "Progress", "Imported", "Messages", "Duration",
  "Rows/s", "Options", "Created"];

function whereCell(where) {
  const label = h("span", {class: "where-name"});
  contextName(where.type, where.id).then((name) => { label.textContent = name; });
  const href = where.type === "Course" ? `#/browse/courses/${where.id}` : `#/browse/accounts/${where.id}`;
  return h("td", {class: "where"}, link(href, h("span", {class: "muted"}, `${where.type} ${where.id}`), " ", label));
}

function importedCell(item) {
  if (item.kind === "outcome") return h("td", {class: "muted"}, "outcomes");
  if (!item.imported.length) return h("td", {class: "muted"}, item.state === "created" ? "waiting" : "—");
  return h("td", {}, h("div", {class: "counts"}, item.imported.map(([key, value]) =>
    h("span", {class: "count", dataset: {count: key}}, h("b", {}, formatNumber(value)), ` ${key.replaceAll("_", " ")}`))));
}

function messagesCell(item) {
  const parts = [];
  if (item.errors) parts.push(h("span", {class: "msg msg-error", title: "errors"}, `✖ ${item.errors}`));
  if (item.warnings) parts.push(h("span", {class: "msg msg-warning", title: "warnings"}, `⚠ ${item.warnings}`));
  return h("td", {class: "messages"}, parts.length ? parts : h("span", {class: "muted"}, "—"));
}

function rowCells(item) {
  const duration = itemDuration(item);
  return [
    h("td", {class: "id"}, link(item.href, `#${item.id}`)),
    h("td", {}, h("span", {class: `kind kind-${item.kind}`}, item.kind === "sis" ? "SIS" : "Outcomes")),
    whereCell(item.where),
    h("td", {}, stateBadge(item.state)),
    h("td", {class: "progress-cell"}, progressBar(item.progress, item.state)),
    importedCell(item),
    messagesCell(item),
    h("td", {class: "num"}, formatDuration(duration)),
    h("td", {class: "num"}, formatRate(item.rows, duration)),
    h("td", {class: "options"}, item.options.length
      ? item.options.map((option) => h("span", {class: "chip"}, option)) : h("span", {class: "muted"}, "—")),
    h("td", {class: "time"}, formatTime(item.created_at)),
  ];
}

// Rows are kept and patched by key, so a bar that moves animates rather than being replaced.
function renderRows(tbody, items, emptyText = "No imports yet. Drop a file above to start one.") {
  const existing = new Map([...tbody.querySelectorAll("tr[data-key]")].map((tr) => [tr.dataset.key, tr]));
  const rows = items.map((item) => {
    let tr = existing.get(item.key);
    const cells = rowCells(item);
    if (tr) {
      const bar = tr.querySelector(".progress-cell");
      updateProgressBar(bar, item.progress, item.state);
      cells[4] = bar;
      tr.replaceChildren(...cells);
    } else {
      tr = h("tr", {dataset: {key: item.key, kind: item.kind, id: item.id, created: item.created_at}}, cells);
      tr.addEventListener("click", (event) => {
        if (!event.target.closest("a")) location.hash = item.href;
      });
    }
    tr.dataset.state = item.state;
    return tr;
  });
  tbody.replaceChildren(...(rows.length ? rows : [emptyRow(COLUMNS.length, emptyText)]));
}

export function importsView(root, context) {
  const state = {kind: "all", states: "any", stack: [{}], items: []};
  const tbody = h("tbody");
  const pagerBox = h("div");
  const live = h("span", {class: "live", title: "The list follows running imports by itself"});
  const kindTabs = h("div", {class: "segmented", role: "tablist"},
    ["all", "sis", "outcome"].map((kind) => h("button", {
      class: kind === state.kind ? "active" : "", dataset: {kind},
      onclick: (event) => {
        state.kind = kind;
        state.stack = [{}];
        kindTabs.querySelectorAll("button").forEach((b) => b.classList.toggle("active", b === event.currentTarget));
        refresh();
      },
    }, {all: "All", sis: "SIS", outcome: "Outcomes"}[kind])));
  const stateSelect = h("select", {id: "state-filter", "aria-label": "State",
    onchange: () => {
      state.states = stateSelect.value;
      state.stack = [{}];
      refresh();
    }}, Object.entries(STATE_FILTERS).map(([value, {label}]) => h("option", {value}, label)));

  clear(root,
    uploadCard(context, (created) => {
      // Show the new import at once: back to the first page of every state, then follow it.
      state.stack = [{}];
      state.states = stateSelect.value = "any";
      state.items = [created, ...state.items.filter((i) => i.key !== created.key)].slice(0, PER_PAGE);
      renderRows(tbody, state.items);
      refresh();
    }),
    h("section", {class: "card"},
      h("div", {class: "card-head"}, h("h2", {}, "Imports", live),
        h("div", {class: "filters"}, stateSelect, kindTabs)),
      h("div", {class: "table-wrap"},
        h("table", {class: "imports", id: "imports-table"},
          h("thead", {}, h("tr", {}, COLUMNS.map((c) => h("th", {}, c)))), tbody)),
      pagerBox));

  let timer = null;
  let generation = 0;
  async function refresh() {
    clearTimeout(timer);
    const mine = ++generation;
    const page = state.stack.length;
    try {
      const result = await mergedPage(context.accountId, state.kind, state.stack[page - 1], PER_PAGE,
        state.states);
      if (mine !== generation || context.disposed()) return;
      state.items = result.items;
      renderRows(tbody, result.items, state.states === "any" ? undefined : "No imports in this state.");
      clear(pagerBox, pager({
        page, links: result.older ? {next: true} : {}, previous: "← Newer", next: "Older →",
        onPage: (target) => {
          if (target > page) state.stack.push(result.next);
          else state.stack.pop();
          refresh();
        },
      }));
    } catch (error) {
      if (mine !== generation || context.disposed()) return;
      if (!(error instanceof ApiError && error.status === 401)) toast(error.message, "error");
    }
    const busy = state.items.some((item) => UNFINISHED_STATES.has(item.state));
    live.classList.toggle("on", busy);
    if (busy || page === 1) timer = setTimeout(refresh, busy ? FAST_POLL_MS : IDLE_POLL_MS);
  }
  context.onDispose(() => { generation++; clearTimeout(timer); });
  refresh();
}

// ---------------------------------------------------------------------------------------------
// Starting an import.

function uploadCard(context, onCreated) {
  let file = null;
  const input = h("input", {type: "file", id: "upload-file", accept: ".csv,.zip,text/csv,application/zip", hidden: true});
  const chosen = h("div", {class: "chosen muted"}, "No file chosen");
  const drop = h("label", {class: "dropzone", for: "upload-file", id: "dropzone"},
    h("div", {class: "dropzone-icon", "aria-hidden": "true"}, "⇪"),
    h("div", {}, h("b", {}, "Drop a CSV or ZIP here"), " or click to choose one"),
    chosen, input);
  const choose = (picked) => {
    file = picked || null;
    chosen.textContent = file ? `${file.name} · ${formatBytes(file.size)}` : "No file chosen";
    chosen.classList.toggle("muted", !file);
    drop.classList.toggle("has-file", Boolean(file));
  };
  input.addEventListener("change", () => choose(input.files[0]));
  drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    choose(event.dataTransfer.files[0]);
  });

  const field = (label, control, hint = null) =>
    h("label", {class: "field"}, h("span", {}, label), control, hint && h("small", {class: "muted"}, hint));
  const check = (name, label) =>
    h("label", {class: "check"}, h("input", {type: "checkbox", name}), " ", label);
  const text = (name, placeholder) => h("input", {type: "text", name, placeholder, autocomplete: "off"});

  const terms = h("datalist", {id: "term-list"});
  const termInput = h("input", {type: "text", name: "batch_mode_term_id", list: "term-list",
    placeholder: "term id or sis_term_id:…", autocomplete: "off"});
  fillTerms(context.accountId, terms);

  const sisOptions = h("div", {class: "options-grid", id: "sis-options"},
    h("div", {class: "option-group"},
      check("batch_mode", "Batch mode"),
      field("Batch mode term", termInput, "Objects of this term that the file leaves out are deleted")),
    h("div", {class: "option-group"},
      field("Diffing data set", text("diffing_data_set_identifier", "e.g. nightly-feed"),
        "Only the changes since the last import of this set are applied"),
      check("diffing_remaster_data_set", "Remaster the data set")),
    h("div", {class: "option-group"},
      check("override_sis_stickiness", "Override stickiness"),
      check("add_sis_stickiness", "Add stickiness"),
      check("clear_sis_stickiness", "Clear stickiness")),
    h("div", {class: "option-group"},
      check("skip_deletes", "Skip deletes"),
      check("update_sis_id_if_login_claimed", "Update SIS id if login claimed")));

  const targetType = h("select", {name: "target_type"},
    h("option", {value: "account"}, "Account"), h("option", {value: "course"}, "Course"));
  const outcomeOptions = h("div", {class: "options-grid", id: "outcome-options", hidden: true},
    h("div", {class: "option-group"},
      field("Into", targetType),
      field("Id", text("target_id", "self, 12 or sis_course_id:…"), "Blank: the root account")),
    h("div", {class: "option-group"},
      field("Outcome group", text("group_id", "optional group id"), "Blank: the context's root group")));

  const kindSwitch = h("div", {class: "segmented", role: "radiogroup"},
    h("button", {type: "button", class: "active", dataset: {kind: "sis"}}, "SIS import"),
    h("button", {type: "button", dataset: {kind: "outcome"}}, "Outcomes"));
  let kind = "sis";
  kindSwitch.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    kind = button.dataset.kind;
    kindSwitch.querySelectorAll("button").forEach((b) => b.classList.toggle("active", b === button));
    sisOptions.hidden = kind !== "sis";
    outcomeOptions.hidden = kind !== "outcome";
  });

  const submit = h("button", {type: "submit", class: "primary", id: "start-import"}, "Start import");
  const form = h("form", {class: "upload-form"},
    h("div", {class: "upload-top"}, drop,
      h("div", {class: "upload-side"},
        h("div", {class: "field"}, h("span", {}, "Kind"), kindSwitch),
        h("p", {class: "muted small"}, "SIS imports run on the root account; outcomes go into an account or a course."),
        submit)),
    h("details", {class: "more-options"}, h("summary", {}, "Options: batch mode, diffing, stickiness, skip deletes"), sisOptions, outcomeOptions));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!file) {
      toast("Choose a file first.", "error");
      return;
    }
    submit.disabled = true;
    submit.textContent = "Uploading…";
    try {
      const created = kind === "sis" ? await startSis(context.accountId, form, file)
        : await startOutcomes(form, file);
      toast(`Import #${created.id} started.`, "good");
      onCreated(created);
      choose(null);
      input.value = "";
    } catch (error) {
      toast(`Not started: ${error.message}`, "error");
    } finally {
      submit.disabled = false;
      submit.textContent = "Start import";
    }
  });
  return h("section", {class: "card upload"}, h("div", {class: "card-head"}, h("h2", {}, "Start an import")), form);
}

function formatBytes(size) {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

async function fillTerms(accountId, datalist) {
  // Suggestions only: a server without the terms endpoint simply offers none.
  try {
    const {data} = await api(`/api/v1/accounts/${accountId}/terms`, {query: {per_page: 100}});
    for (const term of data.enrollment_terms || []) {
      datalist.append(h("option", {value: term.sis_term_id ? `sis_term_id:${term.sis_term_id}` : term.id}, term.name));
    }
  } catch { /* no suggestions */ }
}

function checked(form, name) {
  return form.elements[name]?.checked;
}

async function startSis(accountId, form, file) {
  const body = new FormData();
  body.append("import_type", "instructure_csv");
  // Only what the person chose is sent: every unset option keeps the API's default.
  for (const name of ["batch_mode", "diffing_remaster_data_set", "override_sis_stickiness",
    "add_sis_stickiness", "clear_sis_stickiness", "skip_deletes", "update_sis_id_if_login_claimed"]) {
    if (checked(form, name)) body.append(name, "true");
  }
  for (const name of ["batch_mode_term_id", "diffing_data_set_identifier"]) {
    const value = form.elements[name].value.trim();
    if (value && (name !== "batch_mode_term_id" || checked(form, "batch_mode"))) body.append(name, value);
  }
  body.append("attachment", file, file.name);
  const {data} = await api(`/api/v1/accounts/${accountId}/sis_imports`, {method: "POST", body});
  return sisItem(data);
}

async function startOutcomes(form, file) {
  const type = form.elements.target_type.value === "course" ? "courses" : "accounts";
  const target = form.elements.target_id.value.trim() || (type === "accounts" ? "self" : "");
  if (!target) throw new Error("say which course");
  const group = form.elements.group_id.value.trim();
  const body = new FormData();
  body.append("import_type", "instructure_csv");
  body.append("attachment", file, file.name);
  const path = `/api/v1/${type}/${encodeURIComponent(target)}/outcome_imports${group ? `/group/${encodeURIComponent(group)}` : ""}`;
  const {data} = await api(path, {method: "POST", body});
  // The create answer has no context (Canvas's JSON); the list entry it will become does.
  const context = await api(`/api/v1/${type}/${encodeURIComponent(target)}`);
  return outcomeItem({...data, context_type: type === "courses" ? "Course" : "Account",
    context_id: context.data.id, learning_outcome_group_id: group || null});
}

// ---------------------------------------------------------------------------------------------
// One SIS import opened.

const STAT_COLUMNS = ["created", "concluded", "deactivated", "restored", "deleted"];
const PROGRESS_RUNNING = new Set(["queued", "running"]);
const ABORTABLE_STATES = new Set(["initializing", "created", "importing", "cleanup_batch"]);
// Restore undoes what a finished import changed. Not offered while it runs or restores, for an
// aborted one, nor once everything is restored; a partial restore leaves the rest to restore.
const RESTORABLE_STATES = new Set(["imported", "imported_with_messages", "failed",
  "failed_with_messages", "partially_restored"]);

export function sisImportView(root, context, accountId, importId) {
  const head = h("div", {class: "detail-head"});
  const facts = h("div", {class: "facts"});
  const countsBox = h("div");
  const statsBox = h("div");
  const downloads = h("div");
  const failureBox = h("div");
  const messages = messagesPanel(accountId, importId, context);
  clear(root,
    h("p", {class: "crumbs"}, link("#/imports", "← All imports")),
    h("section", {class: "card"}, head, failureBox, facts),
    h("div", {class: "two-columns"},
      h("section", {class: "card"}, h("h3", {}, "Imported"), countsBox),
      h("section", {class: "card"}, h("h3", {}, "Statistics"), statsBox)),
    h("section", {class: "card"}, h("h3", {}, "Files"), downloads),
    messages.element);

  let restoreSupported = null;
  let timer = null;
  let lastState = null;
  // The Progress of a restore this page started: the import may still read its old state for a
  // moment after the PUT (the restore waits in the queue), so the page follows the Progress
  // until it ends rather than stopping at the first finished-looking state.
  let restoreProgress = null;
  async function load() {
    clearTimeout(timer);
    // The Progress is read before the import: a restore completes it in the transaction that
    // writes the import's new state, so an import read after a finished Progress shows that
    // state. Read the other way round, the import could still show its old state while the
    // Progress already said done, and the page stopped polling on the old state.
    if (restoreProgress) {
      try {
        const {data: progress} = await api(`/api/v1/progress/${restoreProgress}`);
        if (!PROGRESS_RUNNING.has(progress.workflow_state)) restoreProgress = null;
      } catch {
        restoreProgress = null;
      }
      if (context.disposed()) return;
    }
    let json;
    try {
      ({data: json} = await api(`/api/v1/accounts/${accountId}/sis_imports/${importId}`));
    } catch (error) {
      if (!context.disposed()) clear(root, h("p", {class: "crumbs"}, link("#/imports", "← All imports")),
        h("section", {class: "card"}, h("p", {class: "error-text"}, error.message)));
      return;
    }
    if (context.disposed()) return;
    if (restoreSupported === null) {
      restoreSupported = await routeExists(`/api/v1/accounts/${accountId}/sis_imports/${importId}/restore_states`);
    }
    renderSis(json);
    if (lastState !== json.workflow_state) messages.reload();
    lastState = json.workflow_state;
    if (restoreProgress || UNFINISHED_STATES.has(json.workflow_state)) timer = setTimeout(load, FAST_POLL_MS);
  }

  function renderSis(json) {
    const item = sisItem(json);
    const duration = itemDuration(item);
    const actions = h("div", {class: "actions"});
    if (ABORTABLE_STATES.has(json.workflow_state)) {
      actions.append(h("button", {class: "danger", id: "abort-import", onclick: () => abort()}, "Abort import"));
    }
    if (restoreSupported && RESTORABLE_STATES.has(json.workflow_state)) {
      actions.append(restoreControls(accountId, importId, (progress) => {
        restoreProgress = progress?.id ?? null;
        load();
      }));
    }
    const existingBar = head.querySelector(".progress");
    clear(head,
      h("div", {class: "detail-title"},
        h("h2", {}, `SIS import #${json.id}`), stateBadge(json.workflow_state),
        h("span", {class: "muted"}, "into ", h("span", {class: "where-name", id: "detail-where"}, `Account ${json.account_id}`))),
      actions);
    contextName("Account", json.account_id).then((name) => {
      const where = head.querySelector("#detail-where");
      if (where) where.textContent = name;
    });
    const bar = existingBar ? existingBar.parentElement : h("div", {class: "detail-progress"});
    if (existingBar) updateProgressBar(bar, json.progress, json.workflow_state);
    else bar.append(progressBar(json.progress, json.workflow_state));
    head.append(bar);

    clear(failureBox, json.data?.error_message
      ? h("div", {class: "alert alert-bad"}, h("b", {}, "The import stopped: "), json.data.error_message) : null);

    const fact = (label, value) => h("div", {class: "fact"}, h("span", {class: "muted"}, label), h("b", {}, value));
    clear(facts,
      fact("Created", formatTime(json.created_at)),
      fact("Started", formatTime(json.started_at)),
      fact("Ended", formatTime(json.ended_at)),
      fact("Duration", formatDuration(duration)),
      fact("Rows imported", formatNumber(item.rows)),
      fact("Rows/s", formatRate(item.rows, duration)),
      fact("Warnings", formatNumber(item.warnings)),
      fact("Errors", formatNumber(item.errors)),
      fact("Files", (json.data?.supplied_batches || []).join(", ") || "—"),
      fact("Options", item.options.join(" · ") || "none"));

    const counts = Object.entries(json.data?.counts || {});
    clear(countsBox, counts.length ? h("table", {class: "compact", id: "counts-table"},
      h("tbody", {}, counts.filter(([key, value]) => value || key.endsWith("_count") || item.imported.length === 0)
        .map(([key, value]) => h("tr", {class: value ? "" : "zero"}, h("th", {}, key.replaceAll("_", " ")),
          h("td", {class: "num", dataset: {count: key}}, formatNumber(value))))))
      : h("p", {class: "muted"}, "Counts appear once the import has run."));

    const statistics = json.data?.statistics;
    if (statistics) {
      const types = Object.entries(statistics).filter(([, value]) => typeof value === "object");
      const busy = types.filter(([, value]) => Object.values(value).some(Boolean));
      clear(statsBox,
        h("p", {class: "muted small"}, `${formatNumber(statistics.total_state_changes)} state changes recorded for restore`),
        h("table", {class: "compact stats"},
          h("thead", {}, h("tr", {}, h("th", {}, "Type"), STAT_COLUMNS.map((c) => h("th", {class: "num"}, c)))),
          h("tbody", {}, (busy.length ? busy : types).map(([type, value]) => h("tr", {},
            h("th", {}, type), STAT_COLUMNS.map((c) => h("td", {class: "num"}, c in value ? formatNumber(value[c]) : "")))))));
    } else {
      clear(statsBox, h("p", {class: "muted"}, "Statistics appear once the import has run."));
    }

    const fileLink = (file, note) => h("li", {},
      h("a", {href: file.url, download: file.display_name}, file.display_name),
      h("span", {class: "muted"}, ` · ${formatBytes(file.size)} · ${note}`));
    const files = [
      ...(json.errors_attachment ? [fileLink(json.errors_attachment, "every message of this import")] : []),
      ...(json.csv_attachments || []).map((f) => fileLink(f, "as imported")),
      ...(json.diffed_csv_attachments || []).map((f) => fileLink(f, "after diffing")),
    ];
    clear(downloads, files.length ? h("ul", {class: "files", id: "downloads"}, files)
      : h("p", {class: "muted"}, "No files yet."));
  }

  async function abort() {
    if (!confirm(`Abort import #${importId}? What it already wrote stays.`)) return;
    try {
      await api(`/api/v1/accounts/${accountId}/sis_imports/${importId}/abort`, {method: "PUT"});
      toast(`Import #${importId} aborted.`, "good");
    } catch (error) {
      toast(`Not aborted: ${error.message}`, "error");
    }
    load();
  }

  context.onDispose(() => clearTimeout(timer));
  load();
}

function restoreControls(accountId, importId, onQueued) {
  const option = (name, label) => h("label", {class: "check"}, h("input", {type: "checkbox", name}), " ", label);
  const box = h("form", {class: "restore"},
    option("undelete_only", "undelete only"), option("unconclude_only", "unconclude only"),
    option("batch_mode", "batch mode"),
    h("button", {type: "submit", class: "ghost", id: "restore-import"}, "Restore states"));
  box.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!confirm(`Undo what import #${importId} changed?`)) return;
    const query = {};
    for (const name of ["undelete_only", "unconclude_only", "batch_mode"]) {
      if (box.elements[name].checked) query[name] = "true";
    }
    let progress = null;
    try {
      ({data: progress} = await api(`/api/v1/accounts/${accountId}/sis_imports/${importId}/restore_states`,
        {method: "PUT", query}));
      toast(`Restoring the states import #${importId} changed.`, "good");
    } catch (error) {
      toast(`Not restored: ${error.message}`, "error");
    }
    onQueued(progress);
  });
  return box;
}

const EMPTY_MESSAGES = {
  all: "No messages: every row went in cleanly.", failure: "No errors.", warning: "No warnings.",
};

function messagesPanel(accountId, importId, context) {
  let page = 1;
  let level = "all";
  const tbody = h("tbody");
  const pagerBox = h("div");
  const summary = h("span", {class: "muted small"});
  const filter = h("div", {class: "segmented", id: "message-filter"},
    h("button", {class: "active", dataset: {filter: "all"}}, "All messages"),
    h("button", {dataset: {filter: "failure"}}, "Errors only"),
    h("button", {dataset: {filter: "warning"}}, "Warnings only"));
  filter.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    level = button.dataset.filter;
    filter.querySelectorAll("button").forEach((b) => b.classList.toggle("active", b === button));
    page = 1;
    reload();
  });
  async function reload() {
    try {
      const {data, links} = await api(`/api/v1/accounts/${accountId}/sis_imports/${importId}/errors`,
        // ``failure`` is Canvas's; ``warning`` this server's own (docs/decisions.md).
        {query: {page, per_page: MESSAGES_PER_PAGE, failure: level === "failure" ? "true" : null,
          warning: level === "warning" ? "true" : null}});
      if (context.disposed()) return;
      const rows = data.sis_import_errors;
      tbody.replaceChildren(...(rows.length ? rows.map((m) => h("tr", {},
        h("td", {class: "file"}, m.file || "—"),
        h("td", {class: "num"}, m.row ?? "—"),
        h("td", {class: "message"}, m.message),
        h("td", {}, m.row_info ? h("code", {class: "row-info"}, m.row_info) : h("span", {class: "muted"}, "—")),
      )) : [emptyRow(4, EMPTY_MESSAGES[level])]));
      const last = links.last ? Number(new URL(links.last).searchParams.get("page")) : 1;
      summary.textContent = rows.length ? `page ${page} of ${last}` : "";
      clear(pagerBox, last > 1 ? pager({page, links, onPage: (target) => { page = target; reload(); }}) : null);
    } catch (error) {
      if (!context.disposed()) toast(error.message, "error");
    }
  }
  const element = h("section", {class: "card"},
    h("div", {class: "card-head"}, h("h3", {}, "Messages ", summary), filter),
    h("div", {class: "table-wrap"}, h("table", {class: "messages-table", id: "messages-table"},
      h("thead", {}, h("tr", {}, h("th", {}, "File"), h("th", {class: "num"}, "Row"), h("th", {}, "Message"), h("th", {}, "Row as sent"))),
      tbody)),
    pagerBox);
  return {element, reload};
}

// ---------------------------------------------------------------------------------------------
// One outcome import opened.

export function outcomeImportView(root, context, contextType, contextId, importId) {
  const base = `/api/v1/${contextType === "course" ? "courses" : "accounts"}/${contextId}/outcome_imports/${importId}`;
  const card = h("section", {class: "card"});
  const errorsBox = h("section", {class: "card"});
  const groups = h("section", {class: "card"});
  clear(root, h("p", {class: "crumbs"}, link("#/imports", "← All imports")), card, errorsBox, groups);
  let timer = null;
  async function load() {
    clearTimeout(timer);
    let json;
    try {
      ({data: json} = await api(base));
    } catch (error) {
      if (!context.disposed()) clear(card, h("p", {class: "error-text"}, error.message));
      return;
    }
    if (context.disposed()) return;
    const type = contextType === "course" ? "Course" : "Account";
    const whereName = h("span", {class: "where-name"}, `${type} ${contextId}`);
    contextName(type, contextId).then((name) => { whereName.textContent = name; });
    const fact = (label, value) => h("div", {class: "fact"}, h("span", {class: "muted"}, label), h("b", {}, value));
    clear(card,
      h("div", {class: "detail-head"},
        h("div", {class: "detail-title"}, h("h2", {}, `Outcome import #${json.id}`), stateBadge(json.workflow_state),
          h("span", {class: "muted"}, "into ", whereName)),
        h("div", {class: "detail-progress"}, progressBar(json.progress, json.workflow_state))),
      h("div", {class: "facts"},
        fact("Created", formatTime(json.created_at)),
        fact("Ended", formatTime(json.ended_at)),
        fact("Duration", formatDuration(seconds(json.created_at, json.ended_at))),
        fact("Row errors", formatNumber(json.processing_errors.length))));
    const errors = json.processing_errors;
    clear(errorsBox, h("h3", {}, "Messages ", h("span", {class: "muted small"}, "the first 25, by row, as Canvas reports them")),
      h("table", {class: "messages-table", id: "messages-table"},
        h("thead", {}, h("tr", {}, h("th", {class: "num"}, "Row"), h("th", {}, "Message"))),
        h("tbody", {}, errors.length ? errors.map(([row, message]) =>
          h("tr", {}, h("td", {class: "num"}, row), h("td", {class: "message"}, message)))
          : emptyRow(2, "No messages."))));
    if (json.workflow_state === "succeeded") {
      try {
        const {data: ids} = await api(`${base}/created_group_ids`);
        clear(groups, h("h3", {}, "Outcome groups it created or updated"),
          ids.length ? h("p", {class: "chips"}, ids.map((id) => h("span", {class: "chip"}, `group ${id}`)))
            : h("p", {class: "muted"}, "None."));
      } catch { clear(groups); }
    } else {
      clear(groups, h("p", {class: "muted"}, json.workflow_state === "failed"
        ? "The import failed: nothing was created." : "Groups appear once the import has succeeded."));
    }
    if (UNFINISHED_STATES.has(json.workflow_state)) timer = setTimeout(load, FAST_POLL_MS);
  }
  context.onDispose(() => clearTimeout(timer));
  load();
}
