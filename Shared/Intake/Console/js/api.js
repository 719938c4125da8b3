// The HTTP API v1 from the browser: the token lives in sessionStorage (this tab only).
const KEY = "hangar.token";

export const session = {
  get token() { return sessionStorage.getItem(KEY); },
  set token(value) { value ? sessionStorage.setItem(KEY, value) : sessionStorage.removeItem(KEY); },
  me: null,
};

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

export async function api(method, path, body, extraHeaders = {}) {
  const headers = { Accept: "application/json", ...extraHeaders };
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { detail: text }; }
  if (!response.ok) {
    if (response.status === 401) window.dispatchEvent(new CustomEvent("hangar:unauthorized"));
    throw new ApiError(response.status, data);
  }
  return data;
}

export const get = (path) => api("GET", path);
export const post = (path, body, headers) => api("POST", path, body, headers);
export const put = (path, body) => api("PUT", path, body);
export const del = (path) => api("DELETE", path);

/// An EventSource on a stream route (the token goes as access_token: EventSource cannot send headers).
export function stream(path, handlers) {
  const url = `${path}${path.includes("?") ? "&" : "?"}access_token=${encodeURIComponent(session.token || "")}`;
  const source = new EventSource(url);
  for (const [event, handler] of Object.entries(handlers)) {
    if (event === "open" || event === "error") source.addEventListener(event, handler);
    else source.addEventListener(event, (message) => handler(JSON.parse(message.data)));
  }
  return source;
}

export function can(role) {
  const order = ["viewer", "deployer", "admin"];
  return session.me && order.indexOf(session.me.role) >= order.indexOf(role);
}
