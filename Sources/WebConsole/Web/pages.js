// The console's pages. Each renders into `main` from /v1 answers and may return a function that
// stops what it started (the live stream).
import { api, all, download, stream, session, APIError } from "./api.js";
import { t, time, gradeName, severityName, term, localDay, mustNotUseText, alarmMessage, lang } from "./i18n.js";
import { h, link, table, gradeBadge, severityBadge, stopBadge, section, named } from "./dom.js";
import { bars } from "./charts.js";
import { urgentFirst, deadline, noticesCard, maintenanceForm } from "./work.js";

const GRADES = ["red", "orange", "yellow", "blue"];
const GRADE_COLORS = { red: "#c62828", orange: "#ef6c00", yellow: "#f9a825", blue: "#1565c0" };
const SEVERITIES = ["critical", "major", "warning", "info"];
const SEV_COLORS = { critical: "#c62828", major: "#ef6c00", warning: "#f9a825", info: "#1565c0" };
const TYPES = ["elevator", "escalator", "boiler", "pressure_vessel", "gas_cylinder", "forklift"];

export function errorView(e) {
  if (e instanceof APIError && e.status === 404) return h("div", {}, h("h1", {}, t("not_found")), h("p", { class: "muted" }, e.message));
  return h("div", {}, h("h1", {}, t("error")), h("p", { class: "error" }, e.message || String(e)));
}

export function signin(main, submit) {
  const input = h("input", { id: "token", name: "token", type: "password", autocomplete: "off", required: true });
  const message = h("p", { class: "error", role: "alert" });
  const form = h("form", { class: "card signin" },
    h("h1", {}, t("signin")), h("p", { class: "muted" }, t("signin_help")),
    h("label", { for: "token" }, t("token"), input), h("p", {}, h("button", { class: "primary", type: "submit" }, t("signin_button"))), message);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    message.textContent = "";
    try { await submit(input.value.trim()); } catch { message.textContent = t("bad_token"); }
  });
  main.replaceChildren(form);
  input.focus();
}

/** Query text from a form's named fields (empty ones left out). */
function query(form) {
  const p = new URLSearchParams();
  for (const [k, v] of new FormData(form)) if (v !== "") p.set(k, v);
  return p;
}

function select(name, label, values, render = (v) => v, selected = "") {
  return h("label", {}, label, h("select", { name },
    h("option", { value: "" }, t("all")), values.map((v) => h("option", { value: v, selected: v === selected }, render(v)))));
}

// MARK: overview

export async function overview(main) {
  const me = session.me;
  const [devices, alarms, due, hazards] = await Promise.all([
    all("/v1/devices"), all("/v1/alarms?state=open"), api("/v1/inspections/due?within=30"), api("/v1/hazards?status=open&limit=1000"),
  ]);
  const byGrade = GRADES.map((g) => ({ label: gradeName(g), value: devices.filter((d) => d.risk_grade === g).length, color: GRADE_COLORS[g] }));
  const byType = TYPES.map((ty) => ({ label: term("type", ty), value: devices.filter((d) => d.type === ty).length })).filter((r) => r.value);
  const bySeverity = SEVERITIES.map((s) => ({ label: severityName(s), value: alarms.filter((a) => a.severity === s).length, color: SEV_COLORS[s] }));
  const stopped = devices.filter((d) => d.must_not_use);
  const overdue = due.items.filter((i) => i.overdue);
  const live = h("ul", { class: "live", "aria-live": "polite", id: "live" }, h("li", { class: "muted" }, t("live_waiting")));
  const state = h("span", { class: "muted" });
  // A firm's dispatcher sees its open notices on top, a trapped-passenger rescue first.
  const firmCard = me.role === "firm" ? await noticesCard() : "";
  main.replaceChildren(
    h("h1", {}, t("overview")),
    firmCard,
    // Open major hazards first: each keeps its device out of use until verified and closed (销号).
    hazards.items.length ? h("section", { id: "open-hazards", role: "alert" }, h("h2", {}, `${t("open_hazards")} (${hazards.items.length})`), table([
      { key: "id" },
      { key: "device", render: (z) => link(`/devices/${encodeURIComponent(z.device)}`, z.device) },
      { key: "site", render: (z) => named(z.site_name, z.site) }, { key: "rule" }, { key: "raised_at" },
      { key: "rectified_at", label: term("step", "rectified"), render: (z) => z.rectified_at ? time(z.rectified_at) : "—" },
      { key: "confirmed_at", label: term("step", "confirmed"), render: (z) => z.confirmed_at ? time(z.confirmed_at) : "—" },
    ], hazards.items)) : "",
    h("div", { class: "grid" },
      section(t("devices_by_grade"), h("p", { class: "big" }, String(devices.length)), bars(byGrade, { title: t("devices_by_grade") })),
      section(t("devices_by_type"), bars(byType, { title: t("devices_by_type") })),
      section(t("open_alarms"), h("p", { class: "big" }, String(alarms.length)), bars(bySeverity, { title: t("open_alarms") }),
        h("p", {}, link("/alarms", t("alarms")))),
      section(t("inspections"),
        h("p", {}, h("span", { class: "big", id: "due-count" }, String(due.items.length - overdue.length)), " ", t("due_30")),
        h("p", {}, h("span", { class: "big", id: "overdue-count" }, String(overdue.length)), " ", t("overdue")),
        me.role === "owner" ? h("p", {}, link("/due", t("my_inspections")))
          : me.role !== "firm" ? h("p", {}, link("/schedule", t("schedule"))) : null),
    ),
    h("div", { class: "grid" },
      section(`${t("must_not_use")} (${stopped.length})`, table([
        { key: "id", label: t("device"), render: (d) => link(`/devices/${encodeURIComponent(d.id)}`, d.id) },
        { key: "type" }, { key: "site", render: (r) => named(r.site_name, r.site) },
        { key: "must_not_use_reason", label: t("reason"), wrap: true, render: (d) => mustNotUseText(d) },
      ], stopped.slice(0, 50))),
      section(t("live"), h("p", {}, state), live),
    ),
  );
  let first = true;
  return stream((e) => {
    if (e.kind !== "alarm") return;
    if (first) { live.replaceChildren(); first = false; }
    const a = e.data;
    live.prepend(h("li", {}, h("span", { class: "muted" }, time(a.at)), " ", severityBadge(a.severity ?? "info"), " ",
      a.transition ?? "", " ", link(`/devices/${encodeURIComponent(a.device)}`, a.device ?? ""), " ", alarmMessage(a) || a.rule || ""));
    while (live.children.length > 50) live.lastChild.remove();
  }, (s) => { state.textContent = t(s); });
}

// MARK: alarms and incidents

const alarmColumns = (onAck) => [
  { key: "id" },
  { key: "severity", render: (a) => severityBadge(a.severity) },
  { key: "state" },
  { key: "device", render: (a) => link(`/devices/${encodeURIComponent(a.device)}`, a.device) },
  { key: "type" }, { key: "site", render: (r) => named(r.site_name, r.site) }, { key: "rule" },
  { key: "message", wrap: true },
  { key: "fired_at", label: t("fired") },
  { key: "acked_by", label: t("acked"), render: (a) => a.acked_by
      ? `${a.acked_by} ${time(a.acked_at)}`
      : (onAck ? h("span", { class: "row" },
          h("button", { class: "small", type: "button", "data-ack": a.id, onclick: () => onAck(a, false) }, t("ack")),
          a.rule?.includes("trapped") ? h("button", { class: "small", type: "button", onclick: () => onAck(a, true) }, t("ack_on_site")) : null) : "") },
];

export async function alarms(main) {
  const params = new URLSearchParams(location.search);
  if (!params.has("state")) params.set("state", "open");
  const form = h("form", { class: "filters" },
    select("state", t("state"), ["open", "pending", "firing", "resolved"], (v) => term("state", v), params.get("state")),
    select("severity", t("severity"), SEVERITIES, severityName, params.get("severity") ?? ""),
    select("type", t("type"), TYPES, (v) => term("type", v), params.get("type") ?? ""),
    h("label", {}, t("device"), h("input", { name: "device", value: params.get("device") ?? "", size: 20 })),
    h("button", { class: "primary", type: "submit" }, t("filter")),
    h("button", { type: "button", onclick: () => download(`/v1/alarms?${query(form)}&format=csv`, "alarms.csv") }, t("csv")));
  const list = h("div", { id: "alarm-list" });
  const canAck = session.me.role !== "owner";
  async function load() {
    const rows = await all(`/v1/alarms?${query(form)}`, 2000);
    list.replaceChildren(h("p", { class: "muted" }, `${rows.length}`), table(alarmColumns(canAck ? ack : null), rows));
  }
  async function ack(a, onSite) {
    await api(`/v1/alarms/${a.id}/ack`, { method: "POST", body: onSite ? { on_site: true } : {} });
    await load();
  }
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    history.replaceState(null, "", `/alarms?${query(form)}`);
    load();
  });
  main.replaceChildren(h("h1", {}, t("alarms")), form, list);
  await load();
  let pending = null;
  return stream((e) => {
    if (e.kind !== "alarm" || pending) return;
    pending = setTimeout(() => { pending = null; load(); }, 300);
  });
}

export async function incidents(main) {
  const params = new URLSearchParams(location.search);
  const form = h("form", { class: "filters" },
    select("status", t("status"), ["open", "resolved"], (v) => term("status", v), params.get("status") ?? ""),
    select("severity", t("severity"), SEVERITIES, severityName, params.get("severity") ?? ""),
    select("type", t("type"), TYPES, (v) => term("type", v), params.get("type") ?? ""),
    h("button", { class: "primary", type: "submit" }, t("filter")),
    h("button", { type: "button", onclick: () => download(`/v1/incidents?${query(form)}&format=csv`, "incidents.csv") }, t("csv")));
  const list = h("div");
  async function load() {
    const rows = await all(`/v1/incidents?${query(form)}`, 2000);
    list.replaceChildren(table([
      { key: "id", render: (i) => link(`/incidents/${i.id}`, String(i.id)) },
      { key: "severity", render: (i) => severityBadge(i.severity) }, { key: "status" },
      { key: "device", render: (i) => link(`/devices/${encodeURIComponent(i.device)}`, i.device) },
      { key: "type" }, { key: "site", render: (r) => named(r.site_name, r.site) }, { key: "title", wrap: true }, { key: "opened_at", label: t("opened") },
      { key: "resolved_at", label: t("resolved") },
    ], rows));
  }
  form.addEventListener("submit", (e) => { e.preventDefault(); history.replaceState(null, "", `/incidents?${query(form)}`); load(); });
  main.replaceChildren(h("h1", {}, t("incidents")), form, list);
  await load();
}

export async function incident(main, id) {
  const i = await api(`/v1/incidents/${id}`);
  const inc = i.incident;
  const rescue = i.rescue;
  const story = i.story ?? [];
  const facts = [
    [t("device"), link(`/devices/${encodeURIComponent(inc.device)}`, inc.device)], [t("type"), term("type", inc.type)],
    [t("site"), named(inc.site_name, inc.site)], [t("rule"), inc.rule], [t("severity"), severityBadge(inc.severity)],
    [t("status"), term("status", inc.status)], [t("opened"), time(inc.opened_at)],
  ];
  if (rescue) {
    facts.push([t("firm"), named(session.names?.find((n) => n.id === rescue.firm)?.name, rescue.firm)],
      [t("rescue_deadline"), `${time(rescue.deadline_at)} (${rescue.within_min} ${t("minutes")})`],
      [t("on_site"), rescue.on_site_at ? `${time(rescue.on_site_at)} · ${rescue.on_site_by ?? ""}` : "—"]);
  }
  if (inc.resolved_at) facts.push([t("resolved"), time(inc.resolved_at)]);
  main.replaceChildren(
    h("h1", {}, `${t("incidents")} ${id}`),
    section(inc.title ?? "", h("dl", { class: "kv", id: "incident-facts" }, facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]))),
    section(t("timeline"), h("ol", { class: "story", id: "story" }, story.map((l) =>
      h("li", { class: l.ahead ? "ahead" : null, "data-kind": l.kind },
        h("time", { datetime: l.at }, time(l.at)), " ",
        l.after_s ? h("span", { class: "muted" }, `+${afterText(l.after_s)} `) : "",
        lang === "zh" ? l.text_zh : l.text)))));
}

/** Seconds after the alarm in words: "3 min 20 s" / "3分20秒". */
function afterText(s) {
  const d = Math.floor(s / 86400), hr = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  const zh = lang === "zh";
  if (d) return zh ? `${d}天${hr ? hr + "小时" : ""}` : `${d} d${hr ? ` ${hr} h` : ""}`;
  if (hr) return zh ? `${hr}小时${m ? m + "分" : ""}` : `${hr} h${m ? ` ${m} min` : ""}`;
  if (m) return zh ? `${m}分${sec ? sec + "秒" : "钟"}` : `${m} min${sec ? ` ${sec} s` : ""}`;
  return zh ? `${sec}秒` : `${sec} s`;
}

// MARK: devices

export async function devices(main) {
  const params = new URLSearchParams(location.search);
  const form = h("form", { class: "filters" },
    select("type", t("type"), TYPES, (v) => term("type", v), params.get("type") ?? ""),
    select("grade", t("grade"), GRADES, gradeName, params.get("grade") ?? ""),
    select("must_not_use", t("must_not_use_short"), ["true", "false"], (v) => (v === "true" ? t("yes") : t("no")), params.get("must_not_use") ?? ""),
    h("button", { class: "primary", type: "submit" }, t("filter")),
    h("button", { type: "button", onclick: () => download(`/v1/devices?${query(form)}&format=csv`, "devices.csv") }, t("csv")));
  const list = h("div");
  async function load() {
    const rows = await all(`/v1/devices?${query(form)}`);
    list.replaceChildren(h("p", { class: "muted" }, String(rows.length)), table([
      { key: "id", label: t("device"), render: (d) => link(`/devices/${encodeURIComponent(d.id)}`, d.id) },
      { key: "type" }, { key: "site", render: (r) => named(r.site_name, r.site) }, { key: "owner_name", label: t("owner") }, { key: "firm", render: (r) => named(r.firm_name, r.firm) },
      { key: "risk_grade", label: t("grade"), render: (d) => gradeBadge(d.risk_grade) },
      { key: "must_not_use", label: t("must_not_use_short"), render: (d) => d.must_not_use ? stopBadge(mustNotUseText(d)) : "" },
      { key: "last_seen" },
    ], rows));
  }
  form.addEventListener("submit", (e) => { e.preventDefault(); history.replaceState(null, "", `/devices?${query(form)}`); load(); });
  main.replaceChildren(h("h1", {}, t("devices")), form, list);
  await load();
}

// MARK: notices

export async function notices(main) {
  const form = h("form", { class: "filters" },
    select("status", t("status"), ["open", "acked", "closed"], (v) => term("status", v), "open"),
    select("kind", t("kind"), ["maintenance_due", "maintenance_overdue", "fault_followup", "inspection_due", "inspection_overdue",
                               "rescue", "regime_changed", "risk_red", "fill_refused", "filler_uncertified"], (v) => term("kind", v)),
    h("button", { class: "primary", type: "submit" }, t("filter")));
  const list = h("div");
  const canAck = session.me.role !== "owner";
  async function load() {
    const rows = urgentFirst(await all(`/v1/notices?${query(form)}`, 2000));
    list.replaceChildren(table([
      { key: "id" }, { key: "kind", render: (n) => h("span", { class: n.kind === "rescue" && n.status !== "closed" ? "badge sev-critical" : null }, term("kind", n.kind)) },
      { key: "device", render: (n) => link(`/devices/${encodeURIComponent(n.device)}`, n.device) },
      { key: "firm", render: (r) => named(r.firm_name, r.firm) }, { key: "reason", wrap: true },
      { key: "due_by", render: (n) => (n.status === "closed" ? time(n.due_by) : deadline(n)) }, { key: "status" },
      { key: "created_at", label: t("created") },
      { key: "acked_by", label: t("acked"), render: (n) => n.acked_by ? n.acked_by
          : (canAck && n.status === "open" ? h("button", { class: "small", type: "button",
              onclick: async () => { await api(`/v1/notices/${n.id}/ack`, { method: "POST", body: {} }); load(); } }, t("ack")) : "") },
    ], rows));
  }
  form.addEventListener("submit", (e) => { e.preventDefault(); load(); });
  // The dispatcher's report form sits above the list: the device picked from the firm's own.
  const parts = [h("h1", {}, t("notices"))];
  if (session.me.role === "firm") parts.push(await maintenanceForm(load));
  parts.push(form, list);
  main.replaceChildren(...parts);
  await load();
}

// MARK: inspection plan

export async function schedule(main) {
  // The display zone's days (a plan made at 07:00 in Beijing starts today, not on yesterday's UTC date).
  const today = localDay();
  const later = localDay(Date.now() + 90 * 86400000);
  const form = h("form", { class: "filters" },
    h("label", {}, t("from"), h("input", { type: "date", name: "from", value: today })),
    h("label", {}, t("to"), h("input", { type: "date", name: "to", value: later })),
    h("label", {}, t("inspectors"), h("input", { type: "number", name: "inspectors", value: 2, min: 0, max: 1000 })),
    h("label", {}, t("per_day"), h("input", { type: "number", name: "per_day", value: 4, min: 0, max: 100 })),
    h("button", { class: "primary", type: "submit" }, t("plan")),
    h("button", { type: "button", onclick: () => download(`/v1/inspections/schedule?${query(form)}&format=ics`, "inspections.ics") }, t("ics")),
    h("button", { type: "button", onclick: () => download(`/v1/inspections/schedule?${query(form)}&format=csv`, "inspections.csv") }, t("csv")));
  const out = h("div");
  async function load() {
    const plan = await api(`/v1/inspections/schedule?${query(form)}`);
    const rows = plan.visits.flatMap((v) => v.items.map((i, n) => ({ ...i, date: n ? "" : v.date, inspector: n ? "" : v.inspector,
      site: n ? "" : (v.site_name ?? v.site) })));
    const s = plan.summary;
    out.replaceChildren(
      h("p", {}, `${t("visits")}: ${s.visits} · ${t("inspections")}: ${s.inspections} · ${t("on_time")}: ${s.on_time} · ${t("overdue")}: ${s.overdue_at_start} · ${t("unassigned")}: ${s.unassigned}`),
      ...(s.caveats ?? []).map((c) => h("p", { class: "muted" }, c)),
      table([{ key: "date" }, { key: "inspector" }, { key: "site" },
        { key: "device", render: (i) => link(`/devices/${encodeURIComponent(i.device)}`, i.device) },
        { key: "kind" }, { key: "due" }, { key: "grade", render: (i) => i.grade ? gradeBadge(i.grade) : "" },
        { key: "overdue", render: (i) => (i.overdue ? t("overdue") : "") }], rows),
      plan.unassigned.length ? section(t("unassigned"), table([{ key: "device" }, { key: "kind" }, { key: "due" }, { key: "reason", wrap: true }], plan.unassigned)) : "",
      (plan.owner_duties ?? []).length ? section(`${t("owner_duties")} (${plan.owner_duties.length})`,
        h("p", { class: "muted" }, t("owner_duties_help")),
        table([{ key: "device", render: (i) => link(`/devices/${encodeURIComponent(i.device)}`, i.device) }, { key: "kind" }, { key: "due" },
               { key: "overdue", render: (i) => (i.overdue ? t("overdue") : "") }, { key: "owner" }], plan.owner_duties)) : "");
  }
  form.addEventListener("submit", (e) => { e.preventDefault(); load(); });
  main.replaceChildren(h("h1", {}, t("schedule")), form, out);
  await load();
}

// MARK: statistics

export async function stats(main) {
  const year = Number(localDay().slice(0, 4));
  const form = h("form", { class: "filters" },
    h("label", {}, t("year"), h("input", { type: "number", name: "year", value: year, min: 2000, max: 2999 })),
    h("button", { class: "primary", type: "submit" }, t("filter")));
  const out = h("div");
  async function load() {
    const s = await api(`/v1/stats?${query(form)}`);
    const months = s.alarms_by_month ?? [];
    const types = s.alarms_by_type ?? [];
    const ins = (s.inspections ?? [])[0] ?? {};
    out.replaceChildren(h("div", { class: "grid" },
      section(t("alarms_by_month"), bars(months.map((r) => ({ label: r.key, value: r.alarms }))),
        table([{ key: "key", label: t("month") }, { key: "alarms", label: t("alarms") }, { key: "critical", label: t("critical") },
               { key: "incidents", label: t("incidents") }], months)),
      section(t("alarms_by_type"), bars(types.map((r) => ({ label: term("type", r.key), value: r.incidents })), { title: t("incidents") }),
        table([{ key: "key", label: t("type"), render: (r) => term("type", r.key) }, { key: "alarms", label: t("alarms") }, { key: "incidents", label: t("incidents") }], types)),
      section(t("grades"), bars((s.risk_grades ?? []).map((r) => ({ label: gradeName(r.grade), value: r.devices, color: GRADE_COLORS[r.grade] })))),
      section(t("inspections"), h("dl", { class: "kv" }, ["recorded", "passed", "failed", "on_time", "late", "must_not_use", "overdue_now"]
        .map((k) => [h("dt", {}, t(k === "overdue_now" ? "overdue" : k)), h("dd", {}, String(ins[k] ?? 0))]))),
    ),
    section(t("accidents_by_class"), table([{ key: "key", label: t("accident_class"), render: (r) => term("accident_class", r.key) },
      { key: "accidents", label: t("accidents") }, { key: "deaths", label: t("deaths") }, { key: "serious_injuries", label: t("serious_injuries") },
      { key: "loss_cny", label: t("loss_cny") }], s.accidents_by_class ?? [])),
    section(t("accidents_by_cause"), table([{ key: "key", label: t("cause"), render: (r) => r.key === "under_investigation" ? t("under_investigation") : r.key },
      { key: "accidents", label: t("accidents") }], s.accidents_by_cause ?? [])),
    section(t("rescue"), table([{ key: "firm_name", label: t("firm"), render: (r) => r.firm_name ?? r.firm }, { key: "trapped", label: t("trapped") },
      { key: "median_response_min", label: t("median_min") }, { key: "p90_response_min", label: t("p90_min") },
      { key: "median_resolved_min", label: t("median_resolved_min") }, { key: "within_deadline", label: t("within_deadline") },
      { key: "share_within", label: t("share_within"), render: (r) => r.share_within === null ? "" : `${Math.round(r.share_within * 100)} %` },
      { key: "missed", label: t("missed") }, { key: "running", label: t("running") }], s.rescue_response ?? [])),
    section(t("maintenance_on_time"), table([{ key: "firm_name", label: t("firm"), render: (r) => r.firm_name ?? r.firm },
      { key: "notices", label: t("notices") }, { key: "on_time", label: t("on_time") }, { key: "late", label: t("late") },
      { key: "open_overdue", label: t("open_overdue") }], s.maintenance_on_time ?? [])));
  }
  form.addEventListener("submit", (e) => { e.preventDefault(); load(); });
  const audit = h("div");
  main.replaceChildren(h("h1", {}, t("stats")), form, out, audit);
  await load();
  if (session.me.role === "supervisor") {
    // The evidence chain verified now: timelines, evidence readings and accidents unedited since sealed.
    const a = await api("/v1/audit");
    audit.replaceChildren(section(t("evidence_chain"),
      h("p", { id: "audit-status", class: a.ok ? "" : "error", role: a.ok ? null : "alert" },
        a.ok ? `${t("evidence_ok")}: ${a.entries} · ${t("evidence_pending")}: ${a.pending}` : t("evidence_broken")),
      a.head ? h("p", { class: "muted" }, h("small", {}, `${t("evidence_head")} #${a.head_seq} ${a.head}`)) : "",
      a.findings.length ? table([{ key: "seq", label: "#" }, { key: "source", label: t("kind") }, { key: "ref", label: t("id") },
                                 { key: "problem", label: t("reason"), wrap: true }], a.findings.slice(0, 50)) : ""));
  }
}

// MARK: accidents

/** Special-equipment accidents (特种设备事故): the list in scope with class and the reporting
 * clock; owners and supervisors report one (the class is decided by the server from the figures)
 * and confirm the ones EquipWatch proposed (passengers held past the limit). */
export async function accidents(main) {
  const year = Number(localDay().slice(0, 4));
  const form = h("form", { class: "filters" },
    h("label", {}, t("year"), h("input", { type: "number", name: "year", value: year, min: 2000, max: 2998 })),
    select("status", t("status"), ["proposed", "reported", "investigating", "closed", "dismissed"], (v) => term("accident_status", v)),
    h("button", { class: "primary", type: "submit" }, t("filter")));
  const list = h("div");
  const mayReport = session.me.role !== "firm";
  async function load() {
    const rows = await all(`/v1/accidents?${query(form)}`, 1000);
    list.replaceChildren(table([
      { key: "id" }, { key: "occurred_at", label: t("occurred_at") },
      { key: "class", label: t("accident_class"), render: (r) => h("strong", {}, term("accident_class", r.class)) },
      { key: "status", render: (r) => term("accident_status", r.status) },
      { key: "device", render: (r) => link(`/devices/${encodeURIComponent(r.device)}`, r.device) },
      { key: "site", render: (r) => named(r.site_name, r.site) },
      { key: "deaths", label: t("deaths") }, { key: "serious_injuries", label: t("serious_injuries") },
      { key: "loss_cny", label: t("loss_cny") },
      { key: "special_case", label: t("special_case"), render: (r) => term("special_case", r.special_case) },
      { key: "report_due_at", label: t("report_due_at") },
      { key: "reported_at", label: t("reported_at"), render: (r) => r.reported_at ? [cellTime(r.reported_at), r.report_late ? h("span", { class: "error" }, ` ${t("late")}`) : ""]
          : (mayReport && r.status === "proposed" ? h("button", { class: "small", type: "button",
              onclick: async () => { await api(`/v1/accidents/${r.id}/report`, { method: "POST", body: {} }); load(); } }, t("report_accident")) : "") },
      { key: "summary", wrap: true }, { key: "cause", label: t("cause"), wrap: true },
    ], rows));
  }
  form.addEventListener("submit", (e) => { e.preventDefault(); load(); });
  const parts = [h("h1", {}, t("accidents")), form, list];
  if (mayReport) parts.push(accidentForm(load));
  main.replaceChildren(...parts);
  await load();
}

function cellTime(v) { return h("span", {}, time(v)); }

function accidentForm(reload) {
  const result = h("p", { role: "status" });
  const form = h("form", { class: "card filters", id: "accident-form" },
    h("h2", {}, t("record_accident")),
    h("label", {}, t("device"), h("input", { name: "device", required: true, size: 22 })),
    h("label", {}, t("occurred_at"), h("input", { name: "at", type: "datetime-local", required: true })),
    h("label", {}, t("deaths"), h("input", { name: "deaths", type: "number", min: 0, value: 0 })),
    h("label", {}, t("serious_injuries"), h("input", { name: "serious_injuries", type: "number", min: 0, value: 0 })),
    h("label", {}, t("loss_cny"), h("input", { name: "loss_cny", type: "number", min: 0, value: 0 })),
    h("label", {}, t("summary"), h("input", { name: "summary", size: 40 })),
    h("button", { class: "primary", type: "submit" }, t("submit")), result);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const body = { device: String(data.get("device")).trim(), at: new Date(String(data.get("at"))).toISOString(),
                   deaths: Number(data.get("deaths") || 0), serious_injuries: Number(data.get("serious_injuries") || 0),
                   loss_cny: Number(data.get("loss_cny") || 0) };
    const summary = String(data.get("summary") || "").trim();
    if (summary) body.summary = summary;
    try {
      const r = await api("/v1/accidents", { method: "POST", body });
      result.className = "";
      result.textContent = `${t("reported")}: #${r.accident.id} ${term("accident_class", r.accident.class)}`;
      reload();
    } catch (err) {
      result.className = "error";
      result.textContent = err.message;
    }
  });
  return form;
}
