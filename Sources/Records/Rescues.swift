import Domain
import Foundation

/// A rescue clock whose deadline passed with nobody on site and the alarm still open.
public struct MissedRescue: Sendable, Equatable {
    public let alarmId: Int64
    public let deviceNum: Int64
    public let device: String
    public let type: String
    public let site: String
    public let firm: String
    public let firedAt: Int64
    public let deadlineAt: Int64
    public let incidentId: Int64?

    public init(alarmId: Int64, deviceNum: Int64, device: String, type: String, site: String, firm: String, firedAt: Int64, deadlineAt: Int64, incidentId: Int64? = nil) {
        (self.alarmId, self.deviceNum, self.device, self.type, self.site) = (alarmId, deviceNum, device, type, site)
        (self.firm, self.firedAt, self.deadlineAt, self.incidentId) = (firm, firedAt, deadlineAt, incidentId)
    }
}
