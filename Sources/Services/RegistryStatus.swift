import DeviceCatalog
import Domain
import Ingest
import Inspection
import Rules

/// Whether a device must not be used, for the rules that read `must_not_use` (using a device
/// that must not be used is itself a violation, Special Equipment Safety Law art. 40 and 84):
/// decided from the registry snapshot the message was validated against (inspection records,
/// grades and open hazards are in it) by the same rule as the compliance service, once per
/// device, day and snapshot. Confined to the worker thread, like the engine that asks.
final class RegistryStatus: DeviceStatusSource {
    private let days: LocalDays
    /// By the entry's position in its directory: the entry it was decided for, the day, the answer.
    private var cache: [(entry: ObjectIdentifier, day: Day, forbidden: Bool)?] = []

    init(days: LocalDays) { self.days = days }

    func mustNotUse(_ device: DirectoryEntry, type: DeviceType, at ts: Int64) -> Bool {
        let day = days.day(ts)
        let me = ObjectIdentifier(device)
        if device.index < cache.count, let c = cache[device.index], c.entry == me, c.day == day { return c.forbidden }
        let dues = InspectionCalendar.dueDates(policies: type.inspections, commissioned: device.commissioned,
                                               lastInspections: device.lastInspections, grade: device.inspectionGrade,
                                               attributes: device.attributes, gradeSince: device.gradeSince)
        let forbidden = Compliance.mustNotUse(dues: dues, failed: device.failedInspections, grade: device.inspectionGrade,
                                              today: day, hazards: device.openHazards) != nil
        if device.index >= cache.count { cache += Array(repeating: nil, count: device.index + 1 - cache.count) }
        cache[device.index] = (me, day, forbidden)
        return forbidden
    }
}
