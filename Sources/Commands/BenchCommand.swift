import Settings
import Domain
import ArgumentParser
import Bench
import Foundation
import Inspection
import SourceFiles
import PostgresStorage
import Records

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks: ingest against a bare subscriber (default), the API under load (`bench api`), the inspection planner (`bench plan`).",
        subcommands: [IngestBench.self, APIBench.self, PlanBench.self, PublishPart.self],
        defaultSubcommand: IngestBench.self)
}

struct IngestBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Measure ingest throughput and latency against a bare subscriber.",
        discussion: """
            Starts its own mosquitto on a free loopback port with a tuned configuration (max_queued_messages 0, \
            queue_qos0_messages true, max_inflight_messages 1000), and in one run measures: store insert paths; \
            a bare libmosquitto subscriber vs the pipeline draining the same pre-loaded messages at QoS 0 and \
            QoS 1, and between them the pipeline's network thread and hand-over with nothing behind it (the most \
            any worker could reach here, and what that leaves the worker a message); gateway batches of 10; a live phase where publishing \
            processes (--live-publishers) offer QoS 1 at rates stepped up (--live-steps) until the bare subscriber, then the pipeline, falls \
            behind or its p99 passes 50 ms; \
            and publish-to-commit latency at a fixed offered rate. Read the ratios: absolute rates move with \
            whatever else the machine is doing. With --store postgres://USER@HOST/DB each phase runs on a scratch \
            database made beside DB (the user needs CREATEDB), PostgreSQL's insert strategies are compared, and every \
            pipeline phase runs on SQLite too, so that the PostgreSQL/SQLite ratios come from one run.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Messages for the QoS 1 phases.") var qos1Messages = 100_000
    @Option(help: "Messages for the QoS 0 phases.") var qos0Messages = 200_000
    @Option(help: "Messages (of 10 readings each) for the batch phases.") var batchMessages = 20_000
    @Option(help: "Offered rate for the latency phase, msg/s.") var latencyRate = 10_000.0
    @Option(help: "Duration of the latency phase, seconds.") var latencySeconds = 5.0
    @Option(help: ArgumentHelp("Offered rates of the live phase, msg/s, comma-separated, tried in order; empty skips the phase.", valueName: "RATES"))
    var liveSteps = "10000,20000,30000,40000,50000,60000,80000,100000,120000"
    @Option(help: "Seconds each live step offers its rate.") var liveStepSeconds = 2.0
    @Option(help: ArgumentHelp("Processes publishing each live step; 1 publishes from this process. One publisher lags near 40 k msg/s; on a machine with cores to spare, more processes measure the consumers beyond that (on 2 cores they take the cores the broker and the consumer need: see docs/design.md).", valueName: "N"))
    var livePublishers = 1
    @Option(help: "Rows for the store insert comparison.") var storeRows = 200_000
    @Option(help: ArgumentHelp("The pipeline's loss bound (store.max_uncommitted) for this run; default one commit's worth. A large value shows what the bound costs.", valueName: "N"))
    var maxUncommitted: Int?
    @Option(help: ArgumentHelp("Readings 40 days old put in each pipeline phase's store first, so retention prunes them during the phase (what pruning costs ingest).", valueName: "N"))
    var backdatedReadings = 0

    func run() throws {
        var o = Benchmark.Options()
        o.devicesDirectory = try global.settings().devicesDirectory
        o.rulesDirectory = try global.settings().rulesDirectory
        o.qos1Messages = qos1Messages
        o.qos0Messages = qos0Messages
        o.batchMessages = batchMessages
        o.latencyRate = latencyRate
        o.latencySeconds = latencySeconds
        o.liveSteps = try liveSteps.split(separator: ",").map { part in
            guard let v = Double(part.trimmingCharacters(in: .whitespaces)), v > 0 else {
                throw ValidationError("--live-steps: '\(part)' is not a positive rate in msg/s")
            }
            return v
        }
        o.liveStepSeconds = liveStepSeconds
        guard livePublishers >= 1 else { throw ValidationError("--live-publishers: at least 1") }
        o.livePublishers = livePublishers
        o.livePublisherCommand = [try ownExecutable(), "bench", "publish-part"]
        o.storeRows = storeRows
        o.maxUncommitted = maxUncommitted
        o.backdatedReadings = backdatedReadings
        if case .postgres(let url) = try global.settings().storeLocation {
            o.scratchStore = BenchStores.scratch(url)
            o.engine = "PostgreSQL (a scratch database a phase, beside \(StoreLocation.postgres(url: url)); every pipeline phase also on SQLite, in this run)"
            o.engineShort = "PostgreSQL"
            o.storeLines = { rows in
                let (store, drop) = try PostgresStore.scratch(url: url)
                defer { drop() }
                let ways = try store.measureReadingInserts(rows: rows)
                let multi = ways.first { $0.way.hasPrefix("multi") }?.rowsPerSecond ?? .nan
                return ["store inserts into PostgreSQL (\(rows) readings, 10k per transaction): "
                        + ways.map { String(format: "%@ %.0f/s (%.2fx the multi-row)", $0.way, $0.rowsPerSecond, $0.rowsPerSecond / multi) }
                            .joined(separator: ", ")]
            }
        }
        try Benchmark(options: o) { line in
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }.run()
    }
}

struct APIBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Measure API latency under load beside a running pipeline, and what the load costs ingest.",
        discussion: """
            Seeds a scratch store (readings over the last 30 days, resolved alarms; with --store postgres:// a scratch database, and the whole run again on SQLite for the ratios), runs the pipeline of \
            `equipwatch run` and the API server in this process with its own mosquitto, offers telemetry at a fixed \
            rate throughout, and drives each measured route with wrk (Debian package `wrk`): GET /v1/alarms?limit=100, \
            GET /v1/devices/{id} and a 30-day readings page. Prints each route's request rate and latency percentiles \
            and, per phase, the ingest rate committed and its publish → commit latency, with and without API load.

            Example: equipwatch bench api --readings 1000000 --alarms 100000 --ingest-rate 5000 --seconds 10
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Readings seeded over the last 30 days.") var readings = 1_000_000
    @Option(help: "Resolved alarms seeded.") var alarms = 100_000
    @Option(help: "Telemetry offered throughout, msg/s.") var ingestRate = 5_000.0
    @Option(help: "Length of each phase, seconds.") var seconds = 10.0
    @Option(help: "wrk connections.") var connections = 8

    func run() async throws {
        var o = APIBenchmark.Options()
        let settings = try global.settings()
        if case .postgres(let url) = settings.storeLocation { o.scratchStore = BenchStores.scratch(url) }
        o.devicesDirectory = settings.devicesDirectory
        o.rulesDirectory = settings.rulesDirectory
        o.readings = readings
        o.alarms = alarms
        o.ingestRate = ingestRate
        o.seconds = seconds
        o.connections = connections
        try await APIBenchmark(options: o) { line in
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }.run()
    }
}

struct PlanBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Time the inspection planner on a synthetic fleet (one year, 100 k devices, 50 inspectors by default).")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Devices in the synthetic fleet.") var devices = 100_000
    @Option(help: "Inspectors.") var inspectors = 50
    @Option(help: "Inspections one inspector makes in a working day.") var perDay = 4
    @Option(help: "Days planned.") var days = 365

    func run() throws {
        var o = PlanBenchmark.Options()
        o.devices = devices
        o.inspectors = inspectors
        o.inspectionsPerDay = perDay
        o.days = days
        let calendar = try WorkCalendar.load(directory: try global.settings().devicesDirectory + "/calendar")
        PlanBenchmark(options: o, calendar: calendar) { line in
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }.run()
    }
}

/// Scratch stores of the engine `--store` names, one a bench phase.
enum BenchStores {
    /// A new PostgreSQL database beside the one `url` names, for each phase (dropped after it).
    static func scratch(_ url: String) -> ScratchStoreMaker {
        {
            let (store, drop) = try PostgresStore.scratch(url: url)
            return (store as any Store, drop)
        }
    }
}

