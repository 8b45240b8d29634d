import Settings
import Risk
import Domain
import SourceFiles
import ArgumentParser
import DeviceCatalog
import Foundation
import Pipeline
import Rules
import Services

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Validate rule packs and run their tests.",
        subcommands: [Check.self, Test.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load and type-check every pack in Rules/ against Devices/types, and the risk model Rules/risk.yaml.",
            discussion: """
                Every expression is parsed and checked against the device type's declared fields, event codes \
                and attributes, so a misspelt name is an error here, not a rule that never fires. Errors print as \
                file:line:column: reason and the exit status is 1. Nothing is written anywhere.

                Example: equipwatch rules check --rules Rules
                """)

        @OptionGroup var global: GlobalOptions

        func run() throws {
            let settings = try global.settings()
            let types = try Catalog.loadTypes(directory: settings.devicesDirectory + "/types")
            do {
                let rules = try RuleLoader.load(directory: settings.rulesDirectory, types: types)
                for p in rules.packs { say("ok  \(p.file)  \(p.rules) rule(s)  version \(p.hash)") }
                say("\(rules.ruleIds.count) rule(s) in \(rules.packs.count) pack(s)")
                // The events the rules hear however late they arrive (docs/rules.md, "Late readings").
                for (type, program) in rules.programs.sorted(by: { $0.key < $1.key }) where !program.safetyEventCodes.isEmpty {
                    say("safety events of \(type) (heard however late): \(program.safetyEventCodes.joined(separator: ", "))")
                }
                let risk = try RulesSync.risk(rulesDirectory: settings.rulesDirectory)
                say("ok  risk.yaml  model \(risk.version)")
            } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the rule tests in Rules/tests/ and print pass or fail with a diff.",
            discussion: """
                Each test feeds a device of a given type and attributes with inputs at times (from 0s) and \
                checks which alarms are open at given times: `alarms` lists every open alarm (state pending or \
                firing, default firing), so `alarms: []` says nothing may be open. Times advance by a clock of \
                one second, so `for`, `clear_for` and `silent()` behave as they do live. The format is \
                documented in docs/rules.md. Exit status 1 when a test fails or a file has errors.

                Example: equipwatch rules test --rules Rules
                """)

        @OptionGroup var global: GlobalOptions
        @Option(help: ArgumentHelp("Folder of test files (default: RULES/tests).", valueName: "DIR")) var tests: String?
        @Flag(help: "Print passing tests too.") var verbose = false

        func run() throws {
            let settings = try global.settings()
            let types = try Catalog.loadTypes(directory: settings.devicesDirectory + "/types")
            let results: [RuleTestRunner.Result]
            do {
                let rules = try RuleLoader.load(directory: settings.rulesDirectory, types: types)
                results = try RuleTestRunner.run(directory: tests ?? settings.rulesDirectory + "/tests", rules: rules, types: types)
            } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(1)
            }
            for r in results where verbose || !r.passed {
                say("\(r.passed ? "PASS" : "FAIL")  \(r.file):\(r.line)  \(r.name)")
                for f in r.failures { say(f) }
            }
            let failed = results.filter { !$0.passed }.count
            say("\(results.count - failed) passed, \(failed) failed")
            if failed > 0 { throw ExitCode(1) }
        }
    }
}
