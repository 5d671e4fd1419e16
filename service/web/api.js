// The page's only way to its data: the server's own authenticated API, the same one every
// Canvas client uses. The token lives in sessionStorage (this browser tab, until it closes).

const TOKEN_KEY = "canvas-imports-token";

export class ApiError extends Error {
  constructor(status, body) {
    super(ApiError.messageOf(status, body));
    this.status = status;
    this.body = body;
  }

  // Canvas bodies come in several shapes: {errors:[{message}]}, {errors:["..."]}, {message},
  // {error_message}, {error}; show whichever this one has.
  static messageOf(status, body) {
    if (body && typeof body === "object") {
      const first = Array.isArray(body.errors) ? body.errors[0] : null;
      if (first && typeof first === "object" && first.message) return first.message;
      if (typeof first === "string") return first;
      for (const key of ["message", "error_message", "error"]) {
        if (typeof body[key] === "string") return body[key];
      }
    }
    return `HTTP ${status}`;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

// A token given in the URL fragment (/#token=...) is taken once and removed from the address
// bar, so it does not linger in the history or a shared screenshot.
export function takeTokenFromFragment() {
  const match = location.hash.match(/^#token=([^&]+)/);
  if (!match) return false;
  setToken(decodeURIComponent(match[1]));
  history.replaceState(null, "", location.pathname + location.search + "#/imports");
  return true;
}

// rel -> URL, from Canvas's Link header ('<url>; rel="next",<url>; rel="last"').
export function parseLinks(header) {
  const links = {};
  for (const part of (header || "").split(",")) {
    const match = part.match(/<([^>]+)>;\s*rel="([^"]+)"/);
    if (match) links[match[2]] = match[1];
  }
  return links;
}

// One API call: resolves to {data, links, status}; rejects with an ApiError whose message is
// the Canvas error message. A 401 means the token is wrong or gone: listeners ask for a new one.
export async function api(path, {method = "GET", body = null, query = null} = {}) {
  const url = new URL(path, location.origin);
  if (query) {
    for (const [key, value] of Object.entries(query)) {
      if (value === null || value === undefined || value === "") continue;
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, item);
    }
  }
  const headers = {Accept: "application/json", Authorization: `Bearer ${token()}`};
  const response = await fetch(url, {method, body, headers});
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (!response.ok) {
    if (response.status === 401) window.dispatchEvent(new CustomEvent("unauthenticated"));
    throw new ApiError(response.status, data);
  }
  return {data, links: parseLinks(response.headers.get("Link")), status: response.status};
}

// Whether the server has a route for ``path`` at all (a method it does not allow is 405, an
// unknown path 404): lets the page offer an action only once the server supports it.
export async function routeExists(path) {
  const response = await fetch(new URL(path, location.origin), {
    headers: {Accept: "application/json", Authorization: `Bearer ${token()}`},
  });
  return response.status !== 404;
}
