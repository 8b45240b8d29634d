import UnixSignals
import SourceFiles
import Presentation
import Domain
import HTTPAPI
import Ingest
import ArgumentParser
import DeviceCatalog
import Foundation
import Inspection
import Logging
import Pipeline
import Risk
import Rules
import ServiceLifecycle
import Settings
import Records
import Services
import Storage
import PostgresStorage
import Cluster

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the pipeline: subscribe to the broker, validate, check rules, store in SQLite.",
        discussion: """
            Loads Devices/ (types and fleet) into the store, subscribes at QoS 1 on a persistent session \
            (fixed client id, clean session off: the broker queues messages while the pipeline is down), and \
            commits accepted messages in batches.

            Rules/ is compiled at start; alarm changes are stored and published on {prefix}/alarms/{type} (QoS 1) \
            through an outbox, so a change reaches the broker even if it was down when the alarm fired.

            The maintenance planner follows usage counters, faults, calendars and on-demand eligibility and sends \
            notices to each firm on {prefix}/notices/{firm} (QoS 1, through the same outbox). Firms report completed \
            maintenance on {prefix}/maintenance/{firm}: {"device": ID, "items": [...], "at": TIME}. Risk grades \
            (Rules/risk.yaml) are recomputed when an input changes and at least daily.

            The HTTP API (docs/api.md) and the web console (docs/console.md, at /) are served on --http (default \
            127.0.0.1:8080) under the same shutdown; create a token with `equipwatch tokens create --role supervisor` \
            and sign in with it. The console shows times in the display zone (--tz, else $TZ, else Asia/Shanghai).

            Signals: SIGTERM or SIGINT stops reading, commits everything received and exits 0. SIGHUP reloads \
            Devices/ and Rules/; a file with errors is reported (file:line:column: reason) and the running registry \
            and rules stay in force. Rules that still exist keep their alarms, timers and windows.
            """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: """
        Start although the store is not what this data folder held: missing or empty (start empty), damaged \
        (kept aside as equipwatch.sqlite.damaged-TIME, start empty), or missing committed readings (go on with \
        what it has). Without it such a store is refused with what happened; restore a backup first \
        (equipwatch store backup, docs/operations.md).
        """)
    var acceptStoreLoss = false

    @Option(help: ArgumentHelp("""
        Join the cluster of the PostgreSQL store as this node (letters, digits, '-', '_'; default: the host \
        name). A `cluster:` section in equipwatch.yaml does the same with the host name. Nodes share the \
        fleet's partitions through leases in the store; each consumes its partitions through persistent MQTT \
        sessions of their own, and any node serves the API (docs/cluster.md).
        """, valueName: "NAME"))
    var node: String?

    func run() async throws {
        Log.bootstrap()
        _ = APIMetrics.registry  // the metrics backend, before the pipeline makes its counters
        let logger = Logger(label: "equipwatch.run")
        let settings = try { () throws -> Settings in
            var s = try global.settings()
            if node != nil, s.cluster == nil { s.cluster = Settings.Cluster() }
            return s
        }()
        let lock = try InstanceGuard.Lock(dataDirectory: settings.dataDirectory)
        if settings.broker.clientId == InstanceGuard.clientId(dataDirectory: settings.dataDirectory) {
            InstanceGuard.remember(clientId: settings.broker.clientId, dataDirectory: settings.dataDirectory)
        }
        try InstanceGuard.requireFree(http: settings.http)
        if !InstanceGuard.reachable(settings.broker.endpoint) {
            logger.warning("the broker is not reachable yet; the pipeline keeps trying", metadata: ["broker": "\(settings.broker.endpoint)"])
        }
        let store: any Store
        var folder: StoreFolder?
        switch settings.storeLocation {
        case .sqlite(let path):
            // The data folder remembers its SQLite file, so a lost or damaged file is noticed.
            folder = StoreFolder(databasePath: path)
            do {
                let opened = try folder!.open(acceptLoss: acceptStoreLoss, localDays: Console.zone.localDays, now: wallMillis())
                store = opened.store
                if let accepted = opened.accepted {
                    logger.critical("started with --accept-store-loss", metadata: ["what": "\(accepted)"])
                }
            } catch let problem as StoreFolder.Problem {
                throw Refused("\(problem)")
            } catch let e as StoreError {
                throw Refused("\(e)")
            }
        case .postgres(let url):
            // PostgreSQL keeps its own durability (its WAL, its replicas): nothing to remember here.
            do { store = try PostgresStore(url: url, create: true, localDays: Console.zone.localDays) }
            catch { throw Refused("\(error)") }
        }
        // An older schema was brought up to this binary's (after a backup, on SQLite): say so.
        if let report = (store as? SQLiteStore)?.upgraded ?? (store as? PostgresStore)?.upgraded {
            logger.notice("store schema upgraded", metadata: [
                "applied": "\(report.applied.joined(separator: ", "))", "backup": "\(report.backup ?? "none (PostgreSQL: pg_dump before upgrading)")",
                "version": "\(EquipWatch.version)"])
        }
        let loaded: (types: [String: DeviceType], directory: Ingest.DeviceDirectory)
        do {
            loaded = try RegistrySync.load(devicesDirectory: settings.devicesDirectory, store: store, now: wallMillis())
        } catch {
            FileHandle.standardError.write(Data("cannot load \(settings.devicesDirectory):\n\(error)\n".utf8))
            throw ExitCode(2)
        }
        logger.info("registry loaded", metadata: [
            "types": "\(loaded.types.count)", "devices": "\(loaded.directory.entries.count)",
            "store": "\(settings.storeLocation)", "broker": "\(settings.broker.endpoint)",
        ])
        let rules: RuleSet
        do {
            rules = try RulesSync.load(rulesDirectory: settings.rulesDirectory, types: loaded.types, store: store)
        } catch {
            FileHandle.standardError.write(Data("cannot load \(settings.rulesDirectory):\n\(error)\n".utf8))
            throw ExitCode(2)
        }
        let risk: RiskModel
        do {
            risk = try RulesSync.risk(rulesDirectory: settings.rulesDirectory)
        } catch {
            FileHandle.standardError.write(Data("cannot load the risk model:\n\(error)\n".utf8))
            throw ExitCode(2)
        }
        logger.info("rules loaded", metadata: ["packs": "\(rules.packs.count)", "rules": "\(rules.ruleIds.count)", "risk_model": "\(risk.version)"])
        let accidents: AccidentPolicy
        do {
            accidents = try AccidentPolicy.load(path: settings.rulesDirectory + "/accidents.yaml")
        } catch {
            FileHandle.standardError.write(Data("cannot load the accident classes:\n\(error)\n".utf8))
            throw ExitCode(2)
        }
        let calendar: WorkCalendar
        let planPolicy: PlanPolicy
        do {
            calendar = try WorkCalendar.load(directory: settings.devicesDirectory + "/calendar")
            planPolicy = try PlanPolicy.load(path: settings.devicesDirectory + "/inspection_plan.yaml")
        } catch {
            FileHandle.standardError.write(Data("cannot load the inspection calendar or plan policy:\n\(error)\n".utf8))
            throw ExitCode(2)
        }
        // The API reads the catalog a reload replaces, at the moment the engine gets the new registry.
        let catalog = LiveCatalog(CatalogSnapshot(types: loaded.types, calendar: calendar, policy: planPolicy, accidents: accidents))
        let service: any Service
        let reloadable: any Reloadable
        let health: @Sendable () -> APIServer.Health
        if settings.cluster != nil {
            guard let clusterStore = store as? any ClusterStore else {
                throw Refused("cluster mode needs a PostgreSQL store (--store postgres://…): the nodes share the fleet through it (docs/cluster.md)")
            }
            let name = try Self.nodeName(node)
            let member = ClusterMember(node: name, address: "\(settings.http)", settings: settings, store: clusterStore,
                                       catalog: .init(directory: loaded.directory, rules: rules, risk: risk, policy: planPolicy, accidents: accidents),
                                       logger: Logger(label: "equipwatch.cluster"))
            service = ClusterService(member: member)
            reloadable = member
            health = {
                let h = member.health
                let e = h.engine
                var health = APIServer.Health(brokerDownSince: e?.disconnectedSince, queueDepth: e?.queueDepth ?? 0,
                                              lastCommitAt: e?.stats.lastCommitAt, storeFailure: e?.stats.storeFailure,
                                              sessionTakenOverAt: e?.sessionTakenOverAt)
                health.node = (h.node, h.partitions, h.leader)
                return health
            }
        } else {
            // A cluster node builds these for each set of partitions it holds (ClusterMember).
            let now = wallMillis()
            let engine = try RulesSync.engine(rules: rules, store: store, directory: loaded.directory, settings: settings, now: now)
            let planner = try RulesSync.planner(rules: rules, store: store, directory: loaded.directory, now: now)
            var options = IngestPipeline.Options(settings: settings)
            options.storeFolder = folder
            let pipeline = try IngestPipeline(options: options, store: store, directory: loaded.directory,
                                              hook: RuleHooks([NormalBandCheck(), engine]), planner: planner, risk: risk,
                                              inspections: planPolicy, accidents: accidents, logger: logger)
            service = PipelineService(pipeline: pipeline)
            reloadable = pipeline
            health = { APIServer.Health(brokerDownSince: pipeline.disconnectedSince, queueDepth: pipeline.queueDepth,
                                        lastCommitAt: pipeline.stats.lastCommitAt, storeFailure: pipeline.stats.storeFailure,
                                        sessionTakenOverAt: pipeline.sessionTakenOverAt) }
        }
        let hangup = HangupSignal { Reloader.reload(settings, store: store, logger: logger, into: reloadable, catalog) }
        let api = APIServer(
            store: store, types: { catalog.current.types }, topics: Topics(prefix: settings.broker.topicPrefix),
            health: health,
            planning: { let c = catalog.current; return (c.calendar, c.policy) },
            accidents: { catalog.current.accidents },
            limits: apiLimits(settings.api),
            timeZone: Console.zone.name,
            logger: Logger(label: "equipwatch.http"))
        logger.info("HTTP API and web console", metadata: ["address": "http://\(settings.http)/"])
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: service),
                       .init(service: api.application(host: settings.http.host, port: settings.http.port)),
                       .init(service: StreamCloser(feed: api.feed))],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        hangup.cancel()
        withExtendedLifetime(lock) {}
        logger.info("stopped cleanly")
    }
}

extension RunCommand {
    /// The node's name: `--node`, else the host name up to its first dot.
    static func nodeName(_ given: String?) throws -> String {
        let name = given ?? String(ProcessInfo.processInfo.hostName.split(separator: ".").first ?? "node")
        guard Identifier.isValid(name) else {
            throw Refused("'\(name)' cannot name a node (letters, digits, '-', '_'): give one with --node NAME")
        }
        return name
    }
}

/// The API's limits from the `api` settings.
func apiLimits(_ a: Settings.API) -> APIServer.Limits {
    var l = APIServer.Limits()
    l.streams.maxStreams = a.maxStreams
    l.streams.batch = a.streamBatch
    l.streams.stallMs = a.streamStall.milliseconds
    l.streams.tokenCheckMs = a.tokenCheck.milliseconds
    l.idleTimeoutMs = a.idleTimeout.milliseconds
    l.authFailuresPerMinute = a.authFailuresPerMinute
    return l
}

/// Calls `action` on every SIGHUP (`systemctl reload`), on a background queue.
final class HangupSignal {
    private let source: any DispatchSourceSignal

    init(_ action: @escaping @Sendable () -> Void) {
        signal(SIGHUP, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler(handler: action)
        source.resume()
    }

    func cancel() { source.cancel() }
}

enum Log {
    /// Once per process (swift-log allows one bootstrap; in-process tests run several commands).
    private static let once: Void = {
        let level = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
    }()

    static func bootstrap() { once }
}
