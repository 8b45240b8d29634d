import CoreMetrics
import Prometheus

/// The swift-metrics backend of the process: swift-prometheus's registry, with a `# HELP` line for
/// every metric and Prometheus names for Hummingbird's own (its `hb.requests` counter lacks the
/// `_total` suffix `promtool check metrics` asks for).
///
/// swift-prometheus's own factory registers every metric without help text, and its registry
/// refuses a second registration of a name with different help, so the help has to be given at
/// the one registration, here. The pipeline keeps using the plain swift-metrics API.
struct MetricsBackend: MetricsFactory {
    let registry: PrometheusCollectorRegistry
    private let base: PrometheusMetricsFactory

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        base = PrometheusMetricsFactory(registry: registry)
    }

    /// Hummingbird's metric labels → the names exported.
    static let renamed: [String: String] = [
        "hb.requests": "equipwatch_http_requests_total",
        "hb.request.errors": "equipwatch_http_request_errors_total",
        "http.server.request.duration": "equipwatch_http_request_duration_seconds",
        "http.server.active_requests": "equipwatch_http_active_requests",
    ]

    /// What each exported metric measures (the `# HELP` text).
    static let help: [String: String] = [
        "equipwatch_ingest_accepted_total": "Gateway messages accepted (valid, stored).",
        "equipwatch_ingest_duplicates_total": "Messages dropped as duplicates of a stored sequence number.",
        "equipwatch_ingest_dead_letters_total": "Messages refused into the dead-letter store, by reason.",
        "equipwatch_ingest_queue_depth": "Messages received and not yet processed by the worker.",
        "equipwatch_alarms_raised_total": "Alarms raised by the rule engine.",
        "equipwatch_alarms_open": "Alarms firing now, by severity.",
        "equipwatch_rules_evaluation_seconds_total": "Time spent evaluating rules on accepted messages.",
        "equipwatch_rules_evaluations_total": "Accepted messages evaluated by the rule engine.",
        "equipwatch_store_commits_total": "Store transactions committed by the worker.",
        "equipwatch_store_commit_duration_seconds": "Duration of the worker's store commits.",
        "equipwatch_store_writer_checkpoints_total": "WAL checkpoints the worker ran between its commits because the WAL had passed store.max_wal_mb.",
        "equipwatch_outbox_backlog": "Outbound MQTT messages (alarm feed, notices, results) not yet acknowledged by the broker.",
        "equipwatch_http_auth_failures_total": "API requests refused for their token or role, by reason.",
        "equipwatch_http_requests_total": "API requests by route, method and status.",
        "equipwatch_http_request_errors_total": "API requests that ended in an error, by route, method and status.",
        "equipwatch_http_request_duration_seconds": "API request durations by route, method and status.",
        "equipwatch_http_active_requests": "API requests in progress, by method.",
        "equipwatch_cluster_leader": "1 while this node holds the cluster's leadership (outbox, risk, compliance, retention).",
        "equipwatch_cluster_partitions_consumed": "Partitions this node's engine consumes.",
        "equipwatch_cluster_partition_consumed": "1 while this node consumes the partition, by partition.",
        "equipwatch_cluster_partition_epoch": "The epoch of this node's lease of the partition, by partition.",
        "equipwatch_cluster_heartbeat_failures_total": "Cluster heartbeats that could not reach the store.",
        "equipwatch_cluster_engine_rebuilds_total": "Rebuilds of this node's engine for a new set of partitions.",
    ]

    /// The exported name and help of a swift-metrics label (the unit is part of the name).
    private static func descriptor(_ label: String) -> MetricNameDescriptor {
        let name = renamed[label] ?? label
        return MetricNameDescriptor(metricName: name, unitName: "", helpText: help[name] ?? name.replacingUnderscores())
    }

    private static func labels(_ dimensions: [(String, String)]) -> [(String, String)] {
        dimensions.map { (String($0.0.map { $0 == "." ? "_" : $0 }), $0.1) }
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        return registry.makeCounter(descriptor: Self.descriptor(label), labels: Self.labels(dimensions))
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        return registry.makeCounter(descriptor: Self.descriptor(label), labels: Self.labels(dimensions))
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        if aggregate {
            return registry.makeValueHistogram(descriptor: Self.descriptor(label), labels: Self.labels(dimensions),
                                               buckets: base.defaultValueHistogramBuckets)
        }
        return registry.makeGauge(descriptor: Self.descriptor(label), labels: Self.labels(dimensions))
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        return registry.makeGauge(descriptor: Self.descriptor(label), labels: Self.labels(dimensions))
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        return registry.makeDurationHistogram(descriptor: Self.descriptor(label), labels: Self.labels(dimensions),
                                              buckets: base.defaultDurationHistogramBuckets)
    }

    func destroyCounter(_ handler: any CounterHandler) { base.destroyCounter(handler) }
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { base.destroyFloatingPointCounter(handler) }
    func destroyRecorder(_ handler: any RecorderHandler) { base.destroyRecorder(handler) }
    func destroyMeter(_ handler: any MeterHandler) { base.destroyMeter(handler) }
    func destroyTimer(_ handler: any TimerHandler) { base.destroyTimer(handler) }
}

private extension String {
    func replacingUnderscores() -> String { String(map { $0 == "_" ? " " : $0 }) }
}
