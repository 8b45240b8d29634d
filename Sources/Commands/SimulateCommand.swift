import Settings
import Domain
import SourceFiles
import ArgumentParser
import DeviceCatalog
import Foundation
import Logging
import MQTT
import Simulation
import Records
import Services

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Virtual gateways publishing realistic telemetry for the fleet in Devices/.",
        discussion: """
            One MQTT connection per gateway, each with a last will that reports it offline. Elevators make trips \
            (floors, doors, speed, run and door counters), boilers hold pressure and water level, vessels \
            pressure and temperature, cylinders are filled at stations, forklifts run hours and carry loads.

            Faults (--fault KIND[:N], repeatable; N devices or gateways, default 1):
              trapped, overspeed        elevators
              door_lock_bridged         elevators: a major hazard (must not be used until closed)
              reversal                  escalators: travel against the commanded direction (逆转)
              low_water                 boilers
              over_pressure             pressure vessels
              silent_gateway            the gateway stops publishing
              out_of_order              messages swapped in pairs
              duplicate_seq             every 4th message sent twice
              garbage                   every 5th message is malformed (dead letters)

            Example: equipwatch simulate --rate 500 --duration 60 --fault trapped --fault garbage:2
            Runs until SIGINT/SIGTERM, or for --duration seconds.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Messages per second over the whole fleet.") var rate = 200.0
    @Option(name: .customLong("device-count"), help: "Simulate only the first N devices (by id).") var deviceCount: Int?
    @Option(help: "Stop after this many seconds.") var duration: Double?
    @Option(name: .customLong("fault"), help: ArgumentHelp("Inject a fault: KIND[:N]. See above.", valueName: "KIND[:N]"))
    var faults: [String] = []
    @Option(help: "QoS for publishing (0 or 1).") var qos: Int32 = 1
    @Option(help: "Readings per message; above 1 sends gateway batches (JSON arrays).") var batch = 1
    @Option(help: "Random seed, to repeat a simulation exactly.") var seed: UInt64 = 1

    func run() throws {
        Log.bootstrap()
        let settings = try global.settings()
        let catalog: Catalog
        do { catalog = try Catalog.load(directory: settings.devicesDirectory) } catch {
            FileHandle.standardError.write(Data("cannot load \(settings.devicesDirectory):\n\(error)\n".utf8))
            throw ExitCode(2)
        }
        var o = Simulator.Options()
        o.host = settings.broker.endpoint.host
        o.port = settings.broker.endpoint.port
        o.topicPrefix = settings.broker.topicPrefix
        o.rate = rate
        o.deviceLimit = deviceCount
        o.duration = duration
        o.qos = qos
        o.seed = seed
        o.batch = max(1, batch)
        // Gateways of the demo in another folder are other clients: nobody evicts anybody.
        o.clientPrefix = InstanceGuard.clientId(dataDirectory: settings.dataDirectory, prefix: "equipwatch-sim")
        // Fillers sign fills with their P certificates from the registry, when the store has them.
        if let store = try? settings.existingStore() {
            let today = store.localDays.day(wallMillis())
            for c in (try? store.certificates(scope: .supervisor)) ?? [] where c.item == .p && c.isValid(on: today) {
                if case .firm(let firm) = c.employer, o.fillerCertificates[firm] == nil { o.fillerCertificates[firm] = c.number }
            }
        }
        for f in faults {
            let parts = f.split(separator: ":", maxSplits: 1)
            guard let fault = Fault(rawValue: String(parts[0])) else {
                throw ValidationError("unknown fault '\(parts[0])' (known: \(Fault.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            let n = parts.count > 1 ? Int(parts[1]) : 1
            guard let n, n > 0 else { throw ValidationError("--fault \(f): N must be a positive whole number") }
            o.faults.append((fault, n))
        }
        let stop = Flag()
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler { stop.set(true) }
            s.resume()
            Signals.keep(s)
        }
        let sim = Simulator(fleet: catalog.fleet, options: o, logger: Logger(label: "equipwatch.simulate"))
        try sim.run(stop: stop)
        say("\(sim.summary)")
    }
}

/// Keeps signal sources alive for the life of the process.
enum Signals {
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []
    static func keep(_ s: any DispatchSourceSignal) { sources.append(s) }
}
