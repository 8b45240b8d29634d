// People and policies: workers' certificates (特种设备作业人员证) and liability insurance, with
// what ends soon and the coverage per district and owner. Each reads /v1 within the token's scope.
import { api, all, session } from "./api.js";
import { t, term } from "./i18n.js";
import { h, table, section } from "./dom.js";

const status = (s) => h("span", { class: s === "valid" ? "" : "error" }, term("people_status", s));

export async function people(main) {
  const within = h("input", { type: "number", name: "expiring_within", min: 0, max: 3650, placeholder: "90", size: 6 });
  const form = h("form", { class: "filters" }, h("label", {}, t("expiring_within"), within),
    h("button", { class: "primary", type: "submit" }, t("filter")));
  const certificates = h("div", { id: "certificates" });
  const policies = h("div", { id: "policies" });
  const coverage = h("div", { id: "coverage" });
  async function load() {
    const q = within.value ? `?expiring_within=${encodeURIComponent(within.value)}` : "";
    const [c, p, v] = await Promise.all([all(`/v1/certificates${q}`), all(`/v1/insurance${q}`), all("/v1/insurance/coverage")]);
    certificates.replaceChildren(table([
      { key: "number", label: t("certificate_number") }, { key: "holder", label: t("holder") },
      { key: "item", label: t("certificate_item"), render: (r) => `${r.item} ${r.item_name}` },
      { key: "valid_until", label: t("valid_until") }, { key: "days_left", label: t("days_left") },
      { key: "status", render: (r) => status(r.status) }, { key: "authority", label: t("authority") },
      { key: "employer", label: t("employer") },
    ], c));
    policies.replaceChildren(table([
      { key: "number", label: t("policy_number") }, { key: "insurer", label: t("insurer") }, { key: "owner", label: t("owner") },
      { key: "types", label: t("covers"), render: (r) => r.device ?? r.types.split(" ").map((x) => term("type", x)).join("、") },
      { key: "cover_cny", label: t("cover_cny") }, { key: "valid_from", label: t("from") }, { key: "valid_to", label: t("to") },
      { key: "days_left", label: t("days_left") }, { key: "status", render: (r) => status(r.status) },
      { key: "devices_covered", label: t("devices_covered") },
    ], p));
    coverage.replaceChildren(table([
      { key: "dimension", render: (r) => t(r.dimension) }, { key: "key", label: t("name") },
      { key: "type", render: (r) => term("type", r.type) }, { key: "devices", label: t("devices") },
      { key: "insured", label: t("insured") }, { key: "share", label: t("share"), render: (r) => `${Math.round(r.share * 1000) / 10}%` },
    ], v));
  }
  form.addEventListener("submit", (e) => { e.preventDefault(); load(); });
  main.replaceChildren(h("h1", {}, t("people")), form,
    section(t("certificates"), certificates), section(t("insurance"), policies), section(t("insurance_coverage"), coverage));
  await load();
}

// The owner's routine (SAMR Order 74): staff, the record form (owners), records and compliance.
export async function routine(main) {
  const isOwner = session.me.role === "owner";
  const staff = h("div", { id: "staff" });
  const records = h("div", { id: "routine-records" });
  const compliance = h("div", { id: "routine-compliance" });
  let named = [];
  async function load() {
    const [s, r, c] = await Promise.all([all("/v1/routine/staff"), all("/v1/routine?limit=200"), all("/v1/routine/compliance")]);
    named = s;
    staff.replaceChildren(table([
      { key: "owner", label: t("owner") }, { key: "role", render: (x) => term("staff_role", x.role) }, { key: "name", label: t("name") },
      { key: "certificate", label: t("certificate_number") }, { key: "since", label: t("since") },
    ], s));
    records.replaceChildren(table([
      { key: "period", label: t("period") }, { key: "kind", render: (x) => term("routine_kind", x.kind) }, { key: "owner", label: t("owner") },
      { key: "device" }, { key: "site" }, { key: "by", label: t("by") }, { key: "hazards", label: t("hazards_found") },
      { key: "findings", label: t("findings"), wrap: true }, { key: "recorded_at", label: t("recorded") },
    ], r));
    compliance.replaceChildren(table([
      { key: "owner", label: t("owner") }, { key: "kind", render: (x) => term("routine_kind", x.kind) },
      { key: "due", label: t("owed") }, { key: "recorded", label: t("recorded") },
      { key: "missed", label: t("missed"), render: (x) => x.missed ? h("strong", { class: "error" }, String(x.missed)) : "0" },
      { key: "rate", label: t("rate"), render: (x) => x.staff_named ? (x.rate === null ? "—" : `${Math.round(x.rate * 1000) / 10}%`) : h("span", { class: "error" }, t("no_staff")) },
      { key: "last_missed", label: t("last_missed") },
    ], c));
    if (isOwner) byList.replaceChildren(...named.map((x) => h("option", { value: x.name }, `${x.name}（${term("staff_role", x.role)}）`)));
  }
  const byList = h("datalist", { id: "staff-names" });
  const parts = [h("h1", {}, t("routine"))];
  if (isOwner) parts.push(routineForm(load, byList));
  parts.push(section(t("routine_compliance"), compliance), section(t("routine_records"), records), section(t("staff"), staff));
  main.replaceChildren(...parts);
  await load();
}

function routineForm(reload, byList) {
  const result = h("p", { role: "status" });
  const form = h("form", { class: "card filters", id: "routine-form" },
    h("h2", {}, t("record_routine")),
    h("label", {}, t("kind"), h("select", { name: "kind" }, ...["daily", "weekly", "monthly"].map((k) => h("option", { value: k }, term("routine_kind", k))))),
    h("label", {}, t("period"), h("input", { name: "period", size: 12, placeholder: "2026-12-07 / 2026-W49 / 2026-12" })),
    h("label", {}, t("device"), h("input", { name: "device", size: 22 })),
    h("label", {}, t("by"), h("input", { name: "by", required: true, list: "staff-names", size: 10 }), byList),
    h("label", {}, t("hazards_found"), h("input", { name: "hazards", type: "number", min: 0, value: 0 })),
    h("label", {}, t("findings"), h("input", { name: "findings", size: 40 })),
    h("button", { class: "primary", type: "submit" }, t("submit")), result);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const body = { kind: String(data.get("kind")), by: String(data.get("by")).trim(), findings: String(data.get("findings") || ""),
                   hazards: Number(data.get("hazards") || 0) };
    for (const k of ["period", "device"]) { const v = String(data.get(k) || "").trim(); if (v) body[k] = v; }
    try {
      const r = await api("/v1/routine", { method: "POST", body });
      result.className = "";
      result.textContent = `${t("reported")}: #${r.id} ${term("routine_kind", r.kind)} ${r.period}`;
      reload();
    } catch (err) {
      result.className = "error";
      result.textContent = err.message;
    }
  });
  return form;
}
