// Small DOM helpers: elements from data (text is always text, never HTML), tables, badges.
import { t, time, gradeName, severityName, term, vocabularies, localName } from "./i18n.js";

/** h("a", {href: "/x", "data-link": ""}, "text", child...) */
export function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith("on") && typeof v === "function") e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : String(c));
  return e;
}

export const link = (href, text) => h("a", { href, "data-link": "" }, text);
export const gradeBadge = (g) => g ? h("span", { class: `badge grade-${g}` }, gradeName(g)) : h("span", { class: "muted" }, t("none"));
export const severityBadge = (s) => h("span", { class: `badge sev-${s}` }, severityName(s));
export const stopBadge = (reason) => h("span", { class: "badge stop", title: reason || "" }, t("must_not_use_short"));

/** A table: columns [{key, label, render?, wrap?}], rows of objects. */
export function table(columns, rows, { empty = t("no_data") } = {}) {
  if (!rows.length) return h("p", { class: "muted" }, empty);
  return h("div", { class: "table-wrap" }, h("table", {},
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c.label ?? t(c.key))))),
    h("tbody", {}, rows.map((r) => h("tr", {}, columns.map((c) => h("td", { class: c.wrap ? "wrap" : null },
      c.render ? c.render(r) : cell(r[c.key], c.key))))))));
}

/** One value as text: times in the display zone, booleans as yes/no, objects as JSON, closed
 * vocabularies (type, state, kind...) in the reader's language. */
export function cell(v, key = "") {
  if (v === null || v === undefined) return "";
  if (typeof v === "string" && vocabularies.has(key)) return term(key, v);
  if (typeof v === "boolean") return v ? t("yes") : t("no");
  if (typeof v === "object") return JSON.stringify(v);
  // Every instant (RFC 3339 with a time of day) in the display zone, whatever its key.
  if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v)) return time(v);
  return String(v);
}

/** A name with its id beside it (site, firm, owner); the id alone when the name is unknown. */
export function named(name, id) {
  const shown = localName(name, id);
  if (!shown) return id ?? "";
  return h("span", {}, shown, " ", h("small", { class: "muted" }, id));
}

/** Definition list of an object's keys (registry data). */
export function kv(obj, keys) {
  return h("dl", { class: "kv" }, keys.filter((k) => obj[k] !== undefined).map((k) => [h("dt", {}, t(k)),
    h("dd", {}, obj[k] instanceof Node ? obj[k] : cell(obj[k], k))]));
}

export function section(title, ...children) { return h("section", { class: "card" }, h("h2", {}, title), ...children); }
