import Domain
import Foundation

/// One device's newly computed grade, as rows: the current grade, and for a change of grade a
/// history row with the event, notice and feed message built from that row's id.
public struct GradeWrite: Sendable {
    /// The device's compact key in the store.
    public let deviceNum: Int64
    /// The risk grade (blue, yellow, orange, red).
    public let grade: Grade
    /// The risk score the grade comes from.
    public let score: Double
    /// The likelihood part of the score.
    public let likelihood: Double
    /// The exposure part of the consequence.
    public let exposure: Double
    /// The consequence part of the score.
    public let consequence: Double
    /// The factor breakdown, JSON.
    public let factors: String
    /// The risk model's version.
    public let model: String
    /// The grade before (nil: first grading).
    public let previous: Grade?
    /// When it happened.
    public let at: Int64
    /// The `risk_grade_changed` event data, from the history row's id.
    public let changeEvent: @Sendable (_ historyId: Int64) -> String
    /// The firm's notice when the device turns red.
    public let notice: NoticeDraft?
    /// The supervisors' feed message when the device turns red, from the history row's id.
    public let redFeed: (@Sendable (_ historyId: Int64) -> OutboxMessage)?

    public init(deviceNum: Int64, grade: Grade, score: Double, likelihood: Double, exposure: Double, consequence: Double,
                factors: String, model: String, previous: Grade?, at: Int64,
                changeEvent: @escaping @Sendable (Int64) -> String, notice: NoticeDraft?,
                redFeed: (@Sendable (Int64) -> OutboxMessage)?) {
        (self.deviceNum, self.grade, self.score, self.likelihood, self.exposure) = (deviceNum, grade, score, likelihood, exposure)
        (self.consequence, self.factors, self.model, self.previous, self.at) = (consequence, factors, model, previous, at)
        (self.changeEvent, self.notice, self.redFeed) = (changeEvent, notice, redFeed)
    }

    public var changed: Bool { previous != grade }
}
