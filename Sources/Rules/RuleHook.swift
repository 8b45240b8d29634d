import DeviceCatalog
import Ingest

/// The seam between validation and the store: every accepted message passes through the rule
/// hook, in arrival order, on the pipeline's worker thread, before it is committed.
///
/// A hook keeps whatever per-device state it needs (bounded per device) and reports what it
/// derives through `emit`; the pipeline stores derived events in the same transaction as the
/// message that caused them. The full rule engine (SPEC §5) plugs in here.
public protocol RuleHook: AnyObject {
    /// Evaluates one accepted message for `device`, whose type is `type`.
    func evaluate(_ message: AcceptedMessage, device: DirectoryEntry, type: DeviceType, emit: (DerivedEvent) -> Void)

    /// Called at least every commit interval with the pipeline's clock, even with no traffic,
    /// for conditions that depend on time alone (a device falling silent).
    func tick(now: Int64, directory: DeviceDirectory, emit: (DerivedEvent) -> Void)

    /// The registry was reloaded; drop state of devices that no longer exist.
    func reload(directory: DeviceDirectory)
}

extension RuleHook {
    public func tick(now: Int64, directory: DeviceDirectory, emit: (DerivedEvent) -> Void) {}
    public func reload(directory: DeviceDirectory) {}
}

/// Runs several hooks in order.
public final class RuleHooks: RuleHook {
    public private(set) var hooks: [any RuleHook]
    public init(_ hooks: [any RuleHook]) { self.hooks = hooks }

    public func evaluate(_ message: AcceptedMessage, device: DirectoryEntry, type: DeviceType, emit: (DerivedEvent) -> Void) {
        for h in hooks { h.evaluate(message, device: device, type: type, emit: emit) }
    }

    public func tick(now: Int64, directory: DeviceDirectory, emit: (DerivedEvent) -> Void) {
        for h in hooks { h.tick(now: now, directory: directory, emit: emit) }
    }

    public func reload(directory: DeviceDirectory) {
        for h in hooks { h.reload(directory: directory) }
    }
}
