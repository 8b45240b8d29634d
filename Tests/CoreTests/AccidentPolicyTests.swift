import Domain
import Foundation
import Inspection
import Source
import Testing

/// Accident classes (Special Equipment Safety Supervision Regulations art. 61–64, SAMR Order 50),
/// from the shipped Rules/accidents.yaml: each threshold from both sides.
@Suite("accident classes: thresholds on both sides, special cases, the file's errors located")
struct AccidentPolicyTests {
    static let policy: AccidentPolicy = {
        let text = try! String(contentsOfFile: repositoryRoot + "/Rules/accidents.yaml", encoding: .utf8)
        return try! AccidentPolicy.parse(text: text, file: "Rules/accidents.yaml")
    }()

    @Test("deaths: 2 is general (一般), 3 larger (较大), 9 larger, 10 major (重大), 29 major, 30 extraordinary (特别重大)")
    func deaths() {
        let p = Self.policy
        for (n, c) in [(0, AccidentClass.general), (2, .general), (3, .larger), (9, .larger), (10, .major), (29, .major), (30, .extraordinary)] {
            #expect(p.classify(deaths: n, seriousInjuries: 0, lossCNY: 0) == c, "\(n) deaths")
        }
    }

    @Test("serious injuries 9/10, 49/50, 99/100 and loss 9,999,999/10,000,000 … each on both sides")
    func injuriesAndLoss() {
        let p = Self.policy
        for (n, c) in [(9, AccidentClass.general), (10, .larger), (49, .larger), (50, .major), (99, .major), (100, .extraordinary)] {
            #expect(p.classify(deaths: 0, seriousInjuries: n, lossCNY: 0) == c, "\(n) injuries")
        }
        for (n, c) in [(Int64(9_999_999), AccidentClass.general), (10_000_000, .larger), (49_999_999, .larger), (50_000_000, .major),
                       (99_999_999, .major), (100_000_000, .extraordinary)] {
            #expect(p.classify(deaths: 0, seriousInjuries: 0, lossCNY: n) == c, "\(n) CNY")
        }
        // Any one threshold is enough: the highest class reached wins.
        #expect(p.classify(deaths: 1, seriousInjuries: 55, lossCNY: 0) == .major)
    }

    @Test("special cases: passengers held 2 h is general with no casualties; an explosion is larger; casualties can raise it further")
    func specialCases() throws {
        let p = Self.policy
        #expect(p.classify(deaths: 0, seriousInjuries: 0, lossCNY: 0, specialCase: "elevator_held") == .general)
        #expect(p.classify(deaths: 0, seriousInjuries: 0, lossCNY: 0, specialCase: "pressure_explosion") == .larger)
        #expect(p.classify(deaths: 12, seriousInjuries: 0, lossCNY: 0, specialCase: "pressure_explosion") == .major)
        let held = try #require(p.heldCase(type: "elevator"))
        #expect(held.heldForMs == 2 * 3_600_000 && held.id == "elevator_held")
        #expect(p.heldCase(type: "boiler") == nil)
        #expect(p.reportWithinMs == 3_600_000)
        // What could not be checked against the regulations is marked so in the data.
        #expect(p.specialCase("crane_structure_failure")?.confirmed == false)
        #expect(p.specialCase("elevator_held")?.confirmed == true)
    }

    @Test("a bad file names the file, the line and the field")
    func badFile() {
        let text = """
            classes:
              larger: {deaths: 3, serious_injuries: 10, loss_cny: 10000000}
              huge: {deaths: 3, serious_injuries: 10, loss_cny: 10000000}
            special_cases:
              x: {class: terrible, description: d, description_zh: d, source: s}
            report_within: soon
            """
        do {
            _ = try AccidentPolicy.parse(text: text, file: "Rules/accidents.yaml")
            Issue.record("accepted")
        } catch {
            let message = "\(error)"
            #expect(message.contains("Rules/accidents.yaml:3"), "\(message)")
            #expect(message.contains("'huge' is not a class"))
            #expect(message.contains("'terrible' is not an accident class"))
            #expect(message.contains("report_within must be a duration"))
        }
    }
}
