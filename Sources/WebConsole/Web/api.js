// The /v1 API with the signed-in token (kept in this tab's session storage only), in the reader's
// language: alarm messages, notice reasons and must-not-use reasons come back in Chinese or English
// as Accept-Language asks.

import { lang } from "./i18n.js";

/** The headers of every request: the token and the reader's language. */
function headers() {
  return { Authorization: `Bearer ${session.token}`, "Accept-Language": lang === "zh" ? "zh-CN" : "en" };
}

export const session = {
  get token() { return sessionStorage.getItem("ew.token"); },
  set token(v) { v ? sessionStorage.setItem("ew.token", v) : sessionStorage.removeItem("ew.token"); },
  me: null,
};

export class APIError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

/** JSON from `path`; throws APIError with the API's own code and message. */
export async function api(path, { method = "GET", body } = {}) {
  const h = headers();
  if (body !== undefined) h["Content-Type"] = "application/json";
  const r = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!r.ok) {
    if (r.status === 401) window.dispatchEvent(new Event("ew-unauthorized"));
    throw new APIError(r.status, json?.error?.code ?? "http_" + r.status, json?.error?.message ?? text.slice(0, 200));
  }
  return json;
}

/** Every row of a paged list (following next_cursor), at most `max`. */
export async function all(path, max = 20000) {
  const rows = [];
  let cursor = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page = await api(`${path}${sep}limit=1000${cursor ? "&cursor=" + encodeURIComponent(cursor) : ""}`);
    rows.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && rows.length < max);
  return rows;
}

/** Downloads `path` (CSV, ICS) with the token and saves it as `filename`. */
export async function download(path, filename) {
  const r = await fetch(path, { headers: headers() });
  if (!r.ok) throw new APIError(r.status, "download", await r.text());
  const url = URL.createObjectURL(await r.blob());
  const a = Object.assign(document.createElement("a"), { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/**
 * The live stream (`/v1/stream`, Server-Sent Events) read with fetch, since EventSource cannot
 * send the bearer header. Reconnects after 2 s with Last-Event-ID, so nothing is missed.
 * Returns a function that stops it.
 */
export function stream(onEvent, onState = () => {}) {
  let stopped = false;
  let lastId = null;
  let controller = null;
  async function run() {
    while (!stopped) {
      controller = new AbortController();
      try {
        const headers = { Authorization: `Bearer ${session.token}`, Accept: "text/event-stream" };
        if (lastId !== null) headers["Last-Event-ID"] = String(lastId);
        const r = await fetch("/v1/stream", { headers, signal: controller.signal });
        if (!r.ok) throw new Error("stream " + r.status);
        onState("connected");
        const reader = r.body.getReader();
        const decoder = new TextDecoder();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = { id: null, kind: "message", data: "" };
            for (const line of block.split("\n")) {
              if (line.startsWith("id: ")) event.id = Number(line.slice(4));
              else if (line.startsWith("event: ")) event.kind = line.slice(7);
              else if (line.startsWith("data: ")) event.data += line.slice(6);
            }
            if (event.id !== null) {
              lastId = event.id;
              let data = null;
              try { data = JSON.parse(event.data); } catch { data = event.data; }
              onEvent({ id: event.id, kind: event.kind, data });
            }
          }
        }
      } catch (e) {
        if (stopped) return;
      }
      if (stopped) return;
      onState("reconnecting");
      await new Promise((res) => setTimeout(res, 2000));
    }
  }
  run();
  return () => { stopped = true; controller?.abort(); };
}
