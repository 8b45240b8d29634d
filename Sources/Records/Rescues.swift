import Domain
import Foundation

/// A rescue clock whose deadline passed with nobody on site and the alarm still open.
public struct MissedRescue: Sendable, Equatable {
    public let alarmId: Int64
    /// The device's compact key in the store.
    public let deviceNum: Int64
    /// The device's registration code.
    public let device: String
    /// The device type's id (`elevator`, `boiler`...).
    public let type: String
    /// The site's id.
    public let site: String
    /// The maintenance firm's id.
    public let firm: String
    /// When it fired (nil while pending).
    public let firedAt: Int64
    public let deadlineAt: Int64
    /// The incident it opened or joined, if any.
    public let incidentId: Int64?

    public init(alarmId: Int64, deviceNum: Int64, device: String, type: String, site: String, firm: String, firedAt: Int64, deadlineAt: Int64, incidentId: Int64? = nil) {
        (self.alarmId, self.deviceNum, self.device, self.type, self.site) = (alarmId, deviceNum, device, type, site)
        (self.firm, self.firedAt, self.deadlineAt, self.incidentId) = (firm, firedAt, deadlineAt, incidentId)
    }
}
