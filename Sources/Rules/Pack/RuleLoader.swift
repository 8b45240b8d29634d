import Domain
import Source
import DeviceCatalog
import Foundation
import Yams

/// Loads and compiles the rule packs of a `Rules/` folder.
///
/// Every file is read and every rule compiled for every device type it applies to; all errors
/// of all files are collected, and a load either yields a complete `RuleSet` or throws them all.
/// The caller (startup, SIGHUP, `rules check`) keeps the running rules when a load fails.
public enum RuleLoader {
    /// Files in `Rules/` that are not rule packs.
    static let reserved: Set<String> = ["risk.yaml", "accidents.yaml"]
    static let fileKeys: Set<String> = ["type", "description", "rules"]
    static let ruleKeys: Set<String> = ["id", "type", "family", "description", "when", "for", "clear_when", "clear_for",
                                        "severity", "incident", "maintenance", "rescue", "hazard", "message", "message_zh"]

    /// Compiles the packs (the `*.yaml` files of a `Rules/` folder; files with a reserved name,
    /// such as `risk.yaml`, are skipped).
    public static func compile(_ files: [SourceText], types: [String: DeviceType]) throws(SourceErrors) -> RuleSet {
        var errors: [SourceError] = []
        var specs: [RuleSpec] = []
        var packs: [PackInfo] = []
        var hashes: [String: String] = [:]
        for source in files where !reserved.contains(source.name) {
            let file = source.file
            let text = source.text
            do {
                // Rules that read well are compiled even when others in the file did not, so one
                // run reports every problem.
                let parsed = try read(text: text, file: file, types: types)
                specs += parsed.specs
                errors += parsed.errors
                let hash = hex(fnv1a(text.utf8))
                hashes[file] = hash
                packs.append(PackInfo(file: file, hash: hash, rules: parsed.specs.count, content: text))
            } catch {
                errors += error.errors
            }
        }
        var seen: [String: RuleSpec] = [:]
        for s in specs {
            if let first = seen[s.id] {
                errors.append(SourceError(file: s.file, line: s.line, reason: "rule id '\(s.id)' is already used at \(first.file):\(first.line)"))
            }
            seen[s.id] = s
        }
        let set = RuleSet.compile(specs: specs, types: types, packHashes: hashes, packs: packs, errors: &errors)
        guard errors.isEmpty else { throw SourceErrors(errors) }
        return set
    }

    /// Parses one pack file into rule specs (expressions are compiled later, per type).
    public static func parse(text: String, file: String, types: [String: DeviceType]) throws(SourceErrors) -> [RuleSpec] {
        let r = try read(text: text, file: file, types: types)
        guard r.errors.isEmpty else { throw SourceErrors(r.errors) }
        return r.specs
    }

    /// The rules that read without errors, and the errors of the others. Throws when the file as
    /// a whole cannot be read.
    static func read(text: String, file: String, types: [String: DeviceType]) throws(SourceErrors) -> (specs: [RuleSpec], errors: [SourceError]) {
        let source: YAMLSource
        do { source = try YAMLSource(file: file, text: text) } catch { throw SourceErrors([error]) }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var errors = DeviceTypeParser.unknownKeys(source, at: [], allowed: fileKeys)
        guard source.root.mapping != nil else { throw SourceErrors([source.error(at: [], "a rule pack is a mapping with a 'rules' list")]) }
        let defaultType = source.root.mapping?["type"]?.string
        if let t = defaultType, t != "*", types[t] == nil {
            errors.append(source.error(at: [.key("type")], "unknown device type '\(t)'" + Compiler.suggest(t, types.keys)))
        }
        guard let list = source.root.mapping?["rules"]?.sequence else {
            errors.append(source.error(at: [.key("rules")], "missing 'rules': a list of rules"))
            throw SourceErrors(errors)
        }
        var specs: [RuleSpec] = []
        for i in 0..<list.count {
            var r = RuleReader(source: source, path: [.key("rules"), .index(i)], lines: lines)
            if let spec = r.read(defaultType: defaultType, types: types) { specs.append(spec) }
            errors += r.errors
        }
        return (specs, errors)
    }
}

/// Reads one rule mapping, collecting located errors.
private struct RuleReader {
    let source: YAMLSource
    let path: [YAMLSource.PathElement]
    let lines: [Substring]
    var errors: [SourceError] = []

    init(source: YAMLSource, path: [YAMLSource.PathElement], lines: [Substring]) {
        (self.source, self.path, self.lines) = (source, path, lines)
    }

    private func node(_ key: String) -> Node? { source.node(at: path + [.key(key)]) }

    private mutating func fail(_ key: String?, _ reason: String) {
        errors.append(source.error(at: key.map { path + [.key($0)] } ?? path, reason))
    }

    private mutating func string(_ key: String, required: Bool) -> String? {
        guard let n = node(key) else {
            if required { fail(nil, "missing required key '\(key)'") }
            return nil
        }
        guard let s = n.scalar?.string, n.mapping == nil, n.sequence == nil else { fail(key, "'\(key)' must be text"); return nil }
        return s
    }

    private mutating func located(_ key: String, required: Bool) -> Located? {
        guard string(key, required: required) != nil, let n = node(key), let scalar = n.scalar else { return nil }
        let style = scalar.style
        return Located(text: scalar.string, file: source.file, line: n.mark?.line ?? 0, column: n.mark?.column ?? 0,
                       block: style == .literal || style == .folded,
                       quoted: style == .singleQuoted || style == .doubleQuoted, lines: lines)
    }

    private mutating func duration(_ key: String) -> Int64 {
        guard let text = string(key, required: false) else { return 0 }
        guard let i = Interval(parsing: text), i.milliseconds >= 0 else {
            fail(key, "'\(key)' must be a duration such as 20s, 10m or 24h, not '\(text)'")
            return 0
        }
        return i.milliseconds
    }

    mutating func read(defaultType: String?, types: [String: DeviceType]) -> RuleSpec? {
        guard source.node(at: path)?.mapping != nil else { fail(nil, "a rule is a mapping with id, when, severity and message"); return nil }
        for key in DeviceTypeParser.orderedKeys(source, at: path) where !RuleLoader.ruleKeys.contains(key) {
            fail(key, "unknown key '\(key)'" + Compiler.suggest(key, RuleLoader.ruleKeys) + " (rule keys: \(RuleLoader.ruleKeys.sorted().joined(separator: ", ")))")
        }
        let id = string("id", required: true)
        if let id, !Identifier.isRuleId(id) {
            fail("id", "rule id '\(id)' must be lower-case letters, digits, '_', '.' or '-'")
        }
        let type = string("type", required: false) ?? defaultType
        if type == nil { fail(nil, "missing 'type' (a device type or '*'), here or at the top of the file") }
        if let t = type, t != "*", types[t] == nil { fail("type", "unknown device type '\(t)'" + Compiler.suggest(t, types.keys)) }
        let family = string("family", required: false)
        let when = located("when", required: true)
        let forMs = duration("for")
        let clearWhen = located("clear_when", required: false)
        let clearFor = duration("clear_for")
        var severity: Severity?
        if let s = string("severity", required: true) {
            severity = Severity(rawValue: s)
            if severity == nil { fail("severity", "severity must be one of info, warning, major, critical, not '\(s)'") }
        }
        var incident = false
        if let n = node("incident") {
            if let b = n.bool { incident = b } else { fail("incident", "'incident' must be true or false") }
        }
        var rescue = false
        if let n = node("rescue") {
            if let b = n.bool { rescue = b } else { fail("rescue", "'rescue' must be true or false") }
        }
        var hazard = false
        if let n = node("hazard") {
            if let b = n.bool { hazard = b } else { fail("hazard", "'hazard' must be true or false") }
        }
        var followup: RuleSpec.Followup?
        if let n = node("maintenance") {
            if n.mapping == nil { fail("maintenance", "'maintenance' is a mapping: {deadline: 3d, reason: ...}") }
            for key in DeviceTypeParser.orderedKeys(source, at: path + [.key("maintenance")]) where !["deadline", "reason", "reason_zh"].contains(key) {
                errors.append(source.error(at: path + [.key("maintenance"), .key(key)], "unknown key '\(key)' (expected deadline, reason, reason_zh)"))
            }
            let text = n.mapping?["deadline"]?.string
            if let t = text, let d = Interval(parsing: t), d.milliseconds > 0 {
                followup = .init(deadlineMs: d.milliseconds, reason: n.mapping?["reason"]?.string, reasonZh: n.mapping?["reason_zh"]?.string)
            } else {
                errors.append(source.error(at: path + [.key("maintenance"), .key("deadline")], "maintenance needs 'deadline', a duration such as 3d"))
            }
        }
        if hazard, node("maintenance") == nil {
            fail("hazard", "a hazard rule needs a 'maintenance' follow-up: the firm must rectify the hazard before it can be closed")
        }
        let message = located("message", required: true)
        let messageZh = located("message_zh", required: false)
        guard let id, let type, let when, let severity, let message, errors.isEmpty else { return nil }
        return RuleSpec(id: id, type: type, family: family ?? id, description: string("description", required: false),
                        when: when, forMs: forMs, clearWhen: clearWhen, clearForMs: clearFor, severity: severity,
                        incident: incident, maintenance: followup, rescue: rescue, hazard: hazard, message: message,
                        messageZh: messageZh, file: source.file, line: source.node(at: path)?.mark?.line ?? 0)
    }
}
