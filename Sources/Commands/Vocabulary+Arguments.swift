import ArgumentParser
import Domain
import Records
import Storage

// The closed vocabularies as option values: a wrong value is refused by the parser, which lists
// the allowed ones in the error and in `--help`.
extension Severity: ExpressibleByArgument {}
extension Grade: ExpressibleByArgument {}
extension MaintenanceTier: ExpressibleByArgument {}
extension AlarmStateFilter: ExpressibleByArgument {}
extension IncidentStatus: ExpressibleByArgument {}
extension NoticeStatus: ExpressibleByArgument {}
extension NoticeKind: ExpressibleByArgument {}
extension DeadLetterReason: ExpressibleByArgument {}
extension InspectionResult: ExpressibleByArgument {}
extension Language: ExpressibleByArgument {}
extension AccidentStatus: ExpressibleByArgument {}

/// A calendar day on the command line: exactly YYYY-MM-DD.
extension Day: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}
extension EventSource: ExpressibleByArgument {}
