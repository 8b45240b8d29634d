// The console's shell: sign-in state, navigation by role, path routes, language switch.
import { api, session, APIError } from "./api.js";
import { t, setLang, lang, zoneLabel, chineseNames, localName } from "./i18n.js";
import { h } from "./dom.js";
import * as pages from "./pages.js";
import { devicePage } from "./device.js";
import { people, routine } from "./people.js";
import { ownerDue } from "./work.js";

const routes = [
  [/^\/$/, pages.overview], [/^\/alarms$/, pages.alarms], [/^\/incidents$/, pages.incidents],
  [/^\/incidents\/(\d+)$/, pages.incident], [/^\/devices$/, pages.devices], [/^\/devices\/([^/]+)$/, devicePage],
  [/^\/notices$/, pages.notices], [/^\/schedule$/, pages.schedule], [/^\/stats$/, pages.stats],
  [/^\/accidents$/, pages.accidents], [/^\/people$/, people], [/^\/routine$/, routine], [/^\/due$/, ownerDue],
];

const menus = {
  supervisor: ["/", "/alarms", "/incidents", "/devices", "/notices", "/schedule", "/accidents", "/people", "/routine", "/stats"],
  firm: ["/", "/notices", "/devices", "/alarms", "/incidents", "/schedule", "/accidents", "/people"],
  owner: ["/", "/due", "/devices", "/notices", "/alarms", "/routine", "/accidents", "/people"],
};
const names = { "/": "overview", "/alarms": "alarms", "/incidents": "incidents", "/devices": "devices", "/notices": "notices",
                "/schedule": "schedule", "/stats": "stats", "/accidents": "accidents", "/people": "people", "/routine": "routine",
                "/due": "my_inspections" };

let stopPage = null;

export function navigate(path, replace = false) {
  if (replace) history.replaceState(null, "", path); else history.pushState(null, "", path);
  render();
}

function chrome() {
  document.title = t("app");
  const nav = document.getElementById("nav");
  const role = session.me?.role;
  const current = "/" + (location.pathname.split("/")[1] || "");
  nav.replaceChildren(...(role ? menus[role] : []).map((p) =>
    h("a", { href: p, "data-link": "", "aria-current": p === current ? "page" : null }, t(names[p]))));
  document.getElementById("who").textContent = session.me ? whoText(session.me) : "";
  const out = document.getElementById("signout");
  out.hidden = !session.token;
  out.textContent = t("signout");
  document.getElementById("lang").textContent = t("language");
  document.getElementById("footer").textContent = `${t("zone")}: ${zoneLabel()}`;
}

/** The header's "who": the organisation's name in the reader's language (or 监管 for a supervisor),
 * then the token's name when it says more than the role it was made for. */
function whoText(me) {
  const org = me.firm ?? me.owner;
  const orgName = org ? (localName(session.names?.find((n) => n.id === org)?.name, org) || org) : t("supervisor");
  const roleText = org ? `${me.role}:${org}` : me.role;
  const person = me.name && me.name !== roleText && me.name !== org && me.name !== me.role ? me.name : "";
  return person ? `${orgName} · ${person}` : orgName;
}

async function render() {
  stopPage?.();
  stopPage = null;
  const main = document.getElementById("main");
  const path = location.pathname;
  if (!session.token) {
    if (path !== "/signin") return navigate("/signin", true);
    chrome();
    pages.signin(main, async (token) => {
      session.token = token;
      try {
        session.me = await api("/v1/me");
      } catch (e) {
        session.token = null;
        throw e;
      }
      navigate("/", true);
    });
    return;
  }
  if (!session.me) {
    try { session.me = await api("/v1/me"); } catch { session.token = null; return navigate("/signin", true); }
  }
  if (!session.names) {
    // The Chinese names of the firms, owners and sites in scope (shown to readers in Chinese).
    try {
      session.names = (await api("/v1/names")).items;
      chineseNames.clear();
      for (const n of session.names) if (n.name_zh) chineseNames.set(n.id, n.name_zh);
    } catch { session.names = []; }
  }
  if (path === "/signin") return navigate("/", true);
  chrome();
  for (const [re, page] of routes) {
    const m = path.match(re);
    if (!m) continue;
    main.replaceChildren(h("p", { class: "muted" }, t("loading")));
    try {
      stopPage = (await page(main, ...m.slice(1).map(decodeURIComponent))) ?? null;
    } catch (e) {
      main.replaceChildren(pages.errorView(e));
    }
    return;
  }
  main.replaceChildren(h("h1", {}, t("page_not_found")));
}

document.addEventListener("click", (e) => {
  const a = e.target.closest?.("a[data-link]");
  if (!a || e.ctrlKey || e.metaKey || e.shiftKey || a.target) return;
  e.preventDefault();
  navigate(a.getAttribute("href"));
  document.getElementById("main").focus();
});
window.addEventListener("popstate", render);
window.addEventListener("ew-unauthorized", () => { session.token = null; session.me = null; session.names = null; navigate("/signin", true); });
document.getElementById("signout").addEventListener("click", () => {
  session.token = null;
  session.me = null;
  session.names = null;
  navigate("/signin", true);
});
document.getElementById("lang").addEventListener("click", () => {
  setLang(lang === "zh" ? "en" : "zh");
  render();
});
setLang(lang);
render();

export { APIError };
