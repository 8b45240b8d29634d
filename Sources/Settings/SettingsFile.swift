import Domain
import Source
import DeviceCatalog
import Foundation

/// Reads `equipwatch.yaml`. Unknown keys and malformed values are errors with file and line:
/// a misspelt setting silently falling back to its default is how outages start.
public enum SettingsFile {
    /// Parses `equipwatch.yaml` over `base`; unknown keys and bad values are reported at their line
    /// and column.
    public static func parse(text: String, file: String, base: Settings = Settings()) throws(SourceErrors) -> Settings {
        let (source, raw) = try YAMLSource.decode(RawSettings.self, text: text, file: file)
        var errors: [SourceError] = []
        func unknown(_ path: [YAMLSource.PathElement], _ allowed: Set<String>) {
            errors += DeviceTypeParser.unknownKeys(source, at: path, allowed: allowed)
        }
        func interval(_ text: String?, _ path: [YAMLSource.PathElement], _ apply: (Interval) -> Void) {
            guard let text else { return }
            if let i = Interval(parsing: text) { apply(i) } else {
                errors.append(source.error(at: path, "'\(text)' is not a duration (e.g. 20ms, 30s, 5m, 7d)"))
            }
        }
        func endpoint(_ text: String?, _ path: [YAMLSource.PathElement], _ apply: (HostPort) -> Void) {
            guard let text else { return }
            if let hp = HostPort(parsing: text) { apply(hp) } else {
                errors.append(source.error(at: path, "'\(text)' is not HOST:PORT"))
            }
        }
        unknown([], ["broker", "data_dir", "devices_dir", "rules_dir", "http", "ingest", "store", "retention", "rules", "api", "cluster"])
        var s = base
        if let d = raw.data_dir { s.dataDirectory = d }
        if let d = raw.devices_dir { s.devicesDirectory = d }
        if let d = raw.rules_dir { s.rulesDirectory = d }
        endpoint(raw.http, [.key("http")]) { s.http = $0 }
        if let b = raw.broker {
            let p: [YAMLSource.PathElement] = [.key("broker")]
            unknown(p, ["address", "client_id", "username", "password", "outbox_username", "outbox_password", "tls", "keepalive", "topic_prefix", "qos",
                        "reconnect_min", "reconnect_max"])
            endpoint(b.address, p + [.key("address")]) { s.broker.endpoint = $0 }
            if let v = b.client_id { s.broker.clientId = v }
            if let v = b.username { s.broker.username = v }
            if let v = b.password { s.broker.password = v }
            if let v = b.outbox_username { s.broker.outboxUsername = v }
            if let v = b.outbox_password { s.broker.outboxPassword = v }
            if let t = b.tls { s.broker.tls = Settings.TLS(caFile: t.ca_file, certFile: t.cert_file, keyFile: t.key_file, insecure: t.insecure ?? false) }
            interval(b.keepalive, p + [.key("keepalive")]) { s.broker.keepalive = $0 }
            if let v = b.topic_prefix { s.broker.topicPrefix = v }
            if let q = b.qos {
                if q == 0 || q == 1 { s.broker.qos = q } else { errors.append(source.error(at: p + [.key("qos")], "qos must be 0 or 1")) }
            }
            interval(b.reconnect_min, p + [.key("reconnect_min")]) { s.broker.reconnectMin = $0 }
            interval(b.reconnect_max, p + [.key("reconnect_max")]) { s.broker.reconnectMax = $0 }
        }
        if let i = raw.ingest {
            let p: [YAMLSource.PathElement] = [.key("ingest")]
            unknown(p, ["max_payload_bytes", "future_tolerance", "max_age", "dead_letter_payload_cap", "max_batch_elements", "network_batch",
                        "network_batch_age", "queue_batches"])
            if let v = i.max_payload_bytes { s.ingest.maxPayloadBytes = v }
            interval(i.future_tolerance, p + [.key("future_tolerance")]) { s.ingest.futureTolerance = $0 }
            interval(i.max_age, p + [.key("max_age")]) { s.ingest.maxAge = $0 }
            if let v = i.dead_letter_payload_cap { s.ingest.deadLetterPayloadCap = v }
            if let v = i.max_batch_elements { s.ingest.maxBatchElements = max(1, v) }
            if let v = i.network_batch { s.ingest.networkBatch = max(1, v) }
            interval(i.network_batch_age, p + [.key("network_batch_age")]) { s.ingest.networkBatchAge = $0 }
            if let v = i.queue_batches { s.ingest.queueBatches = max(1, v) }
        }
        if let st = raw.store {
            let p: [YAMLSource.PathElement] = [.key("store")]
            unknown(p, ["url", "commit_interval", "commit_max_rows", "max_uncommitted", "checkpoint_interval", "max_wal_mb", "shutdown_timeout"])
            if let url = st.url {
                if StoreLocation(parsing: url) == nil {
                    errors.append(source.error(at: p + [.key("url")], "'\(StoreLocation.postgres(url: url))' is not a store URL: \(StoreLocation.usage)"))
                } else {
                    s.store.url = url
                }
            }
            interval(st.shutdown_timeout, p + [.key("shutdown_timeout")]) { s.store.shutdownTimeout = $0 }
            interval(st.checkpoint_interval, p + [.key("checkpoint_interval")]) { s.store.checkpointInterval = $0 }
            interval(st.commit_interval, p + [.key("commit_interval")]) { s.store.commitInterval = $0 }
            if let v = st.commit_max_rows { s.store.commitMaxRows = max(1, v) }
            if let v = st.max_uncommitted { s.store.maxUncommitted = max(1, v) }
            if let v = st.max_wal_mb { s.store.maxWALMiB = max(1, v) }
        }
        if let r = raw.retention {
            let p: [YAMLSource.PathElement] = [.key("retention")]
            unknown(p, ["raw", "evidence_before", "evidence_after", "interval", "chunk", "busy_share", "dead_letters"])
            interval(r.dead_letters, p + [.key("dead_letters")]) { s.retention.deadLetters = $0 }
            interval(r.raw, p + [.key("raw")]) { s.retention.raw = $0 }
            interval(r.evidence_before, p + [.key("evidence_before")]) { s.retention.evidenceBefore = $0 }
            interval(r.evidence_after, p + [.key("evidence_after")]) { s.retention.evidenceAfter = $0 }
            interval(r.interval, p + [.key("interval")]) { s.retention.interval = $0 }
            if let v = r.chunk { s.retention.chunk = max(1, v) }
            if let v = r.busy_share {
                if v > 0, v <= 1 { s.retention.busyShare = v } else {
                    errors.append(source.error(at: p + [.key("busy_share")], "busy_share must be above 0 and at most 1, such as 0.2"))
                }
            }
        }
        if let a = raw.api {
            let p: [YAMLSource.PathElement] = [.key("api")]
            unknown(p, ["max_streams", "stream_batch", "stream_stall", "token_check", "idle_timeout", "auth_failures_per_minute"])
            interval(a.stream_stall, p + [.key("stream_stall")]) { s.api.streamStall = $0 }
            func positive(_ v: Int?, _ key: String, _ apply: (Int) -> Void) {
                guard let v else { return }
                if v > 0 { apply(v) } else { errors.append(source.error(at: p + [.key(key)], "\(key) must be a whole number above 0")) }
            }
            positive(a.max_streams, "max_streams") { s.api.maxStreams = $0 }
            positive(a.stream_batch, "stream_batch") { s.api.streamBatch = $0 }
            positive(a.auth_failures_per_minute, "auth_failures_per_minute") { s.api.authFailuresPerMinute = $0 }
            interval(a.token_check, p + [.key("token_check")]) { s.api.tokenCheck = $0 }
            interval(a.idle_timeout, p + [.key("idle_timeout")]) { s.api.idleTimeout = $0 }
        }
        if let r = raw.rules {
            let p: [YAMLSource.PathElement] = [.key("rules")]
            unknown(p, ["late_tolerance", "tick", "maintenance_tick", "outage_grace"])
            interval(r.late_tolerance, p + [.key("late_tolerance")]) { s.rules.lateTolerance = $0 }
            interval(r.tick, p + [.key("tick")]) { s.rules.tick = $0 }
            interval(r.maintenance_tick, p + [.key("maintenance_tick")]) { s.rules.maintenanceTick = $0 }
            interval(r.outage_grace, p + [.key("outage_grace")]) { s.rules.outageGrace = $0 }
        }
        if let c = raw.cluster {
            let p: [YAMLSource.PathElement] = [.key("cluster")]
            unknown(p, ["partitions", "lease_timeout", "heartbeat", "name"])
            var cluster = s.cluster ?? Settings.Cluster()
            if let v = c.partitions {
                if (1...4096).contains(v) { cluster.partitions = v } else {
                    errors.append(source.error(at: p + [.key("partitions")], "partitions must be a whole number from 1 to 4096"))
                }
            }
            interval(c.lease_timeout, p + [.key("lease_timeout")]) { cluster.leaseTimeout = $0 }
            interval(c.heartbeat, p + [.key("heartbeat")]) { cluster.heartbeat = $0 }
            if cluster.heartbeat.milliseconds * 2 > cluster.leaseTimeout.milliseconds {
                errors.append(source.error(at: p, "heartbeat (\(cluster.heartbeat)) must be at most half of lease_timeout (\(cluster.leaseTimeout)): a lease must survive one missed heartbeat"))
            }
            if let v = c.name {
                if Identifier.isValid(v) { cluster.name = v } else {
                    errors.append(source.error(at: p + [.key("name")], "'\(v)' is not a valid name (letters, digits, '-', '_')"))
                }
            }
            s.cluster = cluster
        }
        guard errors.isEmpty else { throw SourceErrors(errors) }
        return s
    }
}

private struct RawSettings: Decodable {
    let broker: RawBroker?
    let data_dir: String?
    let devices_dir: String?
    let rules_dir: String?
    let http: String?
    let ingest: RawIngest?
    let store: RawStore?
    let retention: RawRetention?
    let rules: RawRules?
    let api: RawAPI?
    let cluster: RawCluster?
}

private struct RawCluster: Decodable {
    let partitions: Int?
    let lease_timeout: String?
    let heartbeat: String?
    let name: String?
}

private struct RawAPI: Decodable {
    let max_streams: Int?
    let stream_batch: Int?
    let stream_stall: String?
    let token_check: String?
    let idle_timeout: String?
    let auth_failures_per_minute: Int?
}

private struct RawRetention: Decodable {
    let raw: String?
    let evidence_before: String?
    let evidence_after: String?
    let interval: String?
    let chunk: Int?
    let busy_share: Double?
    let dead_letters: String?
}

private struct RawBroker: Decodable {
    let address: String?
    let client_id: String?
    let username: String?
    let password: String?
    let outbox_username: String?
    let outbox_password: String?
    let tls: RawTLS?
    let keepalive: String?
    let topic_prefix: String?
    let qos: Int?
    let reconnect_min: String?
    let reconnect_max: String?
}

private struct RawTLS: Decodable {
    let ca_file: String
    let cert_file: String?
    let key_file: String?
    let insecure: Bool?
}

private struct RawIngest: Decodable {
    let max_payload_bytes: Int?
    let future_tolerance: String?
    let max_age: String?
    let dead_letter_payload_cap: Int?
    let max_batch_elements: Int?
    let network_batch: Int?
    let network_batch_age: String?
    let queue_batches: Int?
}

private struct RawStore: Decodable {
    let commit_interval: String?
    let commit_max_rows: Int?
    let max_uncommitted: Int?
    let url: String?
    let checkpoint_interval: String?
    let max_wal_mb: Int?
    let shutdown_timeout: String?
}

private struct RawRules: Decodable {
    let late_tolerance: String?
    let tick: String?
    let maintenance_tick: String?
    let outage_grace: String?
}
