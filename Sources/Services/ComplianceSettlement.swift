import DeviceCatalog
import Domain
import Inspection
import Maintenance
import Records

/// The must-not-use status decided where a record is written (CLI, API, pipeline), in the same
/// transaction as the record: an inspection result, or a major hazard's closure. The compliance
/// service's periodic check then finds the status already current and sends nothing twice.
public enum ComplianceSettlement {
    /// The settler the store runs inside a record's transaction: the inspection rules decide the
    /// device's status from the record as written.
    public static func settler(types: [String: DeviceType], topics: Topics, days: LocalDays) -> ComplianceSettler {
        ComplianceSettler(
            days: days,
            decide: { num, device, current, at in
                guard let type = types[device.type] else { return nil }
                let reason = Compliance.mustNotUse(device, type: type, today: days.day(at))
                guard reason?.key != current else { return nil }
                return ComplianceMessages.change(num: num, device: device, type: type, reason: reason, at: at)
            },
            noticeMessage: { id, n in NoticeFeed.message(id: id, n, topics: topics) },
            ownerMessage: { id, n, owner in NoticeFeed.ownerMessage(id: id, n, owner: owner, topics: topics) })
    }
}
