import DeviceCatalog
import Ingest
import Inspection
import Risk
import Rules
import Synchronization

/// What the API and the CLI read of the loaded folders: the device types (`Devices/types`), the
/// working-day calendar and the inspection plan policy. A reload replaces it whole, at the same
/// moment as it reaches the ingest engine, so an answer never mixes two versions of `Devices/`.
public struct CatalogSnapshot: Sendable {
    /// Device types by id.
    public var types: [String: DeviceType]
    /// Working days (`Devices/calendar`), for inspection planning.
    public var calendar: WorkCalendar
    /// How visits are planned (`Devices/inspection_plan.yaml`).
    public var policy: PlanPolicy
    /// How accidents are classed and reported (`Rules/accidents.yaml`); nil when it could not be
    /// loaded (recording an accident then says so).
    public var accidents: AccidentPolicy?

    public init(types: [String: DeviceType], calendar: WorkCalendar = WorkCalendar(), policy: PlanPolicy = PlanPolicy(),
                accidents: AccidentPolicy? = nil) {
        (self.types, self.calendar, self.policy, self.accidents) = (types, calendar, policy, accidents)
    }
}

/// The running catalog: read by every request, swapped by `Reloader` (SIGHUP).
public final class LiveCatalog: Reloadable {
    private let state: Mutex<CatalogSnapshot>

    public init(_ catalog: CatalogSnapshot) { state = Mutex(catalog) }

    /// The catalog as it stands now; keep the value for the whole of one answer.
    public var current: CatalogSnapshot { state.withLock { $0 } }

    /// Takes the reloaded registry's device types.
    public func reload(directory: DeviceDirectory) {
        let types = Dictionary(uniqueKeysWithValues: directory.types.map { ($0.id, $0) })
        state.withLock { $0.types = types }
    }

    /// Takes the reloaded working-day calendar and plan policy.
    public func reload(planning calendar: WorkCalendar, policy: PlanPolicy) {
        state.withLock {
            $0.calendar = calendar
            $0.policy = policy
        }
    }

    /// Takes the reloaded accident policy.
    public func reload(accidents: AccidentPolicy) { state.withLock { $0.accidents = accidents } }

    /// The catalog holds no rules.
    public func reload(rules: RuleSet) {}
    /// The catalog holds no risk model.
    public func reload(risk: RiskModel) {}
}
