import Ingest
import ArgumentParser
import DeviceCatalog
import Foundation
import Logging
import Pipeline
import Rules
import ServiceLifecycle
import Settings
import Storage

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the pipeline: subscribe to the broker, validate, check rules, store in SQLite.",
        discussion: """
            Loads Devices/ (types and fleet) into the store, subscribes at QoS 1 on a persistent session \
            (fixed client id, clean session off: the broker queues messages while the pipeline is down), and \
            commits accepted messages in batches.

            Signals: SIGTERM or SIGINT stops reading, commits everything received and exits 0. SIGHUP reloads \
            Devices/; a file with errors is reported (file:line: reason) and the running registry stays in force.
            """)

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        Log.bootstrap()
        let logger = Logger(label: "equipwatch.run")
        let settings = try global.settings()
        let store = try Store(path: settings.databasePath)
        let loaded: (catalog: Catalog, directory: Ingest.DeviceDirectory)
        do {
            loaded = try RegistrySync.load(devicesDirectory: settings.devicesDirectory, store: store, now: wallMillis())
        } catch {
            FileHandle.standardError.write(Data("cannot load \(settings.devicesDirectory):\n\(error)\n".utf8))
            throw ExitCode(2)
        }
        logger.info("registry loaded", metadata: [
            "types": "\(loaded.catalog.types.count)", "devices": "\(loaded.directory.entries.count)",
            "store": "\(settings.databasePath)", "broker": "\(settings.broker.endpoint)",
        ])
        let pipeline = try IngestPipeline(options: .init(settings: settings), store: store, directory: loaded.directory,
                                          hook: RuleHooks([NormalBandCheck()]), logger: logger)
        let reloader = Reloader(settings: settings, store: store, pipeline: pipeline, logger: logger)
        reloader.install()
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: PipelineService(pipeline: pipeline))],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        logger.info("stopped cleanly")
    }
}

/// SIGHUP: reload Devices/ and swap the registry; on error keep the running one.
final class Reloader: Sendable {
    let settings: Settings
    let store: Store
    let pipeline: IngestPipeline
    let logger: Logger
    nonisolated(unsafe) private var source: (any DispatchSourceSignal)?

    init(settings: Settings, store: Store, pipeline: IngestPipeline, logger: Logger) {
        self.settings = settings
        self.store = store
        self.pipeline = pipeline
        self.logger = logger
    }

    func install() {
        signal(SIGHUP, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        s.setEventHandler { [self] in reload() }
        s.resume()
        source = s
    }

    func reload() {
        do {
            let loaded = try RegistrySync.load(devicesDirectory: settings.devicesDirectory, store: store, now: wallMillis())
            pipeline.reload(directory: loaded.directory)
            logger.notice("SIGHUP: registry reloaded", metadata: ["devices": "\(loaded.directory.entries.count)"])
        } catch {
            logger.error("SIGHUP: reload rejected, the running registry stays in force:\n\(error)")
        }
    }
}

enum Log {
    static func bootstrap() {
        let level = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
    }
}
