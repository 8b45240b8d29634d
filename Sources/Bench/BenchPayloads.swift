import Domain
import DeviceCatalog

/// ~150-byte telemetry messages for the sample fleet, valid for each device's type.
enum BenchPayloads {
    static func telemetry(_ d: DeviceRecord, seq: Int, ts: Int64) -> String {
        let data: String
        switch d.type {
        case "elevator": data = #"{"speed_mps":1.52,"load_pct":42,"floor":7,"moving":true,"door_locked":true,"run_count":123456}"#
        case "escalator": data = #"{"running":true,"direction":"up","commanded_direction":"up","step_speed_mps":0.5,"handrail_speed_mps":0.505,"start_count":4321}"#
        case "boiler": data = #"{"steam_pressure_mpa":0.92,"water_level_mm":-5,"flue_gas_temp_c":172.5,"flame_on":true,"fan_running":true}"#
        case "pressure_vessel": data = #"{"pressure_mpa":0.61,"temperature_c":31.5,"safety_valve_open":false,"pressure_cycles":51234}"#
        case "gas_cylinder": data = #"{"fill_pressure_mpa":1.98,"net_kg":14.7,"operator":"op-1","lel_pct":1.2,"fill_count":88}"#
        default: data = #"{"hours_run":1203.5,"speed_kmh":8.5,"load_kg":900,"overload":false,"battery_pct":76}"#
        }
        return "{\"ts\":\(ts),\"seq\":\(seq),\"data\":\(data)}"
    }

    /// The `seq` of a payload `telemetry` made (`{"ts":…,"seq":N,…`), read from its bytes.
    static func seq(in payload: UnsafeRawBufferPointer) -> Int? {
        let key = Array(#""seq":"#.utf8)
        guard payload.count > key.count else { return nil }
        for start in 0..<(payload.count - key.count) where payload[start] == key[0] {
            guard (0..<key.count).allSatisfy({ payload[start + $0] == key[$0] }) else { continue }
            var i = start + key.count
            var v = 0
            while i < payload.count, payload[i] >= 48, payload[i] <= 57 { v = v * 10 + Int(payload[i] - 48); i += 1 }
            return i > start + key.count ? v : nil
        }
        return nil
    }
}
