import DeviceCatalog
import Domain
import Inspection
import Records

extension Store {
    /// Records an inspection result the way the CLI and the API both do: checked against the
    /// device's type (`InspectionRecordError` names the field), kept with the kind's due date
    /// before it (so "on time" can be told later), and answered with the device's must-not-use
    /// reason after it. nil when no such device is registered. The status it leaves (a failure
    /// or grade 5 forbids use, a pass after a failure lifts it), its notice and its stream event
    /// are written in the record's transaction, whichever process records it. `words` is the
    /// reason in both languages.
    public func record(inspection r: InspectionRecord, types: [String: DeviceType], topics: Topics, now: Int64) throws
        -> (id: Int64, mustNotUse: MustNotUseReason?, words: Prose?)? {
        guard let d = try registeredDevice(r.device) else { return nil }
        guard let type = types[d.record.type] else {
            throw InspectionRecordError(field: "device", message: "device \(r.device) has type \(d.record.type), which Devices/types does not declare")
        }
        let today = localDays.day(now)
        try InspectionRecording.check(r, device: d.record, type: type, today: today)
        let dueBefore = InspectionCalendar.dueDates(of: d.record, type: type).first { $0.kind == r.kind }?.due
        let id = try recordInspection(r, deviceNum: d.num, dueBefore: dueBefore, at: now,
                                      settle: ComplianceSettlement.settler(types: types, topics: topics, days: localDays))
        let after = try registeredDevice(r.device)
        let reason = after.flatMap { Compliance.mustNotUse($0.record, type: type, today: today) }
        return (id, reason, reason?.prose(type: type))
    }
}
