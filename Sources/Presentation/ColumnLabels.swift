import Domain

/// Column headings for people: a CSV downloaded from the console opens in a spreadsheet with
/// headings in the reader's language. Programs ask for the column names (`header=names`), which
/// are the JSON keys. A column without a Chinese heading here keeps its name.
public enum ColumnLabels {
    /// The heading of `column` in `language`.
    public static func label(_ column: String, in language: Language) -> String {
        language == .zh ? (chinese[column] ?? column) : english(column)
    }

    /// `risk_grade` → `Risk grade`.
    static func english(_ column: String) -> String {
        let words = column.split(separator: "_").map(String.init)
        guard let first = words.first else { return column }
        return ([first.prefix(1).uppercased() + first.dropFirst()] + words.dropFirst()).joined(separator: " ")
    }

    static let chinese: [String: String] = [
        "id": "编号", "device": "设备代码", "type": "设备类型", "site": "场所", "site_name": "场所名称", "location": "位置",
        "gateway": "网关", "owner": "使用单位", "owner_name": "使用单位名称", "firm": "维保单位", "firm_name": "维保单位名称",
        "commissioned": "投用日期", "monitored": "监测中", "last_seen": "最后通信", "messages": "消息数", "risk_grade": "风险等级",
        "risk_score": "风险值", "must_not_use": "禁止使用", "must_not_use_reason": "禁止使用原因", "must_not_use_code": "禁止使用代码",
        "attributes": "参数", "rule": "规则", "severity": "严重程度", "state": "状态", "status": "状态", "started_at": "开始时间",
        "fired_at": "触发时间", "resolved_at": "解除时间", "repeats": "重复次数", "acked_by": "确认人", "acked_at": "确认时间",
        "incident": "事件", "message": "信息", "pack": "规则包版本", "inputs": "输入值", "opened_at": "开启时间", "alarm": "告警",
        "title": "标题", "kind": "种类", "reason": "原因", "due_by": "期限", "created_at": "创建时间", "closed_at": "关闭时间",
        "trigger": "触发条件", "detail": "详情", "ts": "时间", "seq": "序号", "data": "数据", "received_at": "接收时间",
        "date": "日期", "inspector": "检验员", "due": "到期日", "grade": "风险等级", "overdue": "已逾期", "forwarded": "按风险提前",
        "last": "上次", "days_left": "剩余天数", "basis": "依据", "at": "时间",
    ]
}
