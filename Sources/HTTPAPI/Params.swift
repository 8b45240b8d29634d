import Domain
import Foundation
import Hummingbird
import Presentation
import Records

/// Query parameters, read with 400 errors that name the parameter (SPEC §7).
struct Params {
    let values: [String: String]
    /// The language sentences for people are answered in (`Accept-Language`; English without it).
    let language: Language

    init(_ request: Request) {
        var v: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { v[String(key)] = String(value) }
        values = v
        language = Self.language(request)
    }

    /// The caller's language from `Accept-Language`: Chinese for `zh…`, English for `en…`, no
    /// header or neither: English (what the API answered before it spoke Chinese).
    static func language(_ request: Request) -> Language {
        request.headers[.acceptLanguage].flatMap { Language(acceptLanguage: $0) } ?? .en
    }

    func string(_ name: String) throws -> String? {
        guard let s = values[name] else { return nil }
        guard !s.isEmpty, s.unicodeScalars.count <= 256 else { throw APIError.badParameter(name, "must be 1 to 256 characters") }
        return s
    }

    func choice<E: RawRepresentable & CaseIterable>(_ name: String, _ type: E.Type) throws -> E? where E.RawValue == String {
        guard let s = values[name] else { return nil }
        guard let v = E(rawValue: s) else {
            throw APIError.badParameter(name, "'\(s.prefix(64))' is not one of \(E.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return v
    }

    /// RFC 3339, a date (YYYY-MM-DD: local midnight in `days`, as the CLI reads it) or epoch milliseconds.
    func time(_ name: String, in days: LocalDays) throws -> Int64? {
        guard let s = values[name] else { return nil }
        guard s.unicodeScalars.count <= 64 else { throw APIError.badParameter(name, "must be at most 64 characters") }
        let ms: Int64
        if let n = Int64(s) { ms = n }
        else if let day = Day(parsing: s) { ms = days.start(day) }
        else if let n = Timestamp.parseRFC3339(s) { ms = n }
        else { throw APIError.badParameter(name, "'\(s.prefix(64))' is not RFC 3339, YYYY-MM-DD or epoch milliseconds") }
        // Arithmetic on a time (a year back, a zone offset) must not overflow: keep to calendar days.
        guard Day.instants.contains(ms) else { throw APIError.badParameter(name, "must be between 1900-01-01 and 2999-12-31") }
        return ms
    }

    /// A whole number in `range`, or `fallback` when absent.
    func int(_ name: String, in range: ClosedRange<Int>, default fallback: Int) throws -> Int {
        guard let s = values[name] else { return fallback }
        guard let n = Int(s), range.contains(n) else {
            throw APIError.badParameter(name, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return n
    }

    /// A whole number in `range`, or nil when absent.
    func optionalInt(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard values[name] != nil else { return nil }
        return try int(name, in: range, default: range.lowerBound)
    }

    /// A calendar day, `YYYY-MM-DD`.
    func day(_ name: String) throws -> Day? {
        guard let s = values[name] else { return nil }
        guard let d = Day(parsing: s) else { throw APIError.badParameter(name, "'\(s.prefix(64))' is not a date YYYY-MM-DD") }
        return d
    }

    /// `limit`: default 100, 1 to 1000.
    func limit() throws -> Int {
        guard let s = values["limit"] else { return 100 }
        guard let n = Int(s), n >= 1, n <= 1000 else { throw APIError.badParameter("limit", "must be a whole number from 1 to 1000") }
        return n
    }

    func cursor() throws -> PageCursor? {
        guard let s = values["cursor"] else { return nil }
        guard let c = PageCursor(encoded: s) else { throw APIError.badParameter("cursor", "not a cursor this server handed out") }
        return c
    }

    /// `true` or `false`.
    func bool(_ name: String) throws -> Bool? {
        guard let s = values[name] else { return nil }
        switch s {
        case "true": return true
        case "false": return false
        default: throw APIError.badParameter(name, "'\(s.prefix(64))' is not true or false")
        }
    }

    enum Format: String, CaseIterable { case json, csv }

    func format() throws -> Format { try choice("format", Format.self) ?? .json }

    /// A CSV's first line: headings in the reader's language (`labels`, the default: a file a
    /// person opens in a spreadsheet) or the column names, which are the JSON keys (`names`: for
    /// programs).
    enum Header: String, CaseIterable { case labels, names }

    func header() throws -> Header { try choice("header", Header.self) ?? .labels }

    /// The CSV heading line of `columns` as `header=` asks.
    func csvHeader(_ columns: [String]) throws -> [String] {
        try header() == .names ? columns : columns.map { ColumnLabels.label($0, in: language) }
    }

}
