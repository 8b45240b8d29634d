import Domain
import Foundation

/// A device's must-not-use status moved: set (with its reason) or cleared. Written with its
/// notice, the owner's copy and the stream's `device` change in one transaction.
public struct ComplianceChange: Sendable {
    /// A must-not-use status: its key (one notice per key), the reason in both languages, the kind
    /// and since when.
    public struct Status: Sendable, Equatable {
        /// The value counted by (a type, a month, a firm...).
        public let key: String
        /// The reason in both languages.
        public let reason: Prose
        /// What kind it is (a closed vocabulary, per record).
        public let kind: String
        /// Since when (a local date or an instant, per kind).
        public let since: String?
        public init(key: String, reason: Prose, kind: String, since: String?) {
            (self.key, self.reason, self.kind, self.since) = (key, reason, kind, since)
        }
    }

    /// The device's compact key in the store.
    public let deviceNum: Int64
    /// nil: the device may be used again.
    public let status: Status?
    /// When it happened.
    public let at: Int64
    /// The `inspection_overdue` notice for a new status.
    public let notice: NoticeDraft?
    /// The `device` event of the live stream (JSON).
    public let event: String

    public init(deviceNum: Int64, status: Status?, at: Int64, notice: NoticeDraft?, event: String) {
        (self.deviceNum, self.status, self.at, self.notice, self.event) = (deviceNum, status, at, notice, event)
    }
}

/// Decides a device's must-not-use status inside the transaction of a record that may move it
/// (an inspection result, a hazard's closure), so the status, its notice and its stream event
/// are written with the record: no reader sees one without the other. The store knows rows;
/// `decide` (the inspection rules) says what they mean.
public struct ComplianceSettler: Sendable {
    /// The change to write for the device as the record left it, given its current status key
    /// (nil: it may be used); nil when the status stays.
    public let decide: @Sendable (_ num: Int64, _ device: DeviceRecord, _ currentKey: String?, _ at: Int64) -> ComplianceChange?
    /// The firm's message of a new notice.
    public let noticeMessage: NoticeMessage
    /// The owner's copy of a new notice (nil: none).
    public let ownerMessage: @Sendable (_ id: Int64, _ notice: NoticeDraft, _ owner: String) -> OutboxMessage?
    /// The days people count: a hazard's day is read in them.
    public let days: LocalDays

    public init(days: LocalDays, decide: @escaping @Sendable (Int64, DeviceRecord, String?, Int64) -> ComplianceChange?,
                noticeMessage: @escaping NoticeMessage,
                ownerMessage: @escaping @Sendable (Int64, NoticeDraft, String) -> OutboxMessage?) {
        (self.days, self.decide, self.noticeMessage, self.ownerMessage) = (days, decide, noticeMessage, ownerMessage)
    }
}
