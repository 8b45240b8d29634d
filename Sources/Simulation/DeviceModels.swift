import Domain
import DeviceCatalog
import Ingest

/// Faults the simulator can inject (SPEC §6 `simulate`).
public enum Fault: String, Sendable, CaseIterable {
    case trapped, overspeed
    /// The door lock circuit bridged (门锁短接): a major hazard (GB 45067-2024).
    case doorLockBridged = "door_lock_bridged"
    /// An escalator travelling against its commanded direction (逆转).
    case reversal
    case lowWater = "low_water"
    case overPressure = "over_pressure"
    case silentGateway = "silent_gateway"
    case outOfOrder = "out_of_order"
    case duplicateSeq = "duplicate_seq"
    case garbage

    /// The device type a device fault applies to (nil: any device, or a gateway).
    var deviceType: String? {
        switch self {
        case .trapped, .overspeed, .doorLockBridged: "elevator"
        case .reversal: "escalator"
        case .lowWater: "boiler"
        case .overPressure: "pressure_vessel"
        default: nil
        }
    }
}

/// A small random generator with a seed, so a simulation can be repeated exactly.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    /// The next pseudo-random number (splitmix64: fast, repeatable from its seed).
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One simulated device: physically plausible telemetry that evolves between calls (an elevator
/// makes trips, counters only grow, a boiler's level wanders inside its band), plus an injected
/// fault if any. Pure: the caller supplies time and randomness.
public struct DeviceModel: Sendable {
    public let record: DeviceRecord
    public var fault: Fault?
    public private(set) var seq: UInt64
    private var floor = 1
    private var moving = false
    private var doorOpen = true
    private var passenger = false
    private var runCount: Double
    private var doorCycles: Double
    private var hours: Double
    private var cycles: Double
    private var fills: Double
    private var level = 0.0
    private var lastMs: Int64?
    private var faultAnnounced = false
    /// When the elevator's remote alarm last tested itself (EN 81-28 asks for every 3 days; a
    /// healthy controller here tests daily, after its first reading).
    private var selfTestAt: Int64?
    private var sent = 0
    /// The certificate its filling station's filler signs its fills with (cylinders).
    var fillerCert: String?
    static let selfTestEveryMs: Int64 = 86_400_000

    public init(record: DeviceRecord, seqStart: UInt64, rng: inout SplitMix64) {
        self.record = record
        seq = seqStart
        let age = Double.random(in: 0.2...1, using: &rng)
        runCount = (age * 600_000).rounded()
        doorCycles = (age * 1_200_000).rounded()
        hours = (age * 30_000).rounded()
        cycles = (age * 80_000).rounded()
        fills = (age * 200).rounded()
    }

    private func attr(_ name: String, _ fallback: Double) -> Double { record.attributes[name]?.number ?? fallback }

    /// The next message for this device: kind (`telemetry` or `event`) and JSON payload.
    public mutating func next(nowMs: Int64, rng: inout SplitMix64) -> (kind: Topic.Kind, payload: String) {
        let dt = Double(nowMs - (lastMs ?? nowMs)) / 1000
        lastMs = nowMs
        seq += 1
        if let fault, !faultAnnounced, let code = announcement(for: fault) {
            faultAnnounced = true
            var w = JSONWriter()
            w.add("ts", nowMs)
            w.add("seq", Int64(bitPattern: seq))
            w.add("code", .string(code))
            return (.event, w.finish())
        }
        sent += 1
        if record.type == "elevator", sent >= 2, selfTestAt.map({ nowMs - $0 >= Self.selfTestEveryMs }) ?? true {
            selfTestAt = nowMs
            var w = JSONWriter()
            w.add("ts", nowMs)
            w.add("seq", Int64(bitPattern: seq))
            w.add("code", .string("remote_alarm_self_test"))
            return (.event, w.finish())
        }
        var w = JSONWriter()
        w.add("ts", nowMs)
        w.add("seq", Int64(bitPattern: seq))
        w.add("data", raw: data(dt: dt, rng: &rng))
        return (.telemetry, w.finish())
    }

    private func announcement(for fault: Fault) -> String? {
        switch fault {
        case .trapped: "trapped"
        case .overspeed: "overspeed"
        case .doorLockBridged: "door_lock_bridged"
        case .reversal: "reversal"
        case .lowWater: "low_water"
        case .overPressure: "safety_valve_lift"
        default: nil
        }
    }

    private mutating func data(dt: Double, rng: inout SplitMix64) -> String {
        var d = JSONWriter()
        switch record.type {
        case "elevator":
            let rated = attr("rated_speed_mps", 1.5)
            let floors = Int(attr("floors", 10))
            if fault == .trapped {
                moving = false; doorOpen = false; passenger = true
            } else if moving {
                moving = false; doorOpen = true; doorCycles += 1
                floor = Int.random(in: 1...max(2, floors), using: &rng)
                passenger = Bool.random(using: &rng)
            } else {
                doorOpen = false; moving = true; runCount += 1
            }
            hours += moving ? dt / 3600 : 0
            let speed = moving ? rated * (fault == .overspeed ? 1.25 : Double.random(in: 0.9...1.0, using: &rng)) : 0
            d.add("service_mode", .string("normal"))
            d.add("moving", .bool(moving))
            d.add("direction", .string(moving ? (Bool.random(using: &rng) ? "up" : "down") : "none"))
            d.add("in_door_zone", .bool(fault == .trapped ? false : !moving))
            d.add("floor", .number(Double(floor)))
            d.add("door_closed", .bool(!doorOpen))
            d.add("door_locked", .bool(!doorOpen))
            d.add("passenger_in_car", .bool(passenger))
            d.add("mains_power", .bool(true))
            d.add("speed_mps", .number(round2(speed)))
            d.add("load_pct", .number(passenger ? Double(Int.random(in: 5...80, using: &rng)) : 0))
            d.add("run_count", .number(runCount))
            d.add("door_cycles", .number(doorCycles))
            d.add("running_hours", .number(round2(hours)))
        case "escalator":
            // Runs all day; a start now and then (after an idle stop). The handrail runs 0 to +2 %
            // faster than the steps (GB 16899), here within +1.5 %.
            let rated = attr("rated_speed_mps", 0.5)
            let up = record.id.utf8.last.map { $0 % 2 == 0 } ?? true
            if !moving { moving = true; runCount += 1 } else if Int.random(in: 0..<50, using: &rng) == 0 { moving = false }
            hours += moving ? dt / 3600 : 0
            let step = moving ? rated * Double.random(in: 0.98...1.0, using: &rng) : 0
            let commanded = moving ? (up ? "up" : "down") : "none"
            let actual = moving && fault == .reversal ? (up ? "down" : "up") : commanded
            d.add("service_mode", .string("normal"))
            d.add("running", .bool(moving))
            d.add("direction", .string(actual))
            d.add("commanded_direction", .string(commanded))
            d.add("step_speed_mps", .number(round3(step)))
            d.add("handrail_speed_mps", .number(round3(step * Double.random(in: 1.002...1.015, using: &rng))))
            d.add("load_pct", .number(Double(Int.random(in: 0...60, using: &rng))))
            d.add("running_hours", .number(round2(hours)))
            d.add("start_count", .number(runCount))
        case "boiler":
            let wp = attr("working_pressure_mpa", 1.0)
            level = fault == .lowWater ? -80 : max(-30, min(30, level + Double.random(in: -3...3, using: &rng)))
            hours += dt / 3600
            d.add("steam_pressure_mpa", .number(round3(wp * Double.random(in: 0.88...0.97, using: &rng))))
            d.add("water_level_mm", .number(round2(level)))
            d.add("flue_gas_temp_c", .number(round2(Double.random(in: 150...190, using: &rng))))
            d.add("furnace_temp_c", .number(round2(Double.random(in: 850...950, using: &rng))))
            d.add("flame_on", .bool(true))
            d.add("fan_running", .bool(true))
            d.add("running_hours", .number(round2(hours)))
        case "pressure_vessel":
            let dp = attr("design_pressure_mpa", 1.0)
            let p = fault == .overPressure ? dp * 1.08 : dp * Double.random(in: 0.6...0.75, using: &rng)
            if Int.random(in: 0..<10, using: &rng) == 0 { cycles += 1 }
            d.add("pressure_mpa", .number(round3(p)))
            // Cryogenic storage (designed below 0 °C, liquid oxygen) a few degrees above its design
            // temperature; others at room temperature.
            let design = attr("design_temperature_c", 100)
            let temperature = design < 0 ? design + Double.random(in: 8...15, using: &rng) : Double.random(in: 20...45, using: &rng)
            d.add("temperature_c", .number(round2(temperature)))
            d.add("safety_valve_open", .bool(fault == .overPressure))
            d.add("pressure_cycles", .number(cycles))
        case "gas_cylinder":
            let nominal = attr("nominal_pressure_mpa", 20)
            fills += 1
            // A fill record as a station's scale reports it (docs/contract.md); the station is the
            // pipeline's to name, from the reporting gateway.
            let tare = round2(Double.random(in: 12...60, using: &rng))
            let net = round2(Double.random(in: 5...40, using: &rng))
            d.add("operator", .string("op-\(Int.random(in: 1...9, using: &rng))"))
            if let fillerCert { d.add("filler_cert", .string(fillerCert)) }
            d.add("gun", .string("gun-\(Int.random(in: 1...4, using: &rng))"))
            if let gas = record.attributes["gas"]?.string { d.add("gas", .string(gas)) }
            d.add("pre_fill_check", .string("pass"))
            d.add("started_at", .string(Timestamp.format((lastMs ?? 0) - 180_000)))
            d.add("tare_kg", .number(tare))
            d.add("gross_kg", .number(round2(tare + net)))
            d.add("net_kg", .number(net))
            d.add("fill_pressure_mpa", .number(round3(nominal * Double.random(in: 0.93...0.99, using: &rng))))
            d.add("lel_pct", .number(round2(Double.random(in: 0...4, using: &rng))))
            d.add("fill_count", .number(fills))
        default:
            hours += dt / 3600
            let rated = attr("rated_load_kg", 2000)
            d.add("hours_run", .number(round2(hours)))
            d.add("speed_kmh", .number(round2(Double.random(in: 0...12, using: &rng))))
            d.add("load_kg", .number((rated * Double.random(in: 0...0.8, using: &rng)).rounded()))
            d.add("overload", .bool(false))
            d.add("brake_fault", .bool(false))
            d.add("seatbelt_fastened", .bool(true))
            d.add("battery_pct", .number(Double(Int.random(in: 30...100, using: &rng))))
        }
        return d.finish()
    }
}

func round2(_ v: Double) -> Double { (v * 100).rounded() / 100 }
func round3(_ v: Double) -> Double { (v * 1000).rounded() / 1000 }

/// Payloads a broken or hostile gateway might send; each must land in the dead-letter store.
public enum Garbage {
    /// The `i`th telemetry payload of the bench's synthetic devices.
    public static func payload(_ i: Int, nowMs: Int64) -> [UInt8] {
        switch i % 5 {
        case 0: Array("{\"ts\":\(nowMs),\"data\":{\"speed_mps\":".utf8)                      // truncated JSON
        case 1: [0xFF, 0xFE, 0x00, 0x42, 0x13]                                             // binary noise
        case 2: Array("{\"ts\":\(nowMs),\"data\":{\"speed_mps\":\"fast\"}}".utf8)          // wrong type
        case 3: Array("{\"ts\":\(nowMs),\"data\":{\"no_such_field\":1}}".utf8)             // undeclared field
        default: Array("{\"data\":{}}".utf8)                                               // missing ts
        }
    }
}
