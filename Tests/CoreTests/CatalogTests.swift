import Domain
import SourceFiles
import DeviceCatalog
import Foundation
import Ingest
import Settings
import Source
import Testing

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

@Suite struct CatalogTests {
    @Test func theShippedDevicesFolderLoadsAndCoversEveryTypeAndTheFleetMinimums() throws {
        let catalog = try Catalog.load(directory: repositoryRoot + "/Devices")
        #expect(Set(catalog.types.keys) == ["elevator", "escalator", "boiler", "pressure_vessel", "gas_cylinder", "forklift"])
        let fleet = catalog.fleet
        #expect(fleet.devices.count >= 300)
        #expect(Set(fleet.devices.map(\.type)).count == 6)
        #expect(fleet.gateways.count >= 8 && fleet.firms.count >= 4 && fleet.sites.count >= 12)
        #expect(Set(fleet.sites.map(\.category)).count >= 5)
        let elevator = try #require(catalog.types["elevator"])
        for code in ["trapped", "overtravel_top", "overtravel_bottom", "overspeed", "door_open_while_moving",
                     "stopped_outside_door_zone", "safety_circuit", "door_close_fault", "door_open_fault", "power_failure", "alarm_button"] {
            #expect(elevator.events[code] != nil, "elevator event \(code)")
        }
        #expect(elevator.maintenance?.fixed.interval == "15d")
        // Every inspection kind has its Chinese name, for the reasons readers see in Chinese.
        for type in catalog.types.values {
            for p in type.inspections { #expect(p.name_zh?.isEmpty == false, "\(type.id) inspection \(p.kind) has no name_zh") }
        }
        #expect(elevator.inspectionNameZh("self_test") == "自行检测" && elevator.inspectionNameZh("unknown") == "unknown")
    }

    @Test("the shipped types declare the telemetry docs/domain.md names (GB/T 24476 for elevators, boilers, pressure vessels)")
    func telemetryLists() throws {
        let types = try Catalog.loadTypes(directory: repositoryRoot + "/Devices/types")
        let expected: [String: [String]] = [
            // GB/T 24476 data items, plus speed, load and door cycles.
            "elevator": ["service_mode", "moving", "direction", "in_door_zone", "floor", "door_closed", "door_locked", "passenger_in_car",
                         "running_hours", "run_count", "upper_limit", "lower_limit", "mains_power", "speed_mps", "load_pct", "door_cycles"],
            "boiler": ["steam_pressure_mpa", "water_level_mm", "flue_gas_temp_c", "furnace_temp_c", "furnace_pressure_kpa", "flame_on",
                       "feedwater_flow_tph", "feedwater_pressure_mpa", "feedwater_temp_c", "water_hardness_alarm", "fan_running"],
            "pressure_vessel": ["pressure_mpa", "temperature_c", "safety_valve_open", "pressure_cycles"],
        ]
        for (type, fields) in expected {
            let t = try #require(types[type])
            for f in fields { #expect(t.fieldPosition(f) != nil, "\(type).\(f)") }
        }
        #expect(types["boiler"]?.events["flame_failure"] != nil && types["pressure_vessel"]?.events["safety_valve_lift"] != nil)
        #expect(types["pressure_vessel"]?.attributes["design_pressure_mpa"] != nil && types["pressure_vessel"]?.attributes["design_temperature_c"] != nil)
    }

    @Test("escalators are their own type: their own faults, no car, no doors, no trapped passengers; a trapped event from one is a dead letter")
    func escalatorsAreNotLiftCars() throws {
        let catalog = try Catalog.load(directory: repositoryRoot + "/Devices")
        let escalator = try #require(catalog.types["escalator"])
        for code in ["reversal", "overspeed", "missing_step", "skirt_switch", "comb_plate_switch", "handrail_entry_switch", "unintended_stop"] {
            #expect(escalator.events[code] != nil, "escalator event \(code)")
        }
        for code in ["trapped", "door_lock_bridged", "door_anti_pinch_failed", "stopped_outside_door_zone"] { #expect(escalator.events[code] == nil) }
        #expect(escalator.fieldPosition("handrail_speed_mps") != nil && escalator.fieldPosition("door_closed") == nil)
        #expect(escalator.rescue == nil)
        #expect(catalog.types["elevator"]?.attributes["kind"]?.values == ["traction", "hydraulic"])
        let escalators = catalog.fleet.devices.filter { $0.type == "escalator" }
        #expect(escalators.count == 22 && escalators.allSatisfy { $0.id.hasPrefix("3310") })
        #expect(!catalog.fleet.devices.contains { $0.type == "elevator" && $0.attributes["kind"]?.string == "escalator" })
        // A trapped event from an escalator is not one of its events: one dead letter, nothing accepted.
        let d = escalators[0]
        let directory = DeviceDirectory(types: catalog.types, devices: [(1, d)], gateways: [d.gateway])
        var out = IngestOutput()
        var topic = "equipwatch/v1/\(d.gateway)/\(d.id)/event"
        var payload = #"{"ts":1795567546013,"code":"trapped"}"#
        topic.withUTF8 { t in payload.withUTF8 { p in
            Validator(prefix: "equipwatch/v1", limits: IngestLimits()).validate(topic: UnsafeRawBufferPointer(t), payload: UnsafeRawBufferPointer(p),
                                                        receivedAt: 1_795_567_546_013, directory: directory, into: &out)
        } }
        #expect(out.accepted.isEmpty)
        #expect(out.deadLetters.map(\.reason) == [.schema])
        #expect(out.deadLetters.first?.detail.contains("trapped") == true)
    }

    @Test("a boiler's safety valves are checked against 1.04 / 1.06 × working pressure at import: a warning on either side of the tolerance")
    func safetyValveSetPressures() throws {
        let catalog = try Catalog.load(directory: repositoryRoot + "/Devices")
        #expect(catalog.fleet.attributeWarnings(types: catalog.types).isEmpty)
        let checks = try #require(catalog.types["boiler"]?.attributeChecks)
        func warnings(working: Double, low: Double, high: Double) -> [String] {
            let a: [String: Scalar] = ["working_pressure_mpa": .number(working), "safety_valve_low_set_mpa": .number(low),
                                       "safety_valve_high_set_mpa": .number(high)]
            return checks.compactMap { $0.warning(a) }
        }
        #expect(warnings(working: 1.25, low: 1.3, high: 1.325).isEmpty)        // 1.04 and 1.06 × 1.25
        #expect(warnings(working: 1.25, low: 1.32, high: 1.345).isEmpty)       // within 0.02 MPa
        let off = warnings(working: 1.25, low: 1.33, high: 1.325)              // 0.03 above 1.3
        #expect(off.count == 1)
        #expect(off.first?.hasPrefix("safety_valve_low_set_mpa 1.33 differs from 1.04 × working_pressure_mpa 1.25 = 1.3 (TSG 11-2020") == true)
        #expect(warnings(working: 0.7, low: 2, high: 2).isEmpty)               // below 0.8 MPa: the rule does not apply
        #expect(warnings(working: 6.0, low: 9, high: 9).isEmpty)               // above 5.9 MPa
    }

    @Test func typeErrorsNameFileLineAndReason() {
        let yaml = """
            type: elevator
            telemetry:
              speed: {type: number, rnage: [0, 20]}
              floor: {type: integer}
              load: {type: number, range: [10, 0]}
            counters: [runs]
            """
        do {
            _ = try DeviceTypeParser.parse(text: yaml, file: "elevator.yaml")
            Issue.record("expected errors")
        } catch {
            let text = error.errors.map(\.description)
            #expect(text.contains { $0.hasPrefix("elevator.yaml:3:") && $0.contains("unknown key 'rnage'") })
            #expect(text.contains { $0.hasPrefix("elevator.yaml:4:") && $0.contains("unknown type 'integer'") })
            #expect(text.contains { $0.hasPrefix("elevator.yaml:5:") && $0.contains("min ≤ max") })
            #expect(text.contains { $0.hasPrefix("elevator.yaml:6:") && $0.contains("counter 'runs'") })
        }
    }

    @Test func yamlSyntaxErrorsAreLocated() {
        do {
            _ = try DeviceTypeParser.parse(text: "type: x\ntelemetry: {a: [1, 2}\n", file: "x.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.errors.first?.file == "x.yaml")
            #expect(error.errors.first?.line == 2)
        }
    }

    @Test("a filling station's site, firm and gateways must exist, and a gateway belongs to one station; errors at the station's line")
    func stationsAreChecked() throws {
        let yaml = """
            firms: [{id: f1, name: F}]
            sites: [{id: s1, name: S, category: filling_station}]
            gateways: [{id: g1, site: s1}, {id: g2, site: s1}]
            stations:
              - {id: st1, name: A, site: s1, licence: L1, gases: [LPG], gateways: [g1], firm: f1}
              - {id: st2, name: B, site: s9, licence: L2, gases: [LPG], gateways: [g1, g7], firm: f9}
            """
        let fleet = try FleetParser.parse(text: yaml, file: "st.yaml")
        let errors = FleetParser.check(fleet, types: [:]).map(\.description)
        #expect(errors.contains("st.yaml:6: station 'st2': unknown site 's9'"))
        #expect(errors.contains("st.yaml:6: station 'st2': unknown firm 'f9'"))
        #expect(errors.contains("st.yaml:6: station 'st2': unknown gateway 'g7'"))
        #expect(errors.contains("st.yaml:6: gateway 'g1' belongs to stations 'st1' and 'st2'"))
        #expect(!errors.contains { $0.contains("'st1'") && !$0.contains("st2") })
    }

    @Test("sites name their district among the fleet's regions; its level is set from there; a wrong code or level is located")
    func regionsAndDistricts() throws {
        let types = try Catalog.loadTypes(directory: repositoryRoot + "/Devices/types")
        let yaml = """
            firms: [{id: f1}]
            owners: [{id: o, name: Owner}]
            regions:
              - {code: "120119", name: Jizhou District, name_zh: 蓟州区, level: district, city: Tianjin}
              - {code: "130281", name: Zunhua, level: county_level_city, city: Tangshan}
            sites:
              - {id: s1, category: hospital, district: "120119"}
              - {id: s2, category: school, district: "130281"}
              - {id: s3, category: school, district: "999999"}
            gateways: [{id: g1, site: s1}]
            """
        let fleet = try FleetParser.parse(text: yaml, file: "r.yaml")
        let errors = FleetParser.check(fleet, types: types).map(\.description)
        #expect(errors == ["r.yaml:9: site 's3': district '999999' is not declared under regions: (add `- {code: \"999999\", name: ..., level: district|county|county_level_city}`)"])
        let resolved = fleet.resolvingDistricts()
        #expect(resolved.sites.map(\.districtLevel) == [.district, .countyLevelCity, nil])
        let rescue = try #require(types["elevator"]?.rescue)
        #expect(rescue.withinMs(at: resolved.sites[0]) == 30 * 60_000 && rescue.withinMs(at: resolved.sites[1]) == 60 * 60_000)
        for (bad, reason) in [("{code: \"12011\", name: x, level: district}", "six-digit"), ("{code: \"120119\", name: x, level: town}", "is not one of")] {
            #expect(throws: SourceErrors.self) { _ = try FleetParser.parse(text: "regions:\n  - \(bad)\n", file: "b.yaml") }
            do { _ = try FleetParser.parse(text: "regions:\n  - \(bad)\n", file: "b.yaml") } catch {
                #expect(error.description.contains("b.yaml:2") && error.description.contains(reason), "\(error)")
            }
        }
    }

    @Test("registration codes: the category digits must be the type's, the region digits the site's district (warnings); the sample fleet has none")
    func codeWarnings() throws {
        let catalog = try Catalog.load(directory: repositoryRoot + "/Devices")
        #expect(catalog.fleet.codeWarnings(types: catalog.types).isEmpty)
        let jizhou = try #require(catalog.fleet.sites.first { $0.district == "120119" })
        #expect(jizhou.districtLevel == .district)
        let within = try #require(catalog.types["elevator"]?.rescue).withinMs(at: jizhou)
        #expect(within == 30 * 60_000)
        var fleet = Fleet()
        fleet.sites = [Site(id: "s", name: "s", category: "school", city: "Tianjin", peopleExposed: 1, district: "120104")]
        func device(_ id: String, _ type: String) -> DeviceRecord {
            DeviceRecord(id: id, type: type, gateway: "g", site: "s", owner: "o", firm: "f", commissioned: Day(parsing: "2020-01-01")!,
                         lastInspections: [:], inspectionGrade: nil, attributes: [:], origin: Origin(file: "t", line: 1))
        }
        fleet.devices = [device("3110120104202000001", "elevator"), device("3110120101202000002", "elevator"),
                         device("1100120104202000003", "elevator"), device("E4", "elevator")]
        let w = fleet.codeWarnings(types: catalog.types)
        #expect(w == [
            "device 3110120101202000002: its region digits 120101 are not its site's district 120104 (s)",
            "device 1100120104202000003: its category digits 1100 are not those of type elevator (31…, 32…, 34…)",
            "device E4: its category digits E4 are not those of type elevator (31…, 32…, 34…)",
        ])
    }

    @Test func fleetChecksReferencesAttributesAndDuplicates() throws {
        let types = try Catalog.loadTypes(directory: repositoryRoot + "/Devices/types")
        let yaml = """
            firms: [{id: f1}]
            owners: [{id: o, name: Owner}]
            sites: [{id: s1, category: school}]
            gateways: [{id: g1, site: s1}]
            devices:
              - {id: D1, type: elevator, gateway: g1, site: s1, owner: o, firm: f1, commissioned: 2020-01-01,
                 attributes: {rated_speed_mps: 1.5, rated_load_kg: 1000, floors: 10, kind: traction}}
              - {id: D1, type: elevator, gateway: g9, site: s1, owner: o, firm: f1, commissioned: 2020-01-01,
                 attributes: {rated_speed_mps: 99, rated_load_kg: 1000, floors: 10, kind: rocket, colour: red}}
            """
        let fleet = try FleetParser.parse(text: yaml, file: "f.yaml")
        let errors = FleetParser.check(fleet, types: types).map(\.description)
        #expect(errors.contains { $0.hasPrefix("f.yaml:8:") && $0.contains("registered twice") })
        #expect(errors.contains { $0.contains("unknown gateway 'g9'") })
        #expect(errors.contains { $0.contains("rated_speed_mps' 99 lies outside") })
        #expect(errors.contains { $0.contains("'rocket' is not one of") })
        #expect(errors.contains { $0.contains("'colour' is not declared") })
        #expect(errors.count == 5)
    }

    /// The device list is read from the YAML nodes (`FleetDevices`), not by `Decodable`: the
    /// values must come out as a decoder would give them, and every problem with its line.
    @Test func fleetDevicesAreReadWithTheirTypesAndEveryProblemIsLocated() throws {
        let yaml = """
            firms: [{id: f1}]
            devices:
              - id: D1
                type: elevator
                gateway: g1
                site: s1
                owner: o
                firm: f1
                commissioned: 2020-01-01
                inspection_grade: 2
                last_inspections: {periodic: 2026-07-03}
                attributes: {rated_speed_mps: 1.5, floors: 10, kind: traction, code: "0042", braked: yes, note: ~}
              - {id: D2, type: boiler, gateway: g1, site: s1, owner: o, firm: f1, commissioned: 2021-02-03, attributes: ~}
            """
        let fleet = try FleetParser.parse(text: yaml, file: "f.yaml")
        #expect(fleet.devices.map(\.id) == ["D1", "D2"])
        let d = try #require(fleet.devices.first)
        #expect(d.type == "elevator" && d.gateway == "g1" && d.site == "s1" && d.owner == "o" && d.firm == "f1")
        #expect(d.commissioned == Day(parsing: "2020-01-01") && d.inspectionGrade == 2)
        #expect(d.lastInspections == ["periodic": try #require(Day(parsing: "2026-07-03"))])
        #expect(d.attributes == ["rated_speed_mps": .number(1.5), "floors": .number(10), "kind": .string("traction"),
                                 "code": .string("0042"), "braked": .bool(true), "note": .string("~")])
        #expect(d.origin.line == 3 && fleet.devices[1].origin.line == 13 && fleet.devices[1].attributes.isEmpty)

        let bad = """
            devices:
              - {id: D1, type: elevator, site: s1, owner: o, firm: f1, commissioned: 2020-01-01}
              - {id: D2, type: elevator, gateway: [g1], site: s1, owner: o, firm: f1, commissioned: 2020-13-01}
              - {id: D3, type: elevator, gateway: g1, site: s1, owner: o, firm: f1, commissioned: 2020-01-01, colour: red,
                 inspection_grade: high, last_inspections: {periodic: soon}, attributes: [1, 2]}
              - just a name
            """
        do {
            _ = try FleetParser.parse(text: bad, file: "b.yaml")
            Issue.record("expected errors")
        } catch {
            let text = error.errors.map(\.description)
            #expect(text.contains { $0.hasPrefix("b.yaml:2:") && $0.contains("device 'D1': missing required key 'gateway'") }, "\(text)")
            #expect(text.contains { $0.hasPrefix("b.yaml:3:") && $0.contains("devices[1].gateway: expected a string") }, "\(text)")
            #expect(text.contains { $0.hasPrefix("b.yaml:3:") && $0.contains("device 'D2': commissioned '2020-13-01' is not a date") }, "\(text)")
            #expect(text.contains { $0.hasPrefix("b.yaml:4:") && $0.contains("unknown key 'colour'") }, "\(text)")
            #expect(text.contains { $0.hasPrefix("b.yaml:5:") && $0.contains("inspection_grade: expected a number") }, "\(text)")
            #expect(text.contains { $0.hasPrefix("b.yaml:5:") && $0.contains("inspection date 'soon' is not YYYY-MM-DD") }, "\(text)")
            #expect(text.contains { $0.hasPrefix("b.yaml:5:") && $0.contains("attributes: expected a mapping") }, "\(text)")
            #expect(text.contains { $0.hasPrefix("b.yaml:6:") && $0.contains("devices[3]: expected a mapping") }, "\(text)")
            #expect(text.count == 8, "\(text)")
        }
    }

    @Test("a fleet written before owners had ids is rejected once per owner, with the entry to add")
    func legacyOwnerNames() throws {
        let types = try Catalog.loadTypes(directory: repositoryRoot + "/Devices/types")
        let device = "attributes: {rated_speed_mps: 1.5, rated_load_kg: 1000, floors: 10, kind: traction}}"
        let yaml = """
            firms: [{id: f1}]
            sites: [{id: s1, category: school}]
            gateways: [{id: g1, site: s1}]
            devices:
              - {id: D1, type: elevator, gateway: g1, site: s1, owner: "Nankai District Education Bureau", firm: f1, commissioned: 2020-01-01, \(device)
              - {id: D2, type: elevator, gateway: g1, site: s1, owner: "Nankai District Education Bureau", firm: f1, commissioned: 2020-01-01, \(device)
              - {id: D3, type: elevator, gateway: g1, site: s1, owner: "南开区教育局", firm: f1, commissioned: 2020-01-01, \(device)
              - {id: D4, type: elevator, gateway: g1, site: s1, owner: owner-typo, firm: f1, commissioned: 2020-01-01, \(device)
            """
        let errors = FleetParser.check(try FleetParser.parse(text: yaml, file: "old.yaml"), types: types).map(\.description)
        #expect(errors.count == 3)
        #expect(errors.contains {
            $0.hasPrefix("old.yaml:5:") && $0.contains("owner 'Nankai District Education Bureau' (2 devices, first here) is a name, not an owner id")
                && $0.contains(#"- {id: owner-nankai-district-education-bureau, name: "Nankai District Education Bureau"}"#)
                && $0.contains("write `owner: owner-nankai-district-education-bureau`")
        })
        let hashed = "owner-" + SHA256.hex("南开区教育局".utf8).prefix(8)
        #expect(errors.contains { $0.hasPrefix("old.yaml:7:") && $0.contains("{id: \(hashed), name: \"南开区教育局\"}") })
        #expect(errors.contains { $0.hasPrefix("old.yaml:8:") && $0.contains("'owner-typo' (1 device, first here) is not declared under owners: (no owners are declared)") })
    }

    @Test("deploy/equipwatch.yaml works as it is: every key it sets is the default, the production values are comments")
    func shippedSettingsFileIsTheDefaults() throws {
        let path = repositoryRoot + "/deploy/equipwatch.yaml"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(try SettingsFile.parse(text: text, file: path) == Settings())
        // The production values are there to uncomment (credentials, folders under /etc and /var/lib).
        for production in ["# username: equipwatch", "# password: change-me", "production: /var/lib/equipwatch/data", "production: /etc/equipwatch/Devices"] {
            #expect(text.contains(production), "\(production)")
        }
    }

    @Test func settingsFileOverridesDefaultsAndRejectsUnknownKeys() throws {
        let s = try SettingsFile.parse(text: "broker: {address: 10.0.0.1:1884}\nstore: {commit_interval: 50ms, checkpoint_interval: 2s, max_wal_mb: 16}\n", file: "e.yaml")
        #expect(s.broker.endpoint.port == 1884 && s.store.commitInterval.milliseconds == 50)
        #expect(s.store.checkpointInterval.milliseconds == 2000 && Settings().store.checkpointInterval.milliseconds == 500)
        #expect(s.store.maxWALMiB == 16 && Settings().store.maxWALMiB == 64)
        #expect(s.dataDirectory == "./data")
        do {
            _ = try SettingsFile.parse(text: "store:\n  comit_interval: 50ms\n", file: "e.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.errors.first?.description.hasPrefix("e.yaml:2:") == true)
        }
    }
}
