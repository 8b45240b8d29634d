// The work of a firm's dispatcher and an owner: urgent notices first, the maintenance report with
// a device picker, and an owner's own due inspections with what to do next.
import { api, all, session } from "./api.js";
import { t, time, term, lang } from "./i18n.js";
import { h, link, table, gradeBadge, section, named } from "./dom.js";

/** Open rescue notices first (passengers are waiting), then the soonest deadline, then the newest. */
export function urgentFirst(rows) {
  const rank = (n) => (n.kind === "rescue" && n.status !== "closed" ? 0 : 1);
  const due = (n) => (n.due_by ? Date.parse(n.due_by) : Infinity);
  return [...rows].sort((a, b) => rank(a) - rank(b) || due(a) - due(b) || b.id - a.id);
}

/** The deadline of a notice, with how long is left (or how late it is). */
export function deadline(n) {
  if (!n.due_by) return "";
  const left = Math.round((Date.parse(n.due_by) - Date.now()) / 60000);
  const span = Math.abs(left) >= 2880 ? `${Math.round(Math.abs(left) / 1440)} ${t("days")}`
    : Math.abs(left) >= 120 ? `${Math.round(Math.abs(left) / 60)} ${t("hours")}` : `${Math.abs(left)} ${t("minutes")}`;
  return h("span", { class: left < 0 ? "late" : left < 60 ? "soon" : null },
    time(n.due_by), " ", h("small", {}, left < 0 ? t("late_by", span) : t("left", span)));
}

/** The firm's overview card: its open notices, rescue first, each with its deadline. */
export async function noticesCard() {
  const rows = urgentFirst(await all("/v1/notices?status=open", 2000));
  const acked = urgentFirst(await all("/v1/notices?status=acked", 2000));
  const open = [...rows, ...acked];
  const rescue = open.filter((n) => n.kind === "rescue");
  return h("section", { class: "card" + (rescue.length ? " urgent" : ""), id: "firm-notices", role: rescue.length ? "alert" : null },
    h("h2", {}, `${t("open_notices")} (${open.length})`),
    rescue.length ? h("p", { class: "error" }, t("rescue_waiting", rescue.length)) : null,
    table([
      { key: "kind", render: (n) => h("span", { class: n.kind === "rescue" ? "badge sev-critical" : null }, term("kind", n.kind)) },
      { key: "device", render: (n) => link(`/devices/${encodeURIComponent(n.device)}`, n.device) },
      { key: "reason", wrap: true },
      { key: "due_by", label: t("deadline"), render: deadline },
      { key: "status" },
    ], open.slice(0, 30), { empty: t("no_open_notices") }),
    open.length > 30 ? h("p", {}, link("/notices", `${t("notices")} →`)) : null);
}

/** An API error in the page's language: the known cases worded here, the server's words beside. */
export function errorText(err, context = {}) {
  if (err?.code === "not_found" && context.device) return t("err_device_not_yours", context.device);
  if (err?.code === "bad_parameter") {
    const [name, ...rest] = String(err.message).split(": ");
    return `${t("err_field", t(name) === name ? name : t(name))}${rest.join(": ")}`;
  }
  if (err?.code === "store_unavailable") return t("err_store");
  return `${t("error")}: ${err?.message ?? err}`;
}

/** The maintenance report of a firm: the device picked from the firm's own (by code, site or
 * name), the firm taken from the token, errors in the page's language. */
export async function maintenanceForm(onDone = () => {}) {
  const devices = await all("/v1/devices", 20000);
  const byId = new Map(devices.map((d) => [d.id, d]));
  const options = h("datalist", { id: "device-options" }, devices.map((d) =>
    h("option", { value: d.id }, `${d.id} · ${term("type", d.type)} · ${named(d.site_name, d.site).textContent ?? d.site}`)));
  const picked = h("p", { class: "muted", id: "device-picked" });
  const device = h("input", { name: "device", id: "device-input", list: "device-options", required: true, size: 24, autocomplete: "off",
    placeholder: t("device_search") });
  device.addEventListener("input", () => {
    const d = byId.get(device.value.trim());
    picked.textContent = d ? `${term("type", d.type)} · ${d.site_name ?? d.site}${d.must_not_use ? " · " + t("must_not_use_short") : ""}` : "";
  });
  const result = h("p", { role: "status", id: "maintenance-result" });
  const firm = session.me?.firm;
  const form = h("form", { class: "card filters", id: "maintenance-form" },
    h("h2", {}, t("report_done")),
    h("p", { class: "muted" }, `${t("firm")}: `, named(session.names?.find((n) => n.id === firm)?.name, firm)),
    h("label", {}, t("device"), device), options, picked,
    h("label", {}, t("items"), h("input", { name: "items", size: 40, placeholder: t("items_placeholder") })),
    h("label", {}, t("worker_cert"), h("input", { name: "worker_cert", size: 18, placeholder: "TJ-T-2023-0101" })),
    h("fieldset", {}, h("legend", {}, t("tiers")),
      ...["quarterly", "half_yearly", "yearly"].map((tier) =>
        h("label", {}, h("input", { type: "checkbox", name: "tiers", value: tier }), " ", t(tier)))),
    h("button", { class: "primary", type: "submit" }, t("submit")), result);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const code = String(data.get("device")).trim();
    result.className = "error";
    if (!byId.has(code)) { result.textContent = t("err_pick_device"); return; }
    const items = String(data.get("items") || "").split(/[,，、]/).map((s) => s.trim()).filter(Boolean);
    const body = { device: code, items, tiers: data.getAll("tiers").map(String) };
    const cert = String(data.get("worker_cert") || "").trim();
    if (cert) body.worker_cert = cert;
    try {
      const r = await api("/v1/maintenance", { method: "POST", body });
      result.className = "";
      result.textContent = `${t("reported")}: #${r.record ?? r.id ?? ""}`;
      onDone();
    } catch (err) {
      result.textContent = errorText(err, { device: code });
    }
  });
  return form;
}

/** An owner's due and overdue inspections and self-tests, each with what to do next. */
export async function ownerDue(main) {
  const due = await api("/v1/inspections/due?within=90");
  const rows = due.items;
  const next = (i) => {
    if (i.overdue) return h("span", { class: "late" }, t(i.kind === "self_test" ? "next_self_test_overdue" : "next_overdue"));
    if (i.kind === "self_test") return t("next_self_test");
    return i.days_left <= 30 ? h("span", { class: "soon" }, t("next_apply_now")) : t("next_apply");
  };
  const overdue = rows.filter((i) => i.overdue).length;
  main.replaceChildren(
    h("h1", {}, t("my_inspections")),
    h("p", { class: "muted" }, t("my_inspections_help")),
    h("p", {}, h("span", { class: "big", id: "owner-overdue" }, String(overdue)), " ", t("overdue"), " · ",
      h("span", { class: "big", id: "owner-due" }, String(rows.length - overdue)), " ", t("due_90")),
    section(t("inspections"), table([
      { key: "device", render: (i) => link(`/devices/${encodeURIComponent(i.device)}`, i.device) },
      { key: "type" }, { key: "site", render: (i) => named(i.site_name, i.site) },
      { key: "kind" }, { key: "due", label: t("due") },
      { key: "days_left", label: t("days_left"), render: (i) => (i.overdue ? h("span", { class: "late" }, t("late_by", `${-i.days_left} ${t("days")}`)) : String(i.days_left)) },
      { key: "risk_grade", label: t("grade"), render: (i) => (i.risk_grade ? gradeBadge(i.risk_grade) : "") },
      { key: "next", label: t("next_step"), render: next, wrap: true },
      { key: "basis", wrap: true },
    ], rows, { empty: t("nothing_due") })));
  if (lang === "zh") document.title = `${t("my_inspections")} · ${t("app")}`;
}
