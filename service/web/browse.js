// What is there: the account tree, terms, courses, sections, users with their logins,
// enrollments, groups and outcome groups, read through Canvas's read endpoints a page at a time
// (never everything: the lists follow the API's Link headers). Every object that carries the
// import that last touched it (sis_import_id) links to that import.
//   #/browse                       the root account
//   #/browse/accounts/:id          an account: sub-accounts, courses, users, terms, groups, outcomes
//   #/browse/courses/:id           a course: sections, enrollments, groups, outcomes
//   #/browse/users/:id             a user: logins, enrollments
//   #/browse/groups/:id            a group: memberships
//   #/browse/outcome_groups/:type/:context/:id   an outcome group: subgroups, outcomes

import {api} from "./api.js";
import {clear, emptyRow, formatTime, h, link, toast} from "./ui.js";

const PER_PAGE = 25;
const SEARCH_DELAY_MS = 250;
const ENROLLMENT_STATES = ["active", "invited", "creation_pending", "completed", "inactive",
  "rejected", "deleted"];

function importLink(accountId, importId) {
  if (!importId) return h("span", {class: "muted"}, "—");
  return h("a", {href: `#/sis/${accountId}/${importId}`, class: "import-link"}, `import #${importId}`);
}

function stateCell(value) {
  return value ? h("span", {class: "obj-state"}, value.replaceAll("_", " ")) : h("span", {class: "muted"}, "—");
}

function sis(value) {
  return value ? h("code", {}, value) : h("span", {class: "muted"}, "—");
}

// A paginated table over one list endpoint. ``extract`` turns the JSON into the array of rows
// (Canvas wraps a few lists, e.g. {"enrollment_terms": [...]}); the pager follows rel="next"
// and returns along the URLs already visited.
function listPanel({title, path, query = {}, columns, extract = (data) => data, search = null,
  filters = null, id = null, empty = "Nothing here."}) {
  const tbody = h("tbody");
  const pagerBox = h("div", {class: "pager"});
  const status = h("span", {class: "muted small"});
  // The URLs of the pages shown so far (null: the first page); the last one is on screen.
  let visited = [null];
  let extraQuery = {};
  let searchValue = "";

  async function show(url) {
    try {
      const {data, links} = url ? await api(url)
        : await api(path, {query: {per_page: PER_PAGE, ...query, ...extraQuery,
          ...(search && searchValue ? {[search.param]: searchValue} : {})}});
      const rows = extract(data) || [];
      tbody.replaceChildren(...(rows.length
        ? rows.map((row) => h("tr", {}, columns.map((column) => h("td", {class: column.class || ""}, column.cell(row)))))
        : [emptyRow(columns.length, empty)]));
      const page = visited.length;
      status.textContent = rows.length ? `page ${page}` : "";
      clear(pagerBox,
        h("button", {class: "ghost", disabled: page <= 1, onclick: back}, "← Previous"),
        h("button", {class: "ghost", disabled: !links.next, onclick: () => go(links.next)}, "Next →"));
    } catch (error) {
      tbody.replaceChildren(emptyRow(columns.length, error.message));
    }
  }
  function go(url) {
    visited.push(url);
    show(url);
  }
  function back() {
    visited.pop();
    show(visited[visited.length - 1]);
  }
  function reload() {
    visited = [null];
    show(null);
  }

  const tools = [];
  if (search) {
    let timer = null;
    tools.push(h("input", {type: "search", placeholder: search.placeholder, class: "search",
      "aria-label": search.placeholder,
      oninput: (event) => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          const value = event.target.value.trim();
          // Canvas refuses search terms shorter than two characters.
          searchValue = value.length >= 2 ? value : "";
          reload();
        }, SEARCH_DELAY_MS);
      },
    }));
  }
  if (filters) {
    tools.push(filters((query) => {
      extraQuery = query;
      reload();
    }));
  }
  const element = h("section", {class: "card", id},
    h("div", {class: "card-head"}, h("h3", {}, title, " ", status), h("div", {class: "tools"}, tools)),
    h("div", {class: "table-wrap"}, h("table", {class: "objects"},
      h("thead", {}, h("tr", {}, columns.map((column) => h("th", {class: column.class || ""}, column.label)))), tbody)),
    pagerBox);
  reload();
  return element;
}

function column(label, cell, cls = null) {
  return {label, cell, class: cls};
}

function header(kind, title, facts, crumbs = []) {
  const fact = ([label, value]) => h("div", {class: "fact"}, h("span", {class: "muted"}, label), h("b", {}, value));
  return [
    h("p", {class: "crumbs"}, link("#/browse", "Root account"), crumbs.map(([href, text]) => [" / ", link(href, text)])),
    h("section", {class: "card"},
      h("div", {class: "detail-title"}, h("span", {class: "kind kind-object"}, kind), h("h2", {}, title)),
      h("div", {class: "facts"}, facts.map(fact))),
  ];
}

function tabs(root, entries) {
  const body = h("div", {class: "view"});
  const bar = h("div", {class: "segmented tabs", id: "browse-tabs"});
  const open = (index) => {
    bar.querySelectorAll("button").forEach((button, n) => button.classList.toggle("active", n === index));
    clear(body, entries[index][1]());
  };
  entries.forEach(([label], index) => bar.append(h("button", {dataset: {tab: label.toLowerCase()}, onclick: () => open(index)}, label)));
  root.append(bar, body);
  open(0);
}

// ---------------------------------------------------------------------------------------------

function accountsColumns(rootId) {
  return [
    column("Name", (a) => link(`#/browse/accounts/${a.id}`, a.name)),
    column("SIS id", (a) => sis(a.sis_account_id)),
    column("State", (a) => stateCell(a.workflow_state)),
    column("Last import", (a) => importLink(rootId, a.sis_import_id)),
  ];
}

function coursesPanel(rootId, accountId) {
  return listPanel({
    title: "Courses", id: "courses-panel", path: `/api/v1/accounts/${accountId}/courses`,
    query: {"include[]": ["term", "total_students"]},
    search: {param: "search_term", placeholder: "Search courses"},
    columns: [
      column("Name", (c) => link(`#/browse/courses/${c.id}`, c.name)),
      column("Code", (c) => c.course_code || "—"),
      column("SIS id", (c) => sis(c.sis_course_id)),
      column("Term", (c) => c.term?.name || (c.enrollment_term_id ? `term ${c.enrollment_term_id}` : "—")),
      column("State", (c) => stateCell(c.workflow_state)),
      column("Students", (c) => c.total_students ?? "—", "num"),
      column("Last import", (c) => importLink(rootId, c.sis_import_id)),
    ],
  });
}

function usersPanel(rootId, path, title = "Users") {
  return listPanel({
    title, id: "users-panel", path,
    search: {param: "search_term", placeholder: "Search name, login or SIS id"},
    columns: [
      column("Name", (u) => link(`#/browse/users/${u.id}`, u.name)),
      column("Sortable name", (u) => u.sortable_name || "—"),
      column("SIS id", (u) => sis(u.sis_user_id)),
      column("Last import", (u) => importLink(rootId, u.sis_import_id)),
    ],
  });
}

function enrollmentsPanel(rootId, path, {showCourse = false} = {}) {
  return listPanel({
    title: "Enrollments", id: "enrollments-panel", path,
    filters: (apply) => {
      const select = h("select", {id: "enrollment-state", "aria-label": "Enrollment state",
        onchange: () => apply(select.value === "default" ? {} : {"state[]": select.value === "all" ? ENROLLMENT_STATES : [select.value]})},
      h("option", {value: "default"}, "Current (Canvas's default)"),
      h("option", {value: "all"}, "Every state"),
      ENROLLMENT_STATES.map((state) => h("option", {value: state}, state.replaceAll("_", " "))));
      return select;
    },
    columns: [
      showCourse
        ? column("Course", (e) => link(`#/browse/courses/${e.course_id}`, e.sis_course_id || `course ${e.course_id}`))
        : column("User", (e) => link(`#/browse/users/${e.user_id}`, e.user?.name || `user ${e.user_id}`)),
      column("Role", (e) => e.role || e.type),
      column("Section", (e) => e.sis_section_id ? sis(e.sis_section_id) : `section ${e.course_section_id}`),
      column("SIS user id", (e) => sis(e.sis_user_id)),
      column("State", (e) => stateBadgeFor(e.enrollment_state)),
      column("Updated", (e) => formatTime(e.updated_at), "time"),
      column("Last import", (e) => importLink(rootId, e.sis_import_id)),
    ],
    empty: "No enrollments in this state.",
  });
}

function stateBadgeFor(state) {
  return h("span", {class: `obj-state enrollment-${state}`}, state.replaceAll("_", " "));
}

function groupsPanel(rootId, contextPath) {
  return listPanel({
    title: "Groups", id: "groups-panel", path: `${contextPath}/groups`,
    columns: [
      column("Name", (g) => link(`#/browse/groups/${g.id}`, g.name)),
      column("SIS id", (g) => sis(g.sis_group_id)),
      column("Category", (g) => g.group_category_id ? `category ${g.group_category_id}` : "—"),
      column("Members", (g) => g.members_count ?? "—", "num"),
      column("Last import", (g) => importLink(rootId, g.sis_import_id)),
    ],
  });
}

function groupCategoriesPanel(rootId, contextPath) {
  return listPanel({
    title: "Group categories", id: "group-categories-panel", path: `${contextPath}/group_categories`,
    columns: [
      column("Name", (c) => c.name),
      column("SIS id", (c) => sis(c.sis_group_category_id)),
      column("Kind", (c) => c.non_collaborative ? "differentiation tags" : "groups"),
      column("Last import", (c) => importLink(rootId, c.sis_import_id)),
    ],
  });
}

function outcomesPanel(contextType, contextId) {
  const box = h("div", {class: "view"});
  const plural = contextType === "course" ? "courses" : "accounts";
  api(`/api/v1/${plural}/${contextId}/root_outcome_group`).then(({data}) => {
    box.append(...outcomeGroupPanels(contextType, contextId, data.id));
  }, (error) => box.append(h("section", {class: "card"}, h("p", {class: "muted"}, error.message))));
  return box;
}

function outcomeGroupPanels(contextType, contextId, groupId) {
  const base = `/api/v1/${contextType === "course" ? "courses" : "accounts"}/${contextId}/outcome_groups/${groupId}`;
  return [
    listPanel({
      title: "Outcome groups", id: "outcome-groups-panel", path: `${base}/subgroups`,
      columns: [
        column("Title", (g) => link(`#/browse/outcome_groups/${contextType}/${contextId}/${g.id}`, g.title)),
        column("Vendor guid", (g) => sis(g.vendor_guid)),
      ],
      empty: "No subgroups.",
    }),
    listPanel({
      title: "Outcomes", id: "outcomes-panel", path: `${base}/outcomes`,
      columns: [
        column("Title", (l) => l.outcome.title),
        column("Display name", (l) => l.outcome.display_name || "—"),
        column("Vendor guid", (l) => sis(l.outcome.vendor_guid)),
        column("Defined in", (l) => `${l.outcome.context_type || "global"} ${l.outcome.context_id ?? ""}`),
      ],
      empty: "No outcomes in this group.",
    }),
  ];
}

// ---------------------------------------------------------------------------------------------

async function accountPage(root, rootId, accountId) {
  const {data: account} = await api(`/api/v1/accounts/${accountId}`);
  const crumbs = account.parent_account_id ? [[`#/browse/accounts/${account.parent_account_id}`, "parent account"]] : [];
  root.append(...header("Account", account.name, [
    ["Id", account.id], ["SIS id", account.sis_account_id || "—"], ["State", account.workflow_state || "—"],
    ["Last import", importLink(rootId, account.sis_import_id)],
  ], crumbs));
  const path = `/api/v1/accounts/${accountId}`;
  tabs(root, [
    ["Courses", () => coursesPanel(rootId, accountId)],
    ["Sub-accounts", () => listPanel({title: "Sub-accounts", id: "sub-accounts-panel",
      path: `${path}/sub_accounts`, columns: accountsColumns(rootId), empty: "No sub-accounts."})],
    ["Users", () => usersPanel(rootId, `${path}/users`)],
    ...(account.parent_account_id ? [] : [["Terms", () => listPanel({
      title: "Terms", id: "terms-panel", path: `${path}/terms`, extract: (data) => data.enrollment_terms,
      columns: [
        column("Name", (t) => t.name),
        column("SIS id", (t) => sis(t.sis_term_id)),
        column("Starts", (t) => formatTime(t.start_at), "time"),
        column("Ends", (t) => formatTime(t.end_at), "time"),
        column("State", (t) => stateCell(t.workflow_state)),
        column("Last import", (t) => importLink(rootId, t.sis_import_id)),
      ]})]]),
    ["Groups", () => h("div", {class: "view"}, groupCategoriesPanel(rootId, path), groupsPanel(rootId, path))],
    ["Outcomes", () => outcomesPanel("account", accountId)],
  ]);
}

async function coursePage(root, rootId, courseId) {
  const {data: course} = await api(`/api/v1/courses/${courseId}`, {query: {"include[]": ["term"]}});
  root.append(...header("Course", course.name, [
    ["Id", course.id], ["Code", course.course_code || "—"], ["SIS id", course.sis_course_id || "—"],
    ["State", course.workflow_state], ["Term", course.term?.name || course.enrollment_term_id || "—"],
    ["Last import", importLink(rootId, course.sis_import_id)],
  ], [[`#/browse/accounts/${course.account_id}`, "its account"]]));
  const path = `/api/v1/courses/${courseId}`;
  tabs(root, [
    ["Enrollments", () => enrollmentsPanel(rootId, `${path}/enrollments`)],
    ["Sections", () => listPanel({title: "Sections", id: "sections-panel", path: `${path}/sections`,
      columns: [
        column("Name", (s) => s.name),
        column("SIS id", (s) => sis(s.sis_section_id)),
        column("Starts", (s) => formatTime(s.start_at), "time"),
        column("Ends", (s) => formatTime(s.end_at), "time"),
        column("Last import", (s) => importLink(rootId, s.sis_import_id)),
      ]})],
    ["People", () => usersPanel(rootId, `${path}/users`, "People")],
    ["Groups", () => h("div", {class: "view"}, groupCategoriesPanel(rootId, path), groupsPanel(rootId, path))],
    ["Outcomes", () => outcomesPanel("course", courseId)],
  ]);
}

async function userPage(root, rootId, userId) {
  const {data: user} = await api(`/api/v1/users/${userId}`);
  root.append(...header("User", user.name, [
    ["Id", user.id], ["Sortable name", user.sortable_name || "—"], ["SIS id", user.sis_user_id || "—"],
    ["Login", user.login_id || "—"], ["Last import", importLink(rootId, user.sis_import_id)],
  ]));
  tabs(root, [
    ["Logins", () => listPanel({title: "Logins", id: "logins-panel", path: `/api/v1/users/${userId}/logins`,
      columns: [
        column("Login", (l) => h("code", {}, l.unique_id)),
        column("SIS id", (l) => sis(l.sis_user_id)),
        column("Integration id", (l) => sis(l.integration_id)),
        column("Authentication", (l) => l.authentication_provider_id ? `provider ${l.authentication_provider_id}` : "Canvas"),
        column("State", (l) => stateCell(l.workflow_state)),
      ]})],
    ["Enrollments", () => enrollmentsPanel(rootId, `/api/v1/users/${userId}/enrollments`, {showCourse: true})],
  ]);
}

async function groupPage(root, rootId, groupId) {
  const {data: group} = await api(`/api/v1/groups/${groupId}`);
  root.append(...header("Group", group.name, [
    ["Id", group.id], ["SIS id", group.sis_group_id || "—"], ["Members", group.members_count ?? "—"],
    ["Last import", importLink(rootId, group.sis_import_id)],
  ]));
  root.append(listPanel({title: "Memberships", id: "memberships-panel", path: `/api/v1/groups/${groupId}/memberships`,
    query: {"filter_states[]": ["accepted", "invited", "requested"]},
    columns: [
      column("User", (m) => link(`#/browse/users/${m.user_id}`, `user ${m.user_id}`)),
      column("State", (m) => stateCell(m.workflow_state)),
      column("Last import", (m) => importLink(rootId, m.sis_import_id)),
    ]}));
}

async function outcomeGroupPage(root, contextType, contextId, groupId) {
  const plural = contextType === "course" ? "courses" : "accounts";
  const {data: group} = await api(`/api/v1/${plural}/${contextId}/outcome_groups/${groupId}`);
  root.append(...header("Outcome group", group.title, [
    ["Id", group.id], ["Vendor guid", group.vendor_guid || "—"],
    ["Parent", group.parent_outcome_group ? group.parent_outcome_group.title : "—"],
  ], [[`#/browse/${plural}/${contextId}`, `its ${contextType}`]]));
  root.append(...outcomeGroupPanels(contextType, contextId, groupId));
}

export function browseView(root, context, parts) {
  const [kind, ...rest] = parts;
  const rootId = context.accountId;
  const pages = {
    accounts: () => accountPage(root, rootId, rest[0]),
    courses: () => coursePage(root, rootId, rest[0]),
    users: () => userPage(root, rootId, rest[0]),
    groups: () => groupPage(root, rootId, rest[0]),
    outcome_groups: () => outcomeGroupPage(root, rest[0], rest[1], rest[2]),
  };
  const open = pages[kind] || (() => accountPage(root, rootId, rootId));
  open().catch((error) => {
    toast(error.message, "error");
    clear(root, h("p", {class: "crumbs"}, link("#/browse", "Root account")),
      h("section", {class: "card"}, h("p", {class: "error-text"}, error.message)));
  });
}
