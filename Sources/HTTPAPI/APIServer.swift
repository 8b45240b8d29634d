import DeviceCatalog
import Domain
import Foundation
import Hummingbird
import Presentation
import Inspection
import Logging
import Metrics
import Services
import Prometheus
import Settings
import Records

/// The HTTP API of SPEC §7, served by `equipwatch run` next to the pipeline.
public struct APIServer: Sendable {
    /// What the pipeline reports for `/healthz`: broker, queue, last commit, store failure, session
    /// takeover.
    public struct Health: Sendable {
        public var brokerDownSince: Int64?
        public var queueDepth: Int
        public var lastCommitAt: Int64?
        public var storeFailure: StoreFailure?
        /// When the MQTT session last looked taken over by another client with the pipeline's id.
        public var sessionTakenOverAt: Int64?
        /// On a cluster node: its name, the partitions it consumes, whether it leads.
        public var node: (name: String, partitions: [Int], leader: Bool)?
        public init(brokerDownSince: Int64?, queueDepth: Int, lastCommitAt: Int64?, storeFailure: StoreFailure?,
                    sessionTakenOverAt: Int64? = nil) {
            (self.sessionTakenOverAt, self.brokerDownSince, self.queueDepth) = (sessionTakenOverAt, brokerDownSince, queueDepth)
            (self.lastCommitAt, self.storeFailure) = (lastCommitAt, storeFailure)
        }
    }

    let store: any Store
    let types: @Sendable () -> [String: DeviceType]
    let topics: Topics
    let health: @Sendable () -> Health
    /// The working-day calendar and plan policy of `Devices/` (inspection planning).
    let planning: @Sendable () -> (calendar: WorkCalendar, policy: PlanPolicy)
    /// How accidents are classed (`Rules/accidents.yaml`); nil: recording one answers 503.
    let accidents: @Sendable () -> AccidentPolicy?
    /// How long the broker may be unreachable, or the store refuse commits, before `/healthz` says 503.
    let unhealthyAfterMs: Int64
    let logger: Logger
    /// The live streams' shared reader of the store's changes.
    public let feed: ChangeFeed
    /// The zone the web console shows times in (IANA name).
    let timeZone: String

    /// What one client may hold and how long (`api:` settings; docs/api.md, "Limits").
    public struct Limits: Sendable {
        public var streams = ChangeFeed.Limits()
        /// A connection sending nothing, or not a whole request, for this long is closed.
        public var idleTimeoutMs: Int64 = 30_000
        /// Failed authentications per address and minute before 429.
        public var authFailuresPerMinute = 20
        public init() {}
    }

    let limits: Limits
    let throttle: AuthThrottle

    public init(store: any Store, types: @escaping @Sendable () -> [String: DeviceType], topics: Topics,
                health: @escaping @Sendable () -> Health,
                planning: @escaping @Sendable () -> (calendar: WorkCalendar, policy: PlanPolicy) = { (WorkCalendar(), PlanPolicy()) },
                accidents: @escaping @Sendable () -> AccidentPolicy? = { nil },
                unhealthyAfterMs: Int64 = 60_000, keepaliveMs: Int64 = 15_000, limits: Limits = .init(),
                timeZone: String = "Asia/Shanghai", logger: Logger) {
        self.limits = limits
        throttle = AuthThrottle(limit: limits.authFailuresPerMinute)
        (self.store, self.types, self.topics, self.health, self.planning) = (store, types, topics, health, planning)
        self.accidents = accidents
        (self.unhealthyAfterMs, self.timeZone, self.logger) = (unhealthyAfterMs, timeZone, logger)
        feed = ChangeFeed(store: store, keepaliveMs: keepaliveMs, limits: limits.streams, logger: logger)
    }

    func router() -> Router<APIContext> {
        let router = Router(context: APIContext.self)
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ErrorTimingMiddleware())
        router.add(middleware: ErrorMiddleware(logger: logger))
        router.get("healthz") { _, _ in self.healthz() }
        router.get("metrics") { _, _ in await self.metrics() }
        router.get("openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.openapi_yaml)))
        }
        let v1 = router.group("v1").add(middleware: BearerAuth(store: store, logger: logger, throttle: throttle))
            .add(middleware: LanguageMiddleware())
            .add(middleware: ZoneMiddleware(zone: DisplayZone(named: timeZone) ?? .shanghai))
        addRoutes(to: v1)
        addInspectionRoutes(to: v1)
        addInspectionRecordRoutes(to: v1)
        addStatsRoutes(to: v1)
        addHazardRoutes(to: v1)
        addAccidentRoutes(to: v1)
        addAuditRoutes(to: v1)
        addPeopleRoutes(to: v1)
        addRoutineRoutes(to: v1)
        addIdentityRoute(to: v1)
        addConsoleRoutes(to: router)
        return router
    }

    /// The server as a service for a `ServiceGroup` (graceful shutdown with the pipeline).
    /// The server as a service; `onListening` gets the bound port (port 0 picks a free one).
    public func application(host: String, port: Int,
                            onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(router: router(), server: .http1(configuration: .init(idleTimeout: .milliseconds(limits.idleTimeoutMs))),
                    configuration: .init(address: .hostname(host, port: port), serverName: "EquipWatch"),
                    onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) }, logger: logger)
    }

    func healthz() -> Response {
        let h = health()
        let now = wallMillis()
        var problems: [String] = []
        if let down = h.brokerDownSince, now - down > unhealthyAfterMs { problems.append("broker unreachable since \(Timestamp.format(down))") }
        // A store that refuses commits is reported at once: nothing is being stored meanwhile.
        if let f = h.storeFailure { problems.append("store refusing commits since \(Timestamp.format(f.since)): \(f.error)") }
        // Messages meant for the pipeline go to whoever holds its session: reported for 5 minutes after it was last seen.
        if let t = h.sessionTakenOverAt, now - t < 300_000 {
            problems.append("the MQTT session was taken over repeatedly, last at \(Timestamp.format(t)): another client uses the pipeline's client id")
        }
        var w = JSONWriter()
        w.add("status", .string(problems.isEmpty ? "ok" : "unhealthy"))
        w.add("broker_connected", .bool(h.brokerDownSince == nil))
        w.add("queue_depth", Int64(h.queueDepth))
        if let c = h.lastCommitAt { w.add("last_commit_age_ms", now - c) }
        if let node = h.node {
            w.add("node", .string(node.name))
            w.add("partitions", raw: "[" + node.partitions.map(String.init).joined(separator: ",") + "]")
            w.add("leader", .bool(node.leader))
        }
        if !problems.isEmpty { w.add("problems", .string(problems.joined(separator: "; "))) }
        return Listing.json(w.finish() + "\n", status: problems.isEmpty ? .ok : .serviceUnavailable)
    }

    func metrics() async -> Response {
        await APIMetrics.refresh(store: store, queueDepth: health().queueDepth)
        var buffer: [UInt8] = []
        APIMetrics.registry.emit(into: &buffer)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }
}

/// The process's metrics: swift-metrics with swift-prometheus as its backend, bootstrapped once
/// (before the pipeline creates its counters), read by `GET /metrics`.
public enum APIMetrics {
    public static let registry: PrometheusCollectorRegistry = {
        let r = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(MetricsBackend(registry: r))
        return r
    }()

    /// Gauges read at scrape time: queue depth, open alarms by severity, outbox backlog.
    static func refresh(store: any Store, queueDepth: Int) async {
        Gauge(label: "equipwatch_ingest_queue_depth").record(queueDepth)
        do {
            let (bySeverity, outbox) = try await store.access { store in (try store.openAlarmsBySeverity(), try store.outboxBacklog()) }
            for s in Severity.allCases {
                Gauge(label: "equipwatch_alarms_open", dimensions: [("severity", s.rawValue)]).record(bySeverity[s] ?? 0)
            }
            Gauge(label: "equipwatch_outbox_backlog").record(outbox)
        } catch {
            // The scrape still returns the counters; the gauges keep their last values.
        }
    }
}
