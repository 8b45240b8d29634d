import Domain
import DeviceCatalog
import Ingest

/// The seam between validation and the store: every accepted message passes through the rule
/// hook, in arrival order, on the pipeline's worker thread, before it is committed.
///
/// A hook keeps whatever per-device state it needs (bounded per device) and reports what it
/// derives into `out`; the pipeline stores derived events in the same transaction as the
/// message that caused them. The full rule engine (SPEC §5) plugs in here.
public protocol RuleHook: AnyObject {
    /// Evaluates one accepted message for `device`, whose type is `type`.
    func evaluate(_ message: AcceptedMessage, device: DirectoryEntry, type: DeviceType, into out: inout RuleOutput)

    /// Called at least every commit interval with the pipeline's clock, even with no traffic,
    /// for conditions that depend on time alone (a device falling silent).
    func tick(now: Int64, directory: DeviceDirectory, into out: inout RuleOutput)

    /// The registry was reloaded; drop state of devices that no longer exist.
    func reload(directory: DeviceDirectory)

    /// State that moved since the last call, per device, to be stored with the commit so a
    /// restart resumes where the rules stood. `force`: everything that moved (at shutdown).
    func drainState(force: Bool) -> [(device: Int64, state: [UInt8])]

    /// New rule packs were loaded (SIGHUP); keep the state of what still exists.
    func reload(rules: RuleSet, now: Int64, into out: inout RuleOutput)

    /// The pipeline hears devices from this wall-clock time on (`Int64.max` while it is not
    /// receiving at all: its broker connection is down, its store failing, its backlog too old).
    /// Silence before it is the pipeline's own, not the devices'.
    func hearing(from: Int64)
}

extension RuleHook {
    /// Hooks without timers do nothing on a tick.
    public func tick(now: Int64, directory: DeviceDirectory, into out: inout RuleOutput) {}
    /// Hooks that keep no registry data ignore a new registry.
    public func reload(directory: DeviceDirectory) {}
    /// Hooks without state persist nothing.
    public func drainState(force: Bool) -> [(device: Int64, state: [UInt8])] { [] }
    /// Hooks without rules ignore new rule packs.
    public func reload(rules: RuleSet, now: Int64, into out: inout RuleOutput) {}
    /// Hooks without timers ignore the pipeline's own outages.
    public func hearing(from: Int64) {}
}

/// Runs several hooks in order.
public final class RuleHooks: RuleHook {
    public private(set) var hooks: [any RuleHook]
    public init(_ hooks: [any RuleHook]) { self.hooks = hooks }

    /// Each hook in order, all into the same output.
    public func evaluate(_ message: AcceptedMessage, device: DirectoryEntry, type: DeviceType, into out: inout RuleOutput) {
        for h in hooks { h.evaluate(message, device: device, type: type, into: &out) }
    }

    public func tick(now: Int64, directory: DeviceDirectory, into out: inout RuleOutput) {
        for h in hooks { h.tick(now: now, directory: directory, into: &out) }
    }

    public func reload(directory: DeviceDirectory) {
        for h in hooks { h.reload(directory: directory) }
    }

    /// The state of every hook that keeps one.
    public func drainState(force: Bool) -> [(device: Int64, state: [UInt8])] { hooks.flatMap { $0.drainState(force: force) } }

    public func reload(rules: RuleSet, now: Int64, into out: inout RuleOutput) {
        for h in hooks { h.reload(rules: rules, now: now, into: &out) }
    }

    public func hearing(from: Int64) {
        for h in hooks { h.hearing(from: from) }
    }
}

/// Whether a device must not be used (Special Equipment Safety Law art. 40): an inspection
/// overdue or failed, a safety grade that forbids use, an open major hazard. The pipeline answers
/// from the registry and the inspection rules; rule tests from the test file.
public protocol DeviceStatusSource: AnyObject {
    func mustNotUse(_ device: DirectoryEntry, type: DeviceType, at ts: Int64) -> Bool
}
