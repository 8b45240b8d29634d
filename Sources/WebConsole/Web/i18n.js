// Labels in Chinese (default) and English, from dictionaries; times in the server's display zone.

const dictionaries = {
  zh: {
    regime: "维保方式", regime_since: "方式起始", cycle_began: "本周期开始", last_record: "最近维保记录", due_trigger: "到期原因",
    due_reason: "说明", counter: "计数器", used_since_maintenance: "上次维保后使用量", resets: "清零次数", report_no: "报告编号",
    source: "来源", seq: "序号", unit: "单位", safety_grade: "安全状况等级", regime_fixed: "按周期维保", regime_on_demand: "按需维保",
    rescue_deadline: "救援时限", minutes: "分钟", on_site: "到达现场", hours: "小时", days: "天",
    late_by: "已超时 {}", left: "剩余 {}", open_notices: "待处理通知", rescue_waiting: "{} 起困人救援等待到场！",
    deadline: "期限", no_open_notices: "没有待处理的通知", err_device_not_yours: "设备 {} 不存在，或不由本单位维保",
    err_field: "{}：", err_store: "数据库暂时不可用，请稍后重试", device_search: "输入设备代码、场所或名称搜索",
    items_placeholder: "制动器检查, 门锁检查", err_pick_device: "请从列表中选择本单位维保的设备",
    my_inspections: "我的检验与自检", my_inspections_help: "本单位设备的定期检验与自行检测：到期前至少一个月向检验机构申请，逾期设备不得使用。",
    due_90: "90 天内到期", days_left: "剩余天数", next_step: "下一步", nothing_due: "近期没有到期的检验",
    next_overdue: "已逾期：停止使用并立即申请检验", next_self_test_overdue: "已逾期：立即安排自行检测",
    next_self_test: "安排自行检测（可委托维保单位）", next_apply_now: "立即向检验机构申请检验", next_apply: "到期前一个月申请检验",
    app: "EquipWatch 特种设备安全监测", overview: "总览", alarms: "告警", incidents: "事件", devices: "设备", notices: "通知",
    schedule: "检验计划", stats: "统计", signin: "登录", signout: "退出", language: "English", token: "API 令牌",
    signin_help: "用 equipwatch tokens create 生成的令牌登录；令牌只保存在本标签页。", signin_button: "登录",
    bad_token: "令牌无效、已过期或已吊销。", loading: "加载中…", not_found: "未找到", error: "出错了",
    devices_by_grade: "按风险等级的设备", devices_by_type: "按类型的设备", open_alarms: "未关闭告警（按严重程度）",
    must_not_use: "禁止使用的设备", inspections: "法定检验", due_30: "30 天内到期", overdue: "已逾期",
    live: "实时告警变化", live_waiting: "等待新的变化…", connected: "已连接", reconnecting: "重新连接中…",
    id: "编号", device: "设备", type: "类型", site: "场所", firm: "维保单位", owner: "使用单位", severity: "严重程度", state: "状态",
    rule: "规则", message: "信息", started: "开始", fired: "触发", resolved: "解除", acked: "确认", ack: "确认", ack_on_site: "到达现场",
    acked_by: "确认人", hazards: "重大隐患（GB 45067-2024）", hazard_timeline: "隐患处理经过", open_hazards: "未销号的重大隐患", step: "环节", party: "单位", by: "经办人", organisation: "机构", note: "说明", raised_at: "发现时间", closed_at: "销号时间", closed_by: "销号人", status: "状态", opened: "开启", title: "标题", timeline: "时间线", at: "时间", kind: "种类", detail: "详情",
    all: "全部", filter: "筛选", csv: "下载 CSV", ics: "下载 ICS", grade: "风险等级", score: "风险值", count: "数量",
    registry: "登记信息", commissioned: "投用日期", gateway: "网关", monitored: "监测中", last_seen: "最后通信", yes: "是", no: "否",
    risk: "风险评价", risk_formula: "D = L × E × C", factor: "因素", part: "部分", input: "输入", value: "数值", model: "模型版本",
    maintenance: "维保状态", counters: "计数器", readings: "最新读数", chart: "曲线", field: "字段", period: "时间段",
    hour: "1 小时", day: "24 小时", week: "7 天", no_data: "没有数据", due: "到期", last: "上次", basis: "依据", result: "结果",
    history: "检验记录", reason: "原因", due_by: "期限", created: "创建", report_done: "上报完成的维保", items: "项目（逗号分隔）",
    tiers: "本次完成的周期项目", quarterly: "季度项目", half_yearly: "半年项目", yearly: "年度项目", fill_refused: "违规充装",
    submit: "提交", reported: "已记录", from: "从", to: "到", inspectors: "检验员", per_day: "每人每日检验数", owner_duties: "使用单位自行检测（不占检验员）", owner_duties_help: "电梯自行检测由使用单位负责（TSG T7008-2023），不排入检验机构的计划。", plan: "生成计划",
    date: "日期", inspector: "检验员", visits: "检验行程", unassigned: "未排入", year: "年份", month: "月份",
    rescue: "困人救援响应", within_deadline: "时限内", share_within: "时限内比例", missed: "超时", median_min: "到场中位数（分钟）", median_resolved_min: "解困中位数（分钟）",
    p90_min: "P90（分钟）", maintenance_on_time: "维保按期完成", on_time: "按期", late: "逾期", open_overdue: "逾期未完成",
    grades: "风险等级分布", alarms_by_month: "按月告警", alarms_by_type: "按类型告警", recorded: "记录", passed: "合格",
    failed: "不合格", zone: "时区", none: "无", running: "进行中", trapped: "困人", critical: "严重",
    must_not_use_short: "禁用", supervisor: "监管", page_not_found: "页面不存在", next: "下一页",
    accidents: "事故", accident_class: "事故等级", occurred_at: "发生时间", deaths: "死亡（人）", serious_injuries: "重伤（人）",
    loss_cny: "直接经济损失（元）", special_case: "特定情形", report_due_at: "报告期限", reported_at: "报告时间",
    report_accident: "确认并报告", record_accident: "报告事故（1 小时内）", summary: "经过", cause: "原因",
    accidents_by_class: "按等级的事故", accidents_by_cause: "按原因的事故", under_investigation: "调查中",
    evidence_chain: "证据链（事件时间线、证据读数、事故记录）", evidence_ok: "完整，已封存条目", evidence_pending: "待封存",
    evidence_broken: "证据链不一致：以下条目在封存后被修改、删除或插入", evidence_head: "链头",
    people: "人员与保险", certificates: "作业人员证（TSG Z6001-2019）", insurance: "安全责任保险", insurance_coverage: "保险覆盖率",
    expiring_within: "到期天数以内", certificate_number: "证书编号", holder: "持证人", certificate_item: "作业项目", valid_until: "有效期至",
    days_left: "剩余天数", authority: "发证机关", employer: "聘用单位", policy_number: "保单号", insurer: "保险公司",
    covers: "保障范围", cover_cny: "保额（元）", devices_covered: "在保设备", district: "区县", insured: "已投保", share: "覆盖率",
    worker_cert: "作业人员证号", name: "名称",
    routine: "日管控·周排查·月调度", routine_compliance: "落实情况（按使用单位）", routine_records: "记录", staff: "安全管理人员",
    record_routine: "填写记录", period: "周期", findings: "情况", hazards_found: "隐患（项）", owed: "应记录", missed: "缺失",
    rate: "落实率", no_staff: "未配备安全管理人员", last_missed: "最近缺失", since: "起算日期",
  },
  en: {
    regime: "Regime", regime_since: "Regime since", cycle_began: "Cycle began", last_record: "Last record", due_trigger: "Due because",
    due_reason: "Reason", counter: "Counter", used_since_maintenance: "Used since maintenance", resets: "Resets", report_no: "Report no.",
    source: "Source", seq: "Seq", unit: "Unit", safety_grade: "Safety grade", regime_fixed: "fixed interval", regime_on_demand: "on demand",
    rescue_deadline: "Rescue deadline", minutes: "min", on_site: "On site", hours: "h", days: "days",
    late_by: "late by {}", left: "{} left", open_notices: "Open notices", rescue_waiting: "{} trapped-passenger rescue(s) waiting for you on site!",
    deadline: "Deadline", no_open_notices: "No open notices", err_device_not_yours: "Device {} does not exist or is not maintained by your firm",
    err_field: "{}: ", err_store: "The store is unavailable for a moment; try again shortly", device_search: "Type a device code, site or name",
    items_placeholder: "brake check, door lock check", err_pick_device: "Pick one of your firm's devices from the list",
    my_inspections: "My inspections and self-tests", my_inspections_help: "Your devices' statutory inspections and self-tests: apply to the inspection body at least a month before the due date; an overdue device must not be used.",
    due_90: "due within 90 days", days_left: "Days left", next_step: "Next step", nothing_due: "Nothing due soon",
    next_overdue: "Overdue: stop using it and apply for the inspection now", next_self_test_overdue: "Overdue: have the self-test done now",
    next_self_test: "Arrange the self-test (your maintenance firm may do it)", next_apply_now: "Apply to the inspection body now", next_apply: "Apply a month before it is due",
    app: "EquipWatch special-equipment monitoring", overview: "Overview", alarms: "Alarms", incidents: "Incidents", devices: "Devices",
    notices: "Notices", schedule: "Inspection plan", stats: "Statistics", signin: "Sign in", signout: "Sign out", language: "中文",
    token: "API token", signin_help: "Sign in with a token from equipwatch tokens create; it is kept in this tab only.",
    signin_button: "Sign in", bad_token: "The token is unknown, expired or revoked.", loading: "Loading…", not_found: "Not found",
    error: "Something went wrong", devices_by_grade: "Devices by risk grade", devices_by_type: "Devices by type",
    open_alarms: "Open alarms by severity", must_not_use: "Devices that must not be used", inspections: "Statutory inspections",
    due_30: "due within 30 days", overdue: "overdue", live: "Live alarm changes", live_waiting: "Waiting for changes…",
    connected: "connected", reconnecting: "reconnecting…", id: "Id", device: "Device", type: "Type", site: "Site", firm: "Firm",
    owner: "Owner", severity: "Severity", state: "State", rule: "Rule", message: "Message", started: "Started", fired: "Fired",
    resolved: "Resolved", acked: "Acknowledged", ack: "Acknowledge", ack_on_site: "On site", acked_by: "By", hazards: "Major hazards (GB 45067-2024)", hazard_timeline: "Hazard closure steps", open_hazards: "Open major hazards", step: "Step", party: "Party", by: "By", organisation: "Organisation", note: "Note", raised_at: "Raised", closed_at: "Closed", closed_by: "Closed by", status: "Status",
    opened: "Opened", title: "Title", timeline: "Timeline", at: "At", kind: "Kind", detail: "Detail", all: "All", filter: "Filter",
    csv: "Download CSV", ics: "Download ICS", grade: "Risk grade", score: "Score", count: "Count", registry: "Registry",
    commissioned: "Commissioned", gateway: "Gateway", monitored: "Monitored", last_seen: "Last contact", yes: "yes", no: "no",
    risk: "Risk", risk_formula: "D = L × E × C", factor: "Factor", part: "Part", input: "Input", value: "Value", model: "Model",
    maintenance: "Maintenance", counters: "Counters", readings: "Latest readings", chart: "Chart", field: "Field", period: "Period",
    hour: "1 hour", day: "24 hours", week: "7 days", no_data: "No data", due: "Due", last: "Last", basis: "Basis", result: "Result",
    history: "Inspection history", reason: "Reason", due_by: "Due by", created: "Created", report_done: "Report completed maintenance",
    items: "Items (comma-separated)", tiers: "Item lists covered", quarterly: "Quarterly items", half_yearly: "Half-yearly items",
    yearly: "Yearly items", fill_refused: "Refused fill", submit: "Submit", reported: "Recorded", from: "From", to: "To", inspectors: "Inspectors",
    per_day: "Inspections per inspector-day", owner_duties: "Owners' own self-tests (not booked)", owner_duties_help: "An elevator's self-test is the owner's duty (TSG T7008-2023): listed here, not booked on an inspector.", plan: "Plan", date: "Date", inspector: "Inspector", visits: "Visits", unassigned: "Unassigned",
    year: "Year", month: "Month", rescue: "Trapped-passenger rescue response", within_deadline: "Within deadline",
    share_within: "Share within", missed: "Missed", median_min: "Median to on site (min)", median_resolved_min: "Median to release (min)", p90_min: "P90 (min)",
    maintenance_on_time: "Maintenance on time", on_time: "On time", late: "Late", open_overdue: "Open, overdue",
    grades: "Grade distribution", alarms_by_month: "Alarms by month", alarms_by_type: "Alarms by type", recorded: "Recorded",
    passed: "Passed", failed: "Failed", zone: "Time zone", none: "none", running: "Running", trapped: "Trapped", critical: "Critical",
    must_not_use_short: "Must not be used", supervisor: "Supervisor", page_not_found: "No such page", next: "Next page",
    accidents: "Accidents", accident_class: "Class", occurred_at: "Occurred", deaths: "Deaths", serious_injuries: "Serious injuries",
    loss_cny: "Direct loss (CNY)", special_case: "Special case", report_due_at: "Report due", reported_at: "Reported",
    report_accident: "Confirm and report", record_accident: "Report an accident (within 1 hour)", summary: "What happened", cause: "Cause",
    accidents_by_class: "Accidents by class", accidents_by_cause: "Accidents by cause", under_investigation: "under investigation",
    evidence_chain: "Evidence chain (incident timelines, evidence readings, accident records)", evidence_ok: "intact, entries sealed",
    evidence_pending: "not sealed yet", evidence_broken: "The evidence chain does not match: these entries were edited, deleted or inserted after sealing",
    evidence_head: "head",
    people: "People & insurance", certificates: "Workers' certificates (TSG Z6001-2019)", insurance: "Liability insurance",
    insurance_coverage: "Insurance coverage", expiring_within: "Ending within (days)", certificate_number: "Certificate", holder: "Holder",
    certificate_item: "Item", valid_until: "Valid until", days_left: "Days left", authority: "Issued by", employer: "Employer",
    policy_number: "Policy", insurer: "Insurer", covers: "Covers", cover_cny: "Sum insured (CNY)",
    devices_covered: "Devices covered", district: "District", insured: "Insured", share: "Share", worker_cert: "Worker's certificate", name: "Name",
    routine: "Owners' routine", routine_compliance: "Compliance by owner", routine_records: "Records", staff: "Named staff",
    record_routine: "Record", period: "Period", findings: "Findings", hazards_found: "Hazards", owed: "Owed", missed: "Missed",
    rate: "Rate", no_staff: "no staff named", last_missed: "Last missed", since: "Counted from"
  },
};

const gradeNames = { zh: { red: "重大", orange: "较大", yellow: "一般", blue: "低" }, en: { red: "red (major)", orange: "orange (significant)", yellow: "yellow (general)", blue: "blue (low)" } };
const severityNames = { zh: { critical: "严重", major: "重要", warning: "警告", info: "提示" }, en: { critical: "critical", major: "major", warning: "warning", info: "info" } };

// Closed vocabularies the API answers with (device types, states, notice and inspection kinds,
// risk factors): shown in the reader's language; a value not listed is shown as sent.
const terms = {
  zh: {
    type: { elevator: "电梯", escalator: "自动扶梯/人行道", boiler: "锅炉", pressure_vessel: "压力容器", gas_cylinder: "气瓶", forklift: "叉车" },
    state: { pending: "待触发", firing: "告警中", resolved: "已解除", open: "未关闭" },
    status: { open: "未关闭", acked: "已确认", closed: "已关闭", resolved: "已解决" },
    kind: {
      maintenance_due: "维保到期", maintenance_overdue: "维保逾期", fault_followup: "故障跟进", inspection_due: "检验到期提醒",
      inspection_overdue: "禁止使用（检验）", rescue: "困人救援", regime_changed: "维保方式变更", risk_red: "重大风险", fill_refused: "违规充装", filler_uncertified: "无证充装",
      periodic: "定期检验", self_test: "自行检测", external: "外部检验", internal: "内部检验", hydrostatic: "耐压试验",
      annual_check: "年度检查", safety_valve: "安全阀校验",
      opened: "开启", raised: "触发", acknowledged: "确认", resolved: "解除", rescue_deadline_missed: "救援超时", closed: "关闭",
    },
    result: { pass: "合格", fail: "不合格" },
    people_status: { valid: "有效", expiring: "即将到期", expired: "已过期", future: "未生效" },
    staff_role: { principal: "主要负责人", safety_director: "安全总监", safety_officer: "安全员" },
    routine_kind: { daily: "日管控", weekly: "周排查", monthly: "月调度" },
    accident_class: { general: "一般事故", larger: "较大事故", major: "重大事故", extraordinary: "特别重大事故" },
    accident_status: { proposed: "待确认", reported: "已报告", investigating: "调查中", closed: "已结案", dismissed: "不构成事故" },
    special_case: { elevator_held: "电梯轿厢滞留人员2小时以上", pressure_explosion: "锅炉、压力容器、压力管道爆炸",
                    large_boiler_explosion: "600兆瓦以上锅炉爆炸", crane_overturn: "起重机械整体倾覆",
                    crane_structure_failure: "起重机械主要受力结构件折断或起升机构坠落" },
    step: { rectified: "维保单位整改", confirmed: "使用单位确认", closed: "核查销号", maintenance: "维保记录（旧规则下曾据此解除）" },
    factor: {
      base: "基础值", alarm_history: "告警历史", age: "使用年限", inspection_overdue: "检验逾期", inspection_failed: "检验不合格",
      major_hazard: "重大隐患", maintenance_overdue: "维保逾期", inspection_grade: "安全状况等级", monitoring_gaps: "监测中断",
      compound: "多项叠加", people_exposed: "暴露人数", use: "使用频率", type_base: "设备类型基础值", location: "场所类别", medium: "介质",
      pressure_volume: "压力 × 容积",
    },
  },
  en: {
    type: { elevator: "Elevator", escalator: "Escalator / moving walk", boiler: "Boiler", pressure_vessel: "Pressure vessel", gas_cylinder: "Gas cylinder", forklift: "Forklift" },
    state: {}, status: {}, kind: {}, result: {}, factor: {},
    accident_class: { general: "general (一般)", larger: "larger (较大)", major: "major (重大)", extraordinary: "extraordinary (特别重大)" },
    accident_status: {}, special_case: {}, people_status: {},
    staff_role: { principal: "Principal", safety_director: "Safety director", safety_officer: "Safety officer" },
    routine_kind: { daily: "Daily check", weekly: "Weekly hazard check", monthly: "Monthly review" },
    step: { rectified: "rectified by the firm", confirmed: "confirmed by the owner", closed: "verified and closed", maintenance: "maintenance record (lifted it under the earlier rule)" },
  },
};

/** A value of a closed vocabulary (`type`, `state`, `status`, `kind`, `result`, `factor`) in the reader's language. */
export function term(vocabulary, value) {
  if (value === null || value === undefined) return "";
  return terms[lang][vocabulary]?.[value] ?? String(value);
}
export const vocabularies = new Set(Object.keys(terms.zh));

export let lang = localStorage.getItem("ew.lang") === "en" ? "en" : "zh";
export const zone = document.querySelector('meta[name="equipwatch-zone"]')?.content || "Asia/Shanghai";

export function setLang(l) {
  lang = l;
  localStorage.setItem("ew.lang", l);
  document.documentElement.lang = l === "zh" ? "zh-CN" : "en";
}

/** A label in the reader's language; each "{}" in it takes the next of `args`. */
export function t(key, ...args) {
  const text = dictionaries[lang][key] ?? dictionaries.en[key] ?? key;
  return args.length ? args.reduce((s, a) => s.replace("{}", String(a)), text) : text;
}
export function gradeName(g) { return gradeNames[lang][g] ?? g ?? t("none"); }
export function severityName(s) { return severityNames[lang][s] ?? s; }

const formatters = {};
/** An RFC 3339 time (or epoch ms) in the display zone: "2026-11-26 09:00:00". */
export function time(value) {
  if (value === null || value === undefined || value === "") return "";
  const d = new Date(value);
  if (isNaN(d)) return String(value);
  const f = formatters[zone] ??= new Intl.DateTimeFormat("sv-SE", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  return f.format(d);
}

/** The day (YYYY-MM-DD) an instant (epoch ms, default now) falls on in the display zone, not in UTC. */
export function localDay(ms = Date.now()) { return time(ms).slice(0, 10); }

/** The zone's name and its current offset, for the page footer: "Asia/Shanghai (UTC+08:00)". */
export function zoneLabel() {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" }).formatToParts(new Date());
  const offset = parts.find((p) => p.type === "timeZoneName")?.value?.replace("GMT", "UTC") || "";
  return `${zone} (${offset === "UTC" ? "UTC+00:00" : offset})`;
}

/** Why a device must not be used, as the API answered it in the reader's language (api.js sends
 * Accept-Language; the server decides the sentence in both languages when the status is set). */
export function mustNotUseText(d) { return d?.must_not_use_reason ?? ""; }

/** An alarm's message in the reader's language: the stream's changes carry both. */
export function alarmMessage(a) { return (lang === "zh" && a?.message_zh) || a?.message || ""; }

/** Chinese names of the firms, owners and sites in the reader's scope, by id (`GET /v1/names`). */
export const chineseNames = new Map();
/** A registry name in the reader's language: the Chinese one when there is one and the reader reads Chinese. */
export function localName(name, id) { return (lang === "zh" && chineseNames.get(id)) || name; }
