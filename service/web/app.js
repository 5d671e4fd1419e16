// The page's entry point: asks for the token once, then routes the URL fragment to a view.
//   #/imports                          the imports list and the upload form
//   #/sis/:account_id/:id              one SIS import
//   #/outcomes/:account|course/:id/:n  one outcome import
//   #/browse/...                       what is there (browse.js)
// A view gets a context whose onDispose() callbacks run when the person navigates away, so its
// polling stops with it.

import {api, setToken, takeTokenFromFragment, token} from "./api.js";
import {clear, h} from "./ui.js";
import {importsView, outcomeImportView, sisImportView} from "./imports.js";
import {browseView} from "./browse.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const accountLabel = document.getElementById("account-name");
let current = null;
let rootAccount = null;

function signIn(message = null) {
  current?.dispose();
  current = null;
  nav.hidden = true;
  const input = h("input", {type: "password", id: "token-input", name: "token", required: true,
    autocomplete: "off", placeholder: "Paste the API token", "aria-label": "API token"});
  const form = h("form", {class: "card signin", id: "signin"},
    h("h2", {}, "Sign in with your API token"),
    h("p", {class: "muted"}, "The server printed a token when it started (it is also kept in ",
      h("code", {}, "data/token"), "). It stays in this browser tab only, until the tab closes."),
    message && h("p", {class: "error-text"}, message),
    h("div", {class: "signin-row"}, input, h("button", {type: "submit", class: "primary"}, "Open")),
    h("p", {class: "muted small"}, "Tip: open ", h("code", {}, "/#token=…"), " to sign in from a link."));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    setToken(input.value.trim());
    await start();
  });
  clear(main, form);
  input.focus();
}

async function start() {
  if (!token()) return signIn();
  try {
    ({data: rootAccount} = await api("/api/v1/accounts/self"));
  } catch (error) {
    setToken(null);
    return signIn(error.status === 401 ? "That token was not accepted." : error.message);
  }
  accountLabel.textContent = rootAccount.name;
  nav.hidden = false;
  if (!location.hash.startsWith("#/")) history.replaceState(null, "", "#/imports");
  route();
}

function newContext() {
  const disposers = [];
  let disposed = false;
  return {
    accountId: rootAccount.id,
    onDispose: (callback) => disposers.push(callback),
    disposed: () => disposed,
    dispose: () => {
      disposed = true;
      disposers.forEach((callback) => callback());
    },
  };
}

function route() {
  if (!rootAccount) return;
  current?.dispose();
  current = newContext();
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  const section = parts[0] || "imports";
  for (const tab of nav.querySelectorAll("a[data-section]")) {
    tab.classList.toggle("active", tab.dataset.section === (["sis", "outcomes"].includes(section) ? "imports" : section));
  }
  const view = h("div", {class: "view"});
  clear(main, view);
  if (section === "sis" && parts.length >= 3) return sisImportView(view, current, parts[1], parts[2]);
  if (section === "outcomes" && parts.length >= 4) return outcomeImportView(view, current, parts[1], parts[2], parts[3]);
  if (section === "browse") return browseView(view, current, parts.slice(1));
  return importsView(view, current);
}

document.getElementById("sign-out").addEventListener("click", () => {
  setToken(null);
  rootAccount = null;
  signIn();
});
window.addEventListener("hashchange", () => {
  if (takeTokenFromFragment()) start();
  else route();
});
window.addEventListener("unauthenticated", () => {
  if (!rootAccount) return;
  setToken(null);
  rootAccount = null;
  signIn("The server no longer accepts that token.");
});

takeTokenFromFragment();
start();
