import Settings
import Presentation
import ArgumentParser
import Domain
import Foundation
import Pipeline
import Records
import Services
import Storage

struct TokensCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "API tokens: create (shown once), list, revoke.",
        discussion: """
            Roles: supervisor (everything), firm:ID (the devices that firm maintains, with their readings, events, \
            alarms, incidents, notices and maintenance), owner:ID (the owner's own devices). The store keeps only \
            each token's SHA-256; a lost token cannot be shown again, only revoked and replaced.

            Example: equipwatch tokens create --role firm:firm-haihe --name "Haihe dispatch"
            """,
        subcommands: [Create.self, List.self, Revoke.self],
        defaultSubcommand: List.self)

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token and print it once, alone on stdout (--json: {\"id\", \"name\", \"role\", \"token\"}).")

        @OptionGroup var global: GlobalOptions
        @Option(help: ArgumentHelp("supervisor, firm:ID or owner:ID.", valueName: "ROLE")) var role: String
        @Option(help: "A name for the token (who uses it); shown in `tokens list` and used as `by` of acknowledgements.") var name: String?
        @Option(help: ArgumentHelp("Expiry: RFC 3339, YYYY-MM-DD (midnight UTC) or epoch ms; default never.", valueName: "DATE")) var expires: String?
        @Flag(help: "Print {\"id\", \"name\", \"role\", \"token\"} as JSON.") var json = false

        func validate() throws {
            guard Role(parsing: role) != nil else { throw ValidationError("--role must be supervisor, firm:ID or owner:ID, not '\(role)'") }
        }

        func run() throws {
            let settings = try global.settings()
            let store = try settings.openStore(create: true)
            guard let role = Role(parsing: role) else { return }
            try TokensCommand.checkRegistered(role, in: store)
            let expiresAt = try parseTime(expires, flag: "--expires")
            let now = wallMillis()
            if let expiresAt, expiresAt <= now { throw ValidationError("--expires is in the past") }
            var rng = SystemRandomNumberGenerator()
            let secret = "ew_" + (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined()
            let name = self.name ?? role.description
            let id = try store.createToken(name: name, role: role, hash: SHA256.hex(secret.utf8), expiresAt: expiresAt, now: now)
            if json {
                var w = JSONWriter()
                w.add("id", id)
                w.add("name", .string(name))
                w.add("role", .string(role.description))
                w.add("token", .string(secret))
                say(w.finish())
            } else {
                say(secret)
            }
        }
    }

    /// A firm or owner token must name one the registry knows: a typo would otherwise make a
    /// token that silently sees nothing.
    static func checkRegistered(_ role: Role, in store: any Store) throws {
        let registry = try store.registry()
        switch role {
        case .supervisor: return
        case .firm(let id):
            let known = registry.firms.map(\.id)
            if !known.contains(id) { throw NotFound("no firm '\(id)' in the registry (firms: \(known.sorted().joined(separator: ", ")))") }
        case .owner(let id):
            let known = registry.owners.map(\.id)
            if !known.contains(id) {
                throw NotFound("no owner '\(id)' in the registry (owners: \(known.sorted().joined(separator: ", ")); "
                                      + "`equipwatch devices import` a fleet that declares it)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Tokens with role, creation, expiry and revocation; never their secrets.")

        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let store = try global.existingStore()
            output.print(try store.tokens())
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token; a running server refuses it from its next request on.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The token's id (see `tokens list`).") var id: Int64

        func run() throws {
            let store = try global.existingStore()
            guard try store.revokeToken(id: id, at: wallMillis()) else { throw NotFound("no token \(id)") }
            say("token \(id) revoked")
        }
    }
}
