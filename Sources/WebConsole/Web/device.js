// One device: registry, must-not-use, risk breakdown (L × E × C), a chart of a field over a
// period, latest readings, maintenance, notices, inspections with due dates and history.
import { api } from "./api.js";
import { t, time, mustNotUseText, localName } from "./i18n.js";
import { h, table, kv, section, gradeBadge, severityBadge, stopBadge, named } from "./dom.js";
import { line } from "./charts.js";

const PERIODS = { hour: 3600e3, day: 86400e3, week: 7 * 86400e3 };

export async function devicePage(main, id) {
  const r = await api(`/v1/devices/${encodeURIComponent(id)}`);
  const d = r.device[0];
  const risk = r.risk[0];
  const fields = [...new Set(r.last_readings.flatMap((x) => Object.entries(x.data).filter(([, v]) => typeof v === "number").map(([k]) => k)))];
  const chartBox = h("div", { id: "chart" });
  const fieldSelect = h("select", { name: "field" }, fields.map((f) => h("option", { value: f }, f)));
  const periodSelect = h("select", { name: "period" }, Object.keys(PERIODS).map((p) => h("option", { value: p, selected: p === "day" }, t(p))));
  async function drawChart() {
    const field = fieldSelect.value;
    if (!field) { chartBox.replaceChildren(h("p", { class: "muted" }, t("no_data"))); return; }
    const from = new Date(Date.now() - PERIODS[periodSelect.value]).toISOString();
    const page = await api(`/v1/devices/${encodeURIComponent(id)}/readings?from=${encodeURIComponent(from)}&limit=1000`);
    const points = page.items.filter((x) => typeof x.data[field] === "number").map((x) => ({ t: Date.parse(x.ts), v: x.data[field] }));
    chartBox.replaceChildren(points.length ? line(points, { title: `${field}`, fmt: (ms) => time(ms).slice(5, 16) })
                                          : h("p", { class: "muted" }, t("no_data")));
  }
  fieldSelect.addEventListener("change", drawChart);
  periodSelect.addEventListener("change", drawChart);

  main.replaceChildren(
    h("h1", {}, `${t("device")} ${d.id}`),
    d.must_not_use ? h("p", { role: "alert" }, stopBadge(mustNotUseText(d)), " ", mustNotUseText(d)) : "",
    r.hazards.length ? section(t("hazards"),
      table([{ key: "id" }, { key: "rule" }, { key: "raised_at" }, { key: "status" }, { key: "closed_at" }, { key: "closed_by" },
             { key: "closed_organisation", label: t("organisation") }], r.hazards),
      h("h3", {}, t("hazard_timeline")),
      table([{ key: "hazard", label: t("id") }, { key: "at" }, { key: "step" }, { key: "party", render: (s) => localName(s.party, s.party) },
             { key: "by" }, { key: "organisation", render: (s) => localName(s.organisation, s.organisation) },
             { key: "note", wrap: true }], r.hazard_timeline)) : "",
    h("div", { class: "grid" },
      section(t("registry"), kv({ ...d, site: named(d.site_name, d.site), owner: named(d.owner_name, d.owner), firm: named(d.firm_name, d.firm) },
        ["type", "site", "owner", "firm", "gateway", "commissioned", "monitored", "last_seen"]),
        h("p", {}, gradeBadge(d.risk_grade))),
      section(t("risk"),
        risk ? h("p", {}, gradeBadge(risk.grade), ` D = ${fmt(risk.likelihood)} × ${fmt(risk.exposure)} × ${fmt(risk.consequence)} = ${fmt(risk.score)}`) : "",
        risk ? h("p", { class: "muted" }, `${t("model")}: ${risk.model} · ${time(risk.computed_at)}`) : h("p", { class: "muted" }, t("no_data")),
        table([{ key: "part" }, { key: "factor" }, { key: "input", wrap: true }, { key: "value", render: (f) => fmt(f.value) }], r.risk_factors)),
    ),
    section(t("chart"), h("div", { class: "row" }, h("label", {}, t("field"), fieldSelect), h("label", {}, t("period"), periodSelect)), chartBox),
    h("div", { class: "grid" },
      section(t("maintenance"), r.maintenance[0] ? kv({ ...r.maintenance[0], regime: t(`regime_${r.maintenance[0].regime}`) },
          Object.keys(r.maintenance[0])) : h("p", { class: "muted" }, t("no_data")),
        table([{ key: "counter" }, { key: "value" }, { key: "used_since_maintenance" }, { key: "resets" }], r.counters)),
      section(t("inspections"), table([{ key: "kind" }, { key: "last" }, { key: "due" }, { key: "overdue" }, { key: "basis", wrap: true }], r.inspections)),
    ),
    section(t("history"), table([{ key: "date" }, { key: "kind" }, { key: "result" }, { key: "grade", label: t("safety_grade") }, { key: "organisation" },
                                 { key: "report_no" }, { key: "source" }], r.inspection_history)),
    section(t("alarms"), table([{ key: "id" }, { key: "severity", render: (a) => severityBadge(a.severity) }, { key: "rule" },
                                { key: "message", wrap: true }, { key: "fired_at", label: t("fired") }], r.open_alarms)),
    section(t("notices"), table([{ key: "id" }, { key: "kind" }, { key: "reason", wrap: true }, { key: "due_by" }, { key: "status" }], r.notices)),
    section(t("readings"), readingsTable(r.last_readings, r.fields ?? [])),
  );
  await drawChart();
}

/** The latest readings as a table: a row per field of the type (in its order, with its unit and
 * what it measures), a column per reading, newest first; fields no reading carries are left out,
 * a field the type does not know comes last. */
function readingsTable(readings, fields) {
  const latest = readings.slice(0, 5);
  const present = new Set(latest.flatMap((x) => Object.keys(x.data ?? {})));
  const rows = [...fields.filter((f) => present.has(f.field)),
    ...[...present].filter((k) => !fields.some((f) => f.field === k)).sort().map((k) => ({ field: k, unit: null, description: null }))];
  const value = (v) => (typeof v === "boolean" ? t(v ? "yes" : "no") : typeof v === "number" ? fmt(v) : v ?? "");
  return table([
    { key: "field", label: t("field"), render: (f) => h("span", { title: f.description ?? "" }, f.field, f.description ? h("small", { class: "muted" }, ` ${f.description}`) : "") },
    { key: "unit", label: t("unit"), render: (f) => f.unit ?? "" },
    ...latest.map((x, i) => ({ key: `r${i}`, label: time(x.ts).slice(11), render: (f) => value(x.data?.[f.field]) })),
  ], rows);
}

function fmt(v) { return typeof v === "number" ? String(+v.toFixed(3)) : (v ?? ""); }
