/// A special-equipment accident's class (特种设备事故等级) under the Special Equipment Safety
/// Supervision Regulations art. 61–64, as SAMR Order 50 (2022) applies them: the class decides
/// who investigates and how it is reported. Lowest first.
public enum AccidentClass: String, Sendable, Codable, CaseIterable, Comparable {
    /// 一般事故
    case general
    /// 较大事故
    case larger
    /// 重大事故
    case major
    /// 特别重大事故
    case extraordinary

    public static func < (a: AccidentClass, b: AccidentClass) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// The class's name in the regulations.
    public var chinese: String {
        switch self {
        case .general: "一般事故"
        case .larger: "较大事故"
        case .major: "重大事故"
        case .extraordinary: "特别重大事故"
        }
    }
}

/// Where an accident record stands.
/// - `proposed`: EquipWatch proposed it (a trapped-passenger alarm still open at the held-for
///   limit); the owner or a supervisor confirms it by reporting it, or a supervisor dismisses it.
/// - `reported`: reported to the supervisor (recording one is reporting it).
/// - `investigating`, `closed`: the investigation's course; `closed` carries its findings.
/// - `dismissed`: a proposal that was not an accident (with the reason as findings).
public enum AccidentStatus: String, Sendable, Codable, CaseIterable {
    case proposed, reported, investigating, closed, dismissed

    /// The statuses a person may move a record to from this one.
    public var next: [AccidentStatus] {
        switch self {
        case .proposed: [.reported, .dismissed]
        case .reported: [.investigating, .closed]
        case .investigating: [.closed]
        case .closed, .dismissed: []
        }
    }

    public var chinese: String {
        switch self {
        case .proposed: "待确认"
        case .reported: "已报告"
        case .investigating: "调查中"
        case .closed: "已结案"
        case .dismissed: "不构成事故"
        }
    }
}
