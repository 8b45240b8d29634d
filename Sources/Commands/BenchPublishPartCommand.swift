import ArgumentParser
import Bench
import Foundation

/// The running executable's path, to start helper processes of the same build.
func ownExecutable() throws -> String {
    let path = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    guard FileManager.default.isExecutableFile(atPath: path) else { throw ValidationError("cannot find this program's own executable (/proc/self/exe)") }
    return path
}

/// One live-phase publishing process, started by `bench` itself (`--live-publishers`).
struct PublishPart: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish-part",
        abstract: "Publish one share of a live bench step (started by `equipwatch bench`).",
        shouldDisplay: false)

    @Option(help: "The bench broker's port on 127.0.0.1.") var port: Int
    @Option(help: "The step's offered rate, msg/s (all parts together).") var rate: Double
    @Option(help: "The step's length, seconds.") var seconds: Double
    @Option(help: "Monotonic nanoseconds of message 0's scheduled time.") var startAt: UInt64
    @Option(help: "This part, from 0.") var part: Int
    @Option(help: "Parts in all.") var parts: Int
    @Option(help: "The first messages' ts, wall milliseconds.") var ts: Int64
    @Option(help: "The Devices folder (the fleet the bench imported).") var devices: String

    func validate() throws {
        guard parts >= 1, (0..<parts).contains(part) else { throw ValidationError("--part must be in 0..<--parts") }
        guard rate > 0, seconds > 0 else { throw ValidationError("--rate and --seconds must be positive") }
    }

    func run() throws {
        let report = try LivePart(port: port, rate: rate, seconds: seconds, startAt: startAt, part: part, parts: parts, ts: ts,
                                  devicesDirectory: devices).publish()
        FileHandle.standardOutput.write(report.encoded)
    }
}
