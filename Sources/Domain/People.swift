/// An item of the special-equipment personnel certificate (特种设备作业人员证; TSG Z6001-2019,
/// 特种设备作业人员考核规则, appendix: categories and items). The code is the one printed on the
/// certificate. Only the items EquipWatch's device types need, plus safety management.
public enum CertificateItem: String, Sendable, Codable, CaseIterable {
    /// A 特种设备安全管理
    case a = "A"
    /// G1 工业锅炉司炉
    case g1 = "G1"
    /// G2 电站锅炉司炉
    case g2 = "G2"
    /// G3 锅炉水处理
    case g3 = "G3"
    /// R1 快开门式压力容器操作
    case r1 = "R1"
    /// R2 移动式压力容器充装
    case r2 = "R2"
    /// P 气瓶充装
    case p = "P"
    /// T 电梯修理
    case t = "T"
    /// N1 叉车司机
    case n1 = "N1"
    /// Q1 起重机指挥
    case q1 = "Q1"
    /// Q2 起重机司机
    case q2 = "Q2"

    /// The item's name on the certificate.
    public var chinese: String {
        switch self {
        case .a: "特种设备安全管理"
        case .g1: "工业锅炉司炉"
        case .g2: "电站锅炉司炉"
        case .g3: "锅炉水处理"
        case .r1: "快开门式压力容器操作"
        case .r2: "移动式压力容器充装"
        case .p: "气瓶充装"
        case .t: "电梯修理"
        case .n1: "叉车司机"
        case .q1: "起重机指挥"
        case .q2: "起重机司机"
        }
    }

    /// Its name in English.
    public var english: String {
        switch self {
        case .a: "special-equipment safety management"
        case .g1: "industrial boiler operation"
        case .g2: "power-station boiler operation"
        case .g3: "boiler water treatment"
        case .r1: "quick-opening pressure vessel operation"
        case .r2: "mobile pressure vessel filling"
        case .p: "gas cylinder filling"
        case .t: "elevator repair"
        case .n1: "forklift driving"
        case .q1: "crane signalling"
        case .q2: "crane driving"
        }
    }
}

/// A worker's certificate as the registry keeps it. No national ID number: the certificate
/// number identifies the holder, and the name is for people reading.
public struct Certificate: Sendable, Hashable, Codable {
    /// The certificate's number (证书编号), unique.
    public let number: String
    /// The holder's name.
    public let holder: String
    public let item: CertificateItem
    /// The day it was issued or last passed its review (复审).
    public let issued: Day
    /// The last day it is valid (issued + the validity, less a day, unless the certificate says).
    public let validUntil: Day
    /// The issuing authority (发证机关).
    public let authority: String
    /// Who employs the holder: a maintenance firm (`firm:ID`) or an owner (`owner:ID`); reminders
    /// go there, and that party sees the certificate.
    public let employer: Role

    public init(number: String, holder: String, item: CertificateItem, issued: Day, validUntil: Day, authority: String, employer: Role) {
        (self.number, self.holder, self.item, self.issued, self.validUntil) = (number, holder, item, issued, validUntil)
        (self.authority, self.employer) = (authority, employer)
    }

    /// Valid on `day` (through its last day).
    public func isValid(on day: Day) -> Bool { day >= issued && day <= validUntil }

    enum CodingKeys: String, CodingKey { case number, holder, item, issued, validUntil = "valid_until", authority, employer }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        number = try c.decode(String.self, forKey: .number)
        holder = try c.decode(String.self, forKey: .holder)
        item = try c.decode(CertificateItem.self, forKey: .item)
        guard let issued = Day(parsing: try c.decode(String.self, forKey: .issued)),
              let until = Day(parsing: try c.decode(String.self, forKey: .validUntil)),
              let employer = Role(parsing: try c.decode(String.self, forKey: .employer)) else {
            throw DecodingError.dataCorruptedError(forKey: .issued, in: c, debugDescription: "unreadable certificate")
        }
        (self.issued, self.validUntil, self.employer) = (issued, until, employer)
        authority = try c.decode(String.self, forKey: .authority)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(number, forKey: .number)
        try c.encode(holder, forKey: .holder)
        try c.encode(item, forKey: .item)
        try c.encode(issued.description, forKey: .issued)
        try c.encode(validUntil.description, forKey: .validUntil)
        try c.encode(authority, forKey: .authority)
        try c.encode(employer.description, forKey: .employer)
    }
}

/// Why a record's named certificate does not let it stand.
public enum CertificateProblem: Sendable, Equatable, CustomStringConvertible {
    /// The record names none, and the work needs one.
    case missing(needs: [CertificateItem])
    /// No such certificate in the registry.
    case unknown(String)
    /// Not valid on the day of the work (expired, or not yet issued).
    case expired(String, validUntil: Day, on: Day)
    /// A certificate of another item.
    case wrongItem(String, item: CertificateItem, needs: [CertificateItem])
    /// The holder works for someone else than the party reporting the work.
    case otherEmployer(String, reporter: String)

    /// Machine-readable code, for dead letters, API errors and flags.
    public var code: String {
        switch self {
        case .missing: "certificate_missing"
        case .unknown: "certificate_unknown"
        case .expired: "certificate_expired"
        case .wrongItem: "certificate_wrong_item"
        case .otherEmployer: "certificate_other_employer"
        }
    }

    private static func items(_ items: [CertificateItem]) -> String { items.map { "\($0.rawValue) (\($0.english))" }.joined(separator: " or ") }
    private static func itemsZh(_ items: [CertificateItem]) -> String { items.map { "\($0.rawValue) \($0.chinese)" }.joined(separator: " 或 ") }

    public var description: String {
        switch self {
        case .missing(let needs): "no worker certificate named; this work needs a valid \(Self.items(needs)) certificate"
        case .unknown(let n): "certificate \(n) is not in the registry"
        case .expired(let n, let until, let day): "certificate \(n) is valid until \(until), not on \(day)"
        case .wrongItem(let n, let item, let needs): "certificate \(n) is for \(item.rawValue) (\(item.english)); this work needs \(Self.items(needs))"
        case .otherEmployer(let n, let reporter): "certificate \(n) belongs to a worker of another employer than \(reporter)"
        }
    }

    /// The same in Chinese.
    public var chinese: String {
        switch self {
        case .missing(let needs): "未填写作业人员证；此项作业需要有效的 \(Self.itemsZh(needs)) 证"
        case .unknown(let n): "作业人员证 \(n) 未登记"
        case .expired(let n, let until, let day): "作业人员证 \(n) 有效期至 \(until)，\(day) 已不在有效期内"
        case .wrongItem(let n, let item, let needs): "作业人员证 \(n) 的项目为 \(item.rawValue) \(item.chinese)；此项作业需要 \(Self.itemsZh(needs))"
        case .otherEmployer(let n, let reporter): "作业人员证 \(n) 的持证人不属于 \(reporter)"
        }
    }
}

/// The certificate rule, pure: work that needs one of `needs` done on `day` by `reporter` stands
/// only on a valid certificate of such an item held by a worker of the reporter.
public enum CertificateRule {
    /// The problem with `number` (nil: none named) for the work, or nil when it stands.
    /// `lookup` finds a registered certificate.
    public static func problem(number: String?, needs: [CertificateItem], on day: Day, reporter: Role,
                               lookup: (String) -> Certificate?) -> CertificateProblem? {
        guard !needs.isEmpty else { return nil }
        guard let number, !number.isEmpty else { return .missing(needs: needs) }
        guard let c = lookup(number) else { return .unknown(number) }
        guard needs.contains(c.item) else { return .wrongItem(number, item: c.item, needs: needs) }
        guard c.isValid(on: day) else { return .expired(number, validUntil: c.validUntil, on: day) }
        guard c.employer == reporter else { return .otherEmployer(number, reporter: reporter.description) }
        return nil
    }
}

/// A liability insurance policy (电梯安全责任保险, 气瓶充装/使用责任保险) covering one device or an
/// owner's whole fleet of the types it names.
public struct InsurancePolicy: Sendable, Hashable {
    /// The policy's number (保单号), unique.
    public let number: String
    public let insurer: String
    /// The insured owner (使用单位).
    public let owner: String
    /// The one device covered; nil: every device of `types` the owner has.
    public let device: String?
    /// The device types covered (for a fleet policy; a device policy covers its device).
    public let types: [String]
    /// The sum insured per accident, CNY.
    public let coverCny: Int64
    /// The first and the last day of cover.
    public let validFrom: Day
    public let validTo: Day

    public init(number: String, insurer: String, owner: String, device: String?, types: [String], coverCny: Int64, validFrom: Day, validTo: Day) {
        (self.number, self.insurer, self.owner, self.device, self.types) = (number, insurer, owner, device, types)
        (self.coverCny, self.validFrom, self.validTo) = (coverCny, validFrom, validTo)
    }

    /// Covers a device of `owner` and `type` with id `device` on `day`.
    public func covers(device id: String, type: String, owner: String, on day: Day) -> Bool {
        guard owner == self.owner, day >= validFrom, day <= validTo else { return false }
        if let device { return device == id }
        return types.contains(type)
    }
}
