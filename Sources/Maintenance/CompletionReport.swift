import Domain
import Ingest

/// A firm's completion report as it arrives on `{prefix}/maintenance/{firm}` (SPEC §3, §11):
/// `{"device": ID, "items": [...], "tiers": [...], "at": RFC 3339 or epoch ms, "worker_cert": NUMBER}`, with `items`,
/// `tiers` (`quarterly`, `half_yearly`, `yearly`: the item lists covered) and `at` optional
/// (`at` defaults to the arrival). Parsing says exactly what is wrong, for the dead letter.
public enum CompletionReport {
    /// Why a report was refused: the dead letter reason and the text of the `refused` answer.
    public struct Refusal: Error, Sendable, Equatable {
        public let reason: DeadLetterReason
        public let detail: String
        /// The device the report names, when it got that far.
        public let device: String?
    }

    /// Reads a firm's report (`{"device", "items", "at", "tiers"}`) from its raw payload, or
    /// refuses it with the reason.
    public static func parse(_ payload: UnsafeRawBufferPointer, firm: String, receivedAt: Int64) -> Result<Completion, Refusal> {
        func refuse(_ reason: DeadLetterReason, _ detail: String, device: String? = nil) -> Result<Completion, Refusal> {
            .failure(Refusal(reason: reason, detail: detail, device: device))
        }
        guard Identifier.isValid(firm) else { return refuse(.badTopic, "'\(firm)' is not a firm id") }
        let json: JSONValue
        do { json = try JSONReader.parse(payload) } catch { return refuse(.malformedJSON, "\(error)") }
        guard case .string(let device)? = json["device"] else { return refuse(.schema, "a maintenance report needs \"device\": registration code") }
        var items: [String] = []
        switch json["items"] {
        case nil: break
        case .array(let values)?:
            for v in values {
                guard case .string(let s) = v else { return refuse(.schema, "\"items\" must be an array of strings", device: device) }
                items.append(s)
            }
        default: return refuse(.schema, "\"items\" must be an array of strings", device: device)
        }
        var tiers: [MaintenanceTier] = []
        switch json["tiers"] {
        case nil: break
        case .array(let values)?:
            for v in values {
                guard case .string(let s) = v, let t = MaintenanceTier(rawValue: s) else {
                    return refuse(.schema, "\"tiers\" holds \(MaintenanceTier.allCases.map(\.rawValue).joined(separator: ", ")) only", device: device)
                }
                tiers.append(t)
            }
        default: return refuse(.schema, "\"tiers\" must be an array of strings", device: device)
        }
        var workerCert: String?
        switch json["worker_cert"] {
        case nil, .null?: break
        case .string(let s)?: workerCert = s
        default: return refuse(.schema, "\"worker_cert\" must be the worker's certificate number (a string)", device: device)
        }
        var at = receivedAt
        switch json["at"] {
        case nil: break
        case .int(let ms)?: at = ms
        case .string(let s)?:
            guard let ms = Timestamp.parseRFC3339(s) else { return refuse(.schema, "\"at\" '\(s)' is not an RFC 3339 date-time", device: device) }
            at = ms
        default: return refuse(.schema, "\"at\" must be RFC 3339 or epoch milliseconds", device: device)
        }
        return .success(Completion(device: device, firm: firm, items: items, doneAt: at, source: .mqtt, reportedAt: receivedAt, tiers: tiers,
                                    workerCert: workerCert))
    }
}
