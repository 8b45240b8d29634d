import Domain
import Foundation

/// The store interface: everything the engine, the services, the API and the commands ask of a
/// store, whatever its engine. `SQLiteStore` (GRDB, one file in the data folder) is the first
/// implementation; a second engine implements the same requirements and runs the same tests, and
/// the domain operations written against this protocol (`Services`) serve both.
public protocol Store: AccidentStore, AuditStore, PeopleStore, RoutineStore {
    // MARK: AlarmQueries
    /// Alarms, newest first.
    func alarms(_ f: AlarmFilter) throws(StoreError) -> [AlarmItem]

    /// Incidents, newest first.
    func incidents(_ f: AlarmFilter) throws(StoreError) -> [IncidentItem]

    /// Open (pending or firing) alarms by severity, for metrics.
    func openAlarmsBySeverity() throws(StoreError) -> [Severity: Int]

    /// Messages waiting in the outbox for the broker, for metrics.
    func outboxBacklog() throws(StoreError) -> Int

    /// An incident's timeline, oldest first; nil when there is no such incident.
    func incidentTimeline(_ id: Int64) throws(StoreError) -> [TimelineItem]?

    // MARK: Alarms
    /// Acknowledges an alarm (who, when), with a timeline entry on its incident and the
    /// `acknowledged` message `feed` builds for the alarm feed, in one transaction.
    /// Acknowledging twice keeps the first. `onSite` says the firm is with the trapped
    /// passengers: it stops the alarm's rescue clock (kept once, even after a plain acknowledgement).
    func acknowledge(alarm id: Int64, by who: String, at: Int64, onSite: Bool, feed: (_ alarm: Alarm) -> OutboxMessage) throws(StoreError) -> AckResult

    /// What the rule engine needs to resume: persisted state, known layouts and the next ids.
    func ruleEngineResume() throws(StoreError) -> RuleResume

    /// Records a loaded rule set: each pack's text by its hash (what alarms cite) and each
    /// type's slot layout (so state written now can be mapped by a later layout).
    /// `packs` are kept by content hash, `layouts` (JSON) by layout hash.
    func record(packs: [(hash: String, file: String, rules: Int, content: String)], layouts: [(hash: String, type: String, layout: String)]) throws(StoreError)

    /// The oldest outbox messages with an id above `after`.
    func outbox(after: Int64, limit: Int) throws(StoreError) -> [(id: Int64, topic: String, payload: String)]

    func deleteOutbox(_ ids: [Int64]) throws(StoreError)

    // MARK: Changes
    /// Changes after `id` that `role` may see, oldest first.
    func changes(after id: Int64, scope role: Role, limit: Int) throws(StoreError) -> [ChangeRow]

    /// The newest change's id (0 when there is none): where a new stream starts.
    func lastChangeId() throws(StoreError) -> Int64

    @discardableResult
    func pruneChanges(before: Int64) throws(StoreError) -> Int

    // MARK: Checkpoints
    /// A passive checkpoint on the writer's own connection, between two of its transactions.
    /// With no other writer it copies back every frame no reader still needs, usually all of
    /// them, and then the writer's next transaction starts the WAL over. The checkpoint thread
    /// asks for it when the WAL is past its limit (`Checkpointer.walLimitFrames`). Frames a
    /// reader still needs stay; the WAL restarts at a later request.
    func checkpointOnWriter(limitFrames: Int) throws(StoreError) -> CheckpointOutcome

    /// The checkpointer of this store's WAL (`store.checkpoint_interval`, `store.max_wal_mb`), or
    /// nil when the store has none to manage (a temporary database, an engine without one).
    func openCheckpointer(walLimitBytes: Int) throws(StoreError) -> (any StoreCheckpointer)?

    /// The WAL file's size in bytes now (0 when there is none, or the store is not a file): one
    /// `stat`, cheap enough to ask after every commit.
    var walFileBytes: Int { get }

    // MARK: Commit
    /// Writes a batch in one transaction.
    ///
    /// The hot path binds values with the SQLite C API on GRDB's cached statements: GRDB keeps
    /// statement caching, transactions and error handling, and the per-row cost stays that of raw
    /// `bind/step/reset` (measured in docs/design.md: `equipwatch bench --store`).
    func commit(_ batch: CommitBatch) throws(StoreError)

    /// Whether this very message (device, kind, `ts`, `seq`, and for events the code) is stored:
    /// how a redelivery is told from a late message. Uses the `(device_num, ts)` indexes.
    func contains(_ m: AcceptedMessage) throws(StoreError) -> Bool

    /// Commits `batch`; when SQLite refuses it for a permanent reason (a constraint, a malformed
    /// row), finds the refused rows by committing halves, commits everything else, and returns
    /// the refused rows, each as a one-row batch with the error (SPEC §8: a permanent failure
    /// quarantines the offending rows and never stops ingest). Transient failures (busy, locked,
    /// I/O, disk full) and a damaged database file (corrupt, not a database) are thrown: they are
    /// the store's failures, not a row's, and the caller retries the whole batch.
    ///
    /// Once part of the batch is committed, a transient failure of another part cannot be thrown
    /// (the caller would retry the whole batch and write that part twice): `whileTransient` is
    /// called with the error (the caller logs and waits) and the same part is tried again.
    func commitSalvaging(_ batch: CommitBatch, whileTransient: (StoreError) -> Void) throws(StoreError) -> [(row: CommitBatch, error: StoreError)]

    // MARK: Compliance
    /// The reason key of every device that must not be used, by device.
    func mustNotUseKeys() throws(StoreError) -> [Int64: String]

    @discardableResult
    func record(compliance changes: [ComplianceChange], reminders: [NoticeDraft], noticeMessage: @escaping NoticeMessage, ownerMessage: @escaping @Sendable (Int64, NoticeDraft) -> OutboxMessage?) throws(StoreError) -> [String]

    // MARK: Fills
    /// A cylinder's fills, newest first, from the `fill` events the pipeline keeps (the fill
    /// record as received is in `fill`), within `scope`.
    func fills(device: String, limit: Int, scope: Role) throws(StoreError) -> [FillItem]

    // MARK: Hazards
    /// Major hazards within `filter.scope`: open ones first (oldest first, the longest waiting on
    /// top), then closed ones, newest first.
    func hazards(_ filter: HazardFilter) throws(StoreError) -> [HazardItem]

    /// One hazard within `scope`, or nil.
    func hazard(_ id: Int64, scope: Role) throws(StoreError) -> HazardItem?

    /// The steps of one hazard (`id`) or of every hazard of a device, oldest first; empty
    /// outside `scope`.
    func hazardSteps(_ id: Int64?, device: String?, scope: Role) throws(StoreError) -> [HazardStepItem]

    /// Records a step on a hazard within `scope`, in one transaction with what it does: a
    /// closure marks the hazard closed (who, organisation, note, when), and `settle` then writes
    /// the device's new must-not-use status, its notice and its stream event, so every reader
    /// sees the hazard and the status move together. Which role may record which step is the
    /// caller's check (`HazardStep.isAllowed(for:)`).
    func addHazardStep(_ s: HazardStepDraft, scope: Role, settle: ComplianceSettler?) throws(StoreError) -> HazardStepResult

    // MARK: Inspections
    /// Every device within `scope`, with its current risk grade and site name, by id. The scope
    /// is part of the query, like every other answer's.
    func inspectionInputs(scope: Role) throws(StoreError) -> [InspectionInput]

    /// Keeps an inspection result of the registered device `deviceNum`; returns its id. The
    /// caller has checked the kind and grade against the device's type.
    /// `dueBefore` is the kind's due date before this record (on time: on or before it).
    /// `settle` writes the device's must-not-use status the record leaves, in its transaction.
    func recordInspection(_ r: InspectionRecord, deviceNum: Int64, dueBefore: Day?, at: Int64, settle: ComplianceSettler?) throws(StoreError) -> Int64

    /// The inspections of one device within `scope`, newest first.
    func inspectionHistory(device: String, scope: Role) throws(StoreError) -> [InspectionRecordItem]

    /// The newest inspection record, the newest hazard and the count of closed ones: a running
    /// pipeline compares this text to learn of records and hazards written since its snapshot.
    func complianceRevision() throws(StoreError) -> String

    // MARK: Maintenance
    /// Records a completed maintenance in one transaction: `check` sees the device's firm (nil:
    /// no such device) and refuses by throwing; otherwise the record is kept and the device's
    /// open notices of the `closing` kinds are closed. The running planner picks the record up
    /// within a tick and begins a new cycle from it.
    /// `answer` builds the outbox message that tells the firm (written in the same transaction).
    func insertMaintenance(_ c: Completion, closing kinds: [NoticeKind], check: (_ deviceFirm: String?) throws -> Void, answer: (CompletionResult) -> OutboxMessage?) throws -> CompletionResult

    /// Records the planner has not applied yet, oldest first.
    func unappliedMaintenance(after id: Int64, limit: Int) throws(StoreError) -> [MaintenanceRecord]

    /// The planner's persisted per-device state, as the JSON text it wrote.
    func planStateRows() throws(StoreError) -> [Int64: String]

    /// Acknowledges a notice for `firm` (nil: a supervisor). A notice of another firm is
    /// reported as not found, so a firm never learns that it exists.
    func acknowledge(notice id: Int64, firm: String?, by who: String, at: Int64) throws(StoreError) -> AckResult

    // MARK: MaintenanceQueries
    /// Notices, newest first.
    func notices(_ f: NoticeFilter) throws(StoreError) -> [NoticeItem]

    /// A device's maintenance records, newest first, with the counter baseline each began.
    func maintenanceHistory(device: String, limit: Int, scope: Role, after: PageCursor?) throws(StoreError) -> [MaintenanceItem]

    /// The device's current grade (nil before its first grading) and the factors behind it.
    func riskDetail(device: String) throws(StoreError) -> (grade: RiskGradeItem?, factors: [RiskFactorItem])

    /// The device's grade history, newest first.
    func riskHistory(device: String, limit: Int) throws(StoreError) -> [RiskHistoryItem]

    /// A device's persisted planner state (JSON), if the planner has seen it.
    func planStateText(device: String) throws(StoreError) -> String?

    // MARK: Names
    /// The names of the firms, owners and sites of the devices within `scope`.
    func names(scope: Role) throws(StoreError) -> [NameItem]

    // MARK: Outages
    /// Records the start of an outage (`endedAt` nil) or its end; the same outage (cause and
    /// start) is one row however often it is written.
    func recordOutage(cause: OutageCause, startedAt: Int64, endedAt: Int64?) throws(StoreError)

    /// Outages, newest first.
    func outages(limit: Int, now: Int64) throws(StoreError) -> [OutageItem]

    // MARK: Queries
    /// Registered devices with their site category, gateway state and last contact.
    /// `monitored` is false while the device's gateway last reported itself offline.
    func devices(_ filter: DeviceFilter, limit: Int) throws(StoreError) -> [DeviceItem]

    /// Readings of one device by reading time, newest first; `after` continues a page.
    ///
    /// Rows are read newest first by their latest reading and unpacked (`ReadingRows`), so
    /// reading stops at the first row older than the page's oldest reading, as it would with a
    /// row per reading.
    func readings(device: String, from: Int64?, to: Int64?, limit: Int, scope: Role, after: PageCursor?) throws(StoreError) -> [ReadingItem]

    /// Device and pipeline events (sequence gaps, band excursions...), newest first; with
    /// `deviceFirst` the controllers' own events come before the derived ones (not pageable).
    func events(device: String?, code: String?, from: Int64?, to: Int64?, limit: Int, scope: Role, after: PageCursor?, source: EventSource?, deviceFirst: Bool) throws(StoreError) -> [EventItem]

    /// Rejected messages, newest first. Payloads are shown as text when they are UTF-8.
    func deadLetters(reason: DeadLetterReason?, from: Int64?, to: Int64?, limit: Int, gateway: String?, device: String?, after: PageCursor?) throws(StoreError) -> [DeadLetterItem]

    /// Row counts per table, for health checks, tests and the bench.
    func count(_ table: CountedTable) throws(StoreError) -> Int

    // MARK: Registry
    /// The content hash of the registry files `run` last imported; nil when none is recorded.
    func registrySourceHash() throws(StoreError) -> String?

    @discardableResult
    func importFleet(_ fleet: Fleet, now: Int64, sourceHash: String?) throws(StoreError) -> Int

    /// The registered firms, owners, sites, gateways and devices. A device row whose JSON no longer
    /// parses (edited by hand) is an error naming the device, not a device without attributes.
    func registry() throws(StoreError) -> StoredRegistry

    /// Calls `body` with every registered device in `num` order, one row at a time: a check of
    /// the whole fleet (compliance, every minute) holds one device's record, not 100 k of them
    /// (the whole registry as records was about 200 MB at 100 k devices). `body` runs inside a
    /// read transaction, so it sees one consistent snapshot and must not write to the store.
    func forEachRegisteredDevice(_ body: (_ num: Int64, _ record: DeviceRecord) throws -> Void) throws

    /// One registered device with its `num`, or nil; reads one row, not the registry.
    func registeredDevice(_ id: String) throws(StoreError) -> (num: Int64, record: DeviceRecord)?

    /// The persisted per-device state, so sequence checking continues across restarts.
    func loadDeviceStates() throws(StoreError) -> [Int64: DeviceStateUpdate]

    /// Every id of `list`, sorted (device types: those registered devices have).
    func ids(of list: RegistryList) throws(StoreError) -> [String]

    // MARK: Replay
    /// Calls `body` with every stored reading and device event with `from <= ts <= to`, in
    /// `(ts, kind, id)` order (readings before events at the same time), reading with a cursor so
    /// a month of data never sits in memory at once.
    ///
    /// Rows come in the order of their latest reading; a row of several readings holds readings
    /// up to `ReadingRows.maxSpanMs` earlier, so what is read waits in a heap until no row still
    /// to come can hold anything earlier: at most that span of messages is held back.
    func forEachMessage(from: Int64, to: Int64, _ body: (StoredMessage) throws -> Void) throws(StoreError)

    /// Alarms that fired within `from...to`.
    func recordedAlarms(from: Int64, to: Int64) throws(StoreError) -> [RecordedAlarm]

    // MARK: Rescues
    /// Rescue clocks past their deadline at `now`, not yet escalated, nobody on site, alarm open.
    func missedRescues(now: Int64) throws(StoreError) -> [MissedRescue]

    /// Records a missed rescue deadline once: the escalation time, a timeline entry on the
    /// incident, the supervisors' stream and the feed message `message` (severity critical), in
    /// one transaction. False when it was escalated, reached or resolved meanwhile.
    func escalate(_ r: MissedRescue, at now: Int64, message: OutboxMessage) throws(StoreError) -> Bool

    // MARK: Retention
    /// Devices with raw readings taken before `cutoff`, the ones pruning has work for.
    /// Deletes up to `limit` dead letters received before `cutoff`, oldest first; returns how many.
    func pruneDeadLetters(before cutoff: Int64, limit: Int) throws(StoreError) -> Int

    func devicesWithReadings(before cutoff: Int64) throws(StoreError) -> [Int64]

    /// One small transaction: the device's oldest raw readings before `cutoff` (at most
    /// `policy.chunk`) are added to their hourly aggregates (count, min, max, sum, last per
    /// numeric field), copied to `incident_evidence` when they lie in an incident's window, and
    /// deleted. Aggregates merge, so the steps can run in any number of transactions.
    func pruneReadings(device num: Int64, before cutoff: Int64, policy: RetentionPolicy) throws(StoreError) -> PruneResult

    /// Drops the time partitions of readings that ended before `cutoff` and that retention has
    /// emptied (PostgreSQL's monthly partitions); returns how many. 0 for an engine without them.
    func dropEmptyPartitions(before cutoff: Int64) throws(StoreError) -> Int

    /// Rows, bytes (where SQLite's `dbstat` is available) and the time span of every table.
    func tableStats() throws(StoreError) -> [TableStatItem]

    // MARK: Risk
    /// The history a grade reads, for each of `devices`: alarms that fired since `alarmsSince`,
    /// open overdue-maintenance notices, and monitoring gaps since `gapsSince`. A round of grades
    /// reads it in three queries, not three a device (on a network database that was most of a
    /// round's time). Devices with no history are absent.
    func riskHistories(_ devices: [Int64], alarmsSince: Int64, gapsSince: Int64) throws(StoreError) -> [Int64: RiskHistory]

    /// Current grades and when they were computed, by device.
    func currentRisk() throws(StoreError) -> [Int64: (grade: Grade, computedAt: Int64)]

    /// Stores grades in one transaction. Every grade replaces the device's current one; a
    /// change of grade is also kept in the history with its event, and a change to red inserts
    /// the firm's notice and queues the supervisors' feed message.
    func record(grades updates: [GradeWrite], noticeMessage: NoticeMessage?) throws(StoreError)

    // MARK: Stats
    /// Alarms fired in [from, to) and incidents opened then, by `dimension`, within `scope`.
    func alarmCounts(by dimension: StatsDimension, from: Int64, to: Int64, scope: Role) throws(StoreError) -> [AlarmCountItem]

    /// Rescue clocks started in [from, to), within `scope`.
    func rescues(from: Int64, to: Int64, scope: Role) throws(StoreError) -> [RescueRow]

    /// Maintenance notices (due and fault follow-ups) whose deadline fell in [from, to), per firm:
    /// closed by a record before the deadline, after it, or still open past it at `now`.
    func maintenanceTimeliness(from: Int64, to: Int64, now: Int64, scope: Role) throws(StoreError) -> [MaintenanceTimelinessItem]

    /// Inspections recorded (not seeded) with dates in [from, to], and must-not-use devices now.
    func inspectionStats(from: Day, to: Day, scope: Role) throws(StoreError) -> InspectionStatsItem

    /// Devices per current risk grade within `scope` (ungraded devices as `none`).
    func gradeCounts(scope: Role) throws(StoreError) -> [GradeCountItem]

    // MARK: Tokens
    /// Stores a token by its SHA-256 (the secret itself is never written); returns its id.
    func createToken(name: String, role: Role, hash: String, expiresAt: Int64?, now: Int64) throws(StoreError) -> Int64

    func tokens() throws(StoreError) -> [TokenItem]

    /// Revokes a token; false when there is no such token. Revoking twice keeps the first time.
    func revokeToken(id: Int64, at now: Int64) throws(StoreError) -> Bool

    /// Which of the tokens `ids` are still valid at `now` (not revoked, not expired): open
    /// streams re-check theirs with one query.
    func validTokens(_ ids: Set<Int64>, now: Int64) throws(StoreError) -> Set<Int64>

    /// The grant of the token whose SHA-256 is `hash`, checked against revocation and expiry at
    /// `now`. Read on every request, so a revocation takes effect at the next request.
    func grant(hash: String, now: Int64) throws(StoreError) -> Result<TokenGrant, TokenRefusal>

    // MARK: The store itself
    /// The file, or `:memory:`-like description of a store opened on a given writer.
    var path: String { get }

    /// Runs `body`, whose reads of this store on this thread answer from one snapshot where the
    /// engine can share one (PostgreSQL: one read-only transaction on one connection, instead of
    /// a round trip to open and close one per read). A page of many reads calls it once.
    func snapshot<T>(_ body: () throws -> T) throws -> T

    /// The days people count (the display zone's): a major hazard's day is read in it, and the
    /// cores above ask it which day an instant falls on. Asia/Shanghai unless told otherwise.
    var localDays: LocalDays { get }

    /// Writes the WAL back into the database file and truncates it (after a bulk load, so the
    /// next writer does not pay for it).
    func checkpoint() throws(StoreError)

    // MARK: Integrity and backup
    /// The highest reading id stored (nil: no readings).
    func newestReadingId() throws(StoreError) -> Int64?

    /// `PRAGMA quick_check`: `["ok"]` for a sound database, else the problems SQLite found.
    func quickCheck() throws(StoreError) -> [String]

    /// A consistent copy of the whole store in `path` (`VACUUM INTO`), taken while the pipeline
    /// runs: readers and the writer go on meanwhile. The file must not exist yet.
    func backup(to path: String) throws(StoreError)
}
