import Domain
import DeviceCatalog
import Foundation

/// Every setting of `equipwatch`, with the defaults of SPEC §6. Read from `equipwatch.yaml`
/// (when present) and then overridden by command-line flags.
public struct Settings: Sendable, Equatable {
    /// `broker:`: the MQTT session.
    public var broker = Broker()
    /// `--data`: the folder holding the store and what it remembers of it.
    public var dataDirectory = "./data"
    /// `--devices`: device types, the fleet, the working-day calendar and the plan policy.
    public var devicesDirectory = "Devices"
    /// `--rules`: rule packs, their tests and the risk model.
    public var rulesDirectory = "Rules"
    /// `--http`: where the API and the console listen.
    public var http = HostPort(host: "127.0.0.1", port: 8080)
    /// `ingest:`: batches, the queue and message limits.
    public var ingest = Ingest()
    /// `store:`: commits, the uncommitted bound and WAL checkpoints.
    public var store = Store()
    /// `retention:`: how long raw readings and dead letters are kept.
    public var retention = Retention()
    /// `rules:`: the rule and maintenance clocks.
    public var rules = Rules()
    /// `api:`: what one client of the API may hold.
    public var api = API()
    /// `cluster:`: several nodes on one PostgreSQL store (docs/cluster.md). Nil: one process, as
    /// always (the section, or `run --node`, turns cluster mode on; it needs PostgreSQL).
    public var cluster: Cluster?

    public init() {}

    /// Cluster mode: partitions of the fleet by gateway, each consumed through its own persistent
    /// MQTT session by the node holding its lease in PostgreSQL (docs/cluster.md).
    public struct Cluster: Sendable, Equatable {
        /// Partitions of the fleet; fixed when the cluster is created (the first node writes it to
        /// the store and later nodes take the store's). Each partition a node owns costs it one MQTT
        /// session (a connection and a network thread).
        public var partitions = 16
        /// A lease not renewed for this long is taken over by another node (goal: ≤ 15 s from a
        /// node's death to its partitions consuming again, so heartbeat + lease + start-up).
        public var leaseTimeout = Interval.seconds(10)
        /// How often a node renews its leases and rebalances.
        public var heartbeat = Interval.seconds(2)
        /// The prefix of the partitions' MQTT client ids (`{name}-p{N}`) and of the leader's
        /// outbox session; two clusters on one broker need different names.
        public var name = "equipwatch"
        public init() {}
    }

    /// Limits of the HTTP API: what one client may hold and how long, so no client (slow or
    /// hostile) costs the others (docs/api.md, "Limits").
    public struct API: Sendable, Equatable {
        /// Live streams (`/v1/stream`) open at once; one more is 503 with `Retry-After`.
        public var maxStreams = 500
        /// Changes read from the store at a time (4 times a second) and written to each stream as
        /// one block; a stream holds at most about two blocks for a client that does not read.
        public var streamBatch = 1000
        /// A stream whose client has not made room for the next event for this long is cut off
        /// (it resumes from the store with `Last-Event-ID`).
        public var streamStall = Interval.seconds(2)
        /// How often open streams re-check their token: a revoked or expired token's stream ends
        /// within this.
        public var tokenCheck = Interval.seconds(2)
        /// A connection that sends nothing (no request, or a request's headers not finished) for
        /// this long is closed.
        public var idleTimeout = Interval.seconds(30)
        /// Failed authentications from one address within a minute before it gets 429 with
        /// `Retry-After` (until the minute is over).
        public var authFailuresPerMinute = 20
        public init() {}
    }

    /// `broker:`: where the broker is, the session's client id, credentials, QoS, TLS and reconnect
    /// backoff.
    public struct Broker: Sendable, Equatable {
        /// `broker.host` and `broker.port` (`--broker HOST:PORT`).
        public var endpoint = HostPort(host: "127.0.0.1", port: 1883)
        /// Fixed so that the broker keeps the session (and queues messages) while the pipeline is down.
        public var clientId = "equipwatch-pipeline"
        /// The session's user name at the broker, if it asks for one.
        public var username: String?
        /// Its password.
        public var password: String?
        /// The outbox publisher's own credentials, for a broker that binds client ids to users
        /// (mosquitto's `use_username_as_clientid`): one user per connection. Default: the above.
        public var outboxUsername: String?
        /// The outbox user's password.
        public var outboxPassword: String?
        /// TLS to the broker (nil: plain TCP, for a broker on the same machine).
        public var tls: TLS?
        /// MQTT keepalive: how soon a dead connection is noticed.
        public var keepalive = Interval.seconds(30)
        /// The first topic levels of every topic (`equipwatch/v1`).
        public var topicPrefix = Topics.defaultPrefix
        /// The subscription's QoS: 1 (at least once) unless a deployment accepts losses.
        public var qos = 1
        /// The first wait before reconnecting; it doubles with each failure...
        public var reconnectMin = Interval(milliseconds: 100)
        /// ...up to this.
        public var reconnectMax = Interval.seconds(10)
        public init() {}
    }

    /// `broker.tls:`: CA, client certificate and key.
    public struct TLS: Sendable, Equatable {
        /// The CA certificate the broker's certificate is checked against.
        public var caFile: String
        /// The client certificate, for a broker that asks for one.
        public var certFile: String?
        /// Its private key.
        public var keyFile: String?
        /// Skip checking the broker's certificate (tests only; never in production).
        public var insecure = false
    }

    /// `ingest:`: batch sizes, the queue, payload and time limits.
    public struct Ingest: Sendable, Equatable {
        /// A larger payload is a `too_large` dead letter.
        public var maxPayloadBytes = 65_536
        /// A reading stamped further in the future than this is a `future` dead letter.
        public var futureTolerance = Interval.seconds(300)
        /// A reading older than this is a `stale` dead letter.
        public var maxAge = Interval(milliseconds: 7 * 86_400_000)
        /// Bytes of a rejected payload kept in its dead letter; beyond them, the whole payload's
        /// SHA-256 (150 oversized messages from one bad client no longer take megabytes).
        public var deadLetterPayloadCap = 4096
        /// A gateway batch with more elements is refused whole (`too_large`).
        public var maxBatchElements = 1000
        /// The network thread hands messages over in batches of at most this many...
        public var networkBatch = 1000
        /// ...or after this long, whichever comes first.
        public var networkBatchAge = Interval(milliseconds: 5)
        /// Batches waiting for the worker; when full, the network thread stops reading (backpressure).
        public var queueBatches = 64
        public init() {}
    }

    /// `store:`: commit sizes and interval, the uncommitted bound, WAL checkpoints and limits.
    public struct Store: Sendable, Equatable {
        /// `store.url`: which store (`--store`): `sqlite:PATH`, or
        /// `postgres://USER[:PASS]@HOST[:PORT]/DB[?sslmode=...]`. nil: the SQLite file in the data folder.
        public var url: String?
        /// Longest time an accepted message waits before it is committed: the most a `kill -9` can lose.
        public var commitInterval = Interval(milliseconds: 20)
        /// Rows in one commit at most (group commit).
        public var commitMaxRows = 5000
        /// Messages received but not yet committed, at most: libmosquitto acknowledges QoS 1
        /// before the pipeline stores a message, so this is what a `kill -9` can lose. When the
        /// pipeline holds this many, the network thread stops reading until a commit lands.
        /// Default: one commit's worth (`commit_max_rows`).
        public var maxUncommitted: Int?
        /// `max_uncommitted` as the pipeline applies it.
        public var uncommittedLimit: Int { max(1, maxUncommitted ?? commitMaxRows) }
        /// How often the pipeline checkpoints the WAL from its own thread (the worker never
        /// does): at most this much committed data waits in the WAL for an `fsync` (power loss).
        public var checkpointInterval = Interval(milliseconds: 500)
        /// The WAL's size, in MiB, past which the worker checkpoints between two commits so the
        /// WAL starts over (a draining backlog would otherwise grow it without end).
        public var maxWALMiB = 64
        /// How long a stop (SIGTERM) waits for a commit the store refuses (a full disk, a damaged
        /// file) before giving up on it: what is uncommitted then is lost to the store (at most
        /// `max_uncommitted` messages, seen later as a `seq_gap`), the rest stays at the broker.
        public var shutdownTimeout = Interval.seconds(30)
        public init() {}
    }

    /// How long raw readings are kept (SPEC §14); everything else is kept.
    public struct Retention: Sendable, Equatable {
        /// Raw readings older than this become hourly aggregates.
        public var raw = Interval(milliseconds: 30 * 86_400_000)
        /// Readings this long before and after an incident opened are kept with it as evidence.
        public var evidenceBefore = Interval(milliseconds: 600_000)
        /// Readings this long after an incident opened are kept with it as evidence.
        public var evidenceAfter = Interval(milliseconds: 600_000)
        /// How often pruning runs.
        public var interval = Interval(milliseconds: 3_600_000)
        /// Readings per pruning transaction.
        public var chunk = 1000
        /// The share of time pruning may keep the store (and a core) busy: after each step it
        /// pauses so that ingest keeps the rest. 0.2 still prunes far faster than a city-scale
        /// fleet writes (docs/design.md).
        public var busyShare = 0.2
        /// Dead letters are kept this long, then deleted.
        public var deadLetters = Interval(milliseconds: 30 * 86_400_000)
        public init() {}
    }

    /// `rules:`: the rule clock, the maintenance clock and the grace after an outage of the
    /// pipeline's own.
    public struct Rules: Sendable, Equatable {
        /// How far behind a device's newest reading a late one may be and still count in windows
        /// (docs/rules.md says exactly what happens to a late reading).
        public var lateTolerance = Interval.seconds(10)
        /// How often timers (`for`, `clear_for`) and `silent()` are checked between messages.
        public var tick = Interval.seconds(1)
        /// How often the maintenance planner checks calendars, deadlines and eligibility, and
        /// picks up completions recorded by other processes.
        public var maintenanceTick = Interval.seconds(1)
        /// After the pipeline's own outage (broker connection down, store failing, backlog),
        /// silence is counted against a device only from this long after it receives again:
        /// time for the broker's queued messages and the backlog to arrive (docs/rules.md).
        public var outageGrace = Interval.seconds(30)
        public init() {}
    }

    /// The SQLite store's file in the data folder.
    public var databasePath: String { dataDirectory + "/equipwatch.sqlite" }

    /// The store these settings name: `store.url` (or `--store`), else the data folder's file.
    public var storeLocation: StoreLocation {
        guard let url = store.url else { return .sqlite(path: databasePath) }
        return StoreLocation(parsing: url) ?? .sqlite(path: databasePath)
    }
}

/// Which store: a SQLite file (the default, in the data folder) or a PostgreSQL database.
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    /// The URL as given (`postgres://` or `postgresql://`); the PostgreSQL engine reads the rest.
    case postgres(url: String)

    /// `sqlite:PATH`, or a `postgres://`/`postgresql://` URL; nil for anything else.
    public init?(parsing text: String) {
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { return nil }
            self = .sqlite(path: path)
        } else if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(url: text)
        } else {
            return nil
        }
    }

    /// What messages show: the file, or the URL without its password.
    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path)"
        case .postgres(let url):
            guard let at = url.firstIndex(of: "@"), let scheme = url.range(of: "://"), scheme.upperBound < at,
                  let colon = url[scheme.upperBound..<at].firstIndex(of: ":") else { return url }
            return String(url[..<colon]) + ":***" + String(url[at...])
        }
    }

    /// The usage line for errors.
    public static let usage = "sqlite:PATH or postgres://USER[:PASS]@HOST[:PORT]/DB[?sslmode=disable|prefer|require|verify-full]"
}

/// A `HOST:PORT` address.
public struct HostPort: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) { (self.host, self.port) = (host, port) }

    /// Parses `HOST:PORT` (or `[v6]:PORT`).
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (1...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        (self.host, self.port) = (host, port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
