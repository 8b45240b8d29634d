import Domain
import Records
import Foundation
import NIOCore
import PostgresNIO

/// A value bound to a statement or read from a row, in the few shapes the store uses. Booleans
/// are bound as 0 and 1 (the schema keeps SQLite's integer flags), so a flag column reads the
/// same on both engines.
public enum SQLValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    case bytes([UInt8])
    /// A boolean the server computed (`x IS NOT NULL AS flag`); read as 0 or 1 where a number is asked.
    case bool(Bool)

    public var int: Int64? {
        switch self {
        case .int(let v): v
        case .bool(let b): b ? 1 : 0
        case .double(let d): Int64(exactly: d.rounded(.towardZero))
        case .text(let t): Int64(t)
        default: nil
        }
    }

    public var double: Double? {
        switch self {
        case .double(let d): d
        case .int(let v): Double(v)
        case .text(let t): Double(t)
        default: nil
        }
    }

    public var text: String? {
        switch self {
        case .text(let t): t
        case .int(let v): String(v)
        case .double(let d): String(d)
        case .bytes(let b): String(bytes: b, encoding: .utf8) ?? "base64:" + Data(b).base64EncodedString()
        case .bool(let b): b ? "1" : "0"
        case .null: nil
        }
    }

    public var bool: Bool? {
        switch self {
        case .bool(let b): b
        case .int(let v): v != 0
        case .double(let d): d != 0
        default: nil
        }
    }
}

/// What a statement binds: any of the store's argument values, optional or not.
public protocol SQLBindable: Sendable {
    var sqlValue: SQLValue { get }
}

extension Int64: SQLBindable { public var sqlValue: SQLValue { .int(self) } }
extension Int: SQLBindable { public var sqlValue: SQLValue { .int(Int64(self)) } }
extension Int32: SQLBindable { public var sqlValue: SQLValue { .int(Int64(self)) } }
extension Double: SQLBindable { public var sqlValue: SQLValue { .double(self) } }
extension Bool: SQLBindable { public var sqlValue: SQLValue { .int(self ? 1 : 0) } }
extension String: SQLBindable { public var sqlValue: SQLValue { .text(self) } }
extension Data: SQLBindable { public var sqlValue: SQLValue { .bytes([UInt8](self)) } }
extension Array: SQLBindable where Element == UInt8 { public var sqlValue: SQLValue { .bytes(self) } }
extension Optional: SQLBindable where Wrapped: SQLBindable { public var sqlValue: SQLValue { self?.sqlValue ?? .null } }

/// The closed vocabularies bind by raw value.
public protocol SQLRawBindable: SQLBindable, RawRepresentable where RawValue == String {}
extension SQLRawBindable { public var sqlValue: SQLValue { .text(rawValue) } }
extension Severity: SQLRawBindable {}
extension Grade: SQLRawBindable {}
extension NoticeKind: SQLRawBindable {}
extension NoticeStatus: SQLRawBindable {}
extension IncidentStatus: SQLRawBindable {}
extension AlarmState: SQLRawBindable {}
extension OutageCause: SQLRawBindable {}
extension DeadLetterReason: SQLRawBindable {}
extension CompletionSource: SQLRawBindable {}
extension ChangeKind: SQLRawBindable {}
extension HazardStep: SQLRawBindable {}
extension HazardStatus: SQLRawBindable {}
extension InspectionResult: SQLRawBindable {}
extension InspectionSource: SQLRawBindable {}
extension DistrictLevel: SQLRawBindable {}
extension AccidentClass: SQLRawBindable {}
extension AccidentStatus: SQLRawBindable {}

/// The types a `VALUES` list's placeholders are cast to.
enum SQLColumnType: String {
    case bigint, text
    case double = "double precision"
}

/// A statement's arguments, in the order of its `?` placeholders.
public typealias SQLArguments = [any SQLBindable]

/// One row of an answer, by column name.
public struct SQLRow: Sendable {
    public let columns: [String]
    public let values: [SQLValue]

    public func value(_ column: String) -> SQLValue {
        guard let i = columns.firstIndex(of: column) else { return .null }
        return values[i]
    }

    public func int(_ column: String) -> Int64? { value(column).int }
    public func double(_ column: String) -> Double? { value(column).double }
    public func text(_ column: String) -> String? { value(column).text }
    public func bytes(_ column: String) -> [UInt8]? {
        switch value(column) {
        case .bytes(let b): b
        case .text(let t): Array(t.utf8)
        default: nil
        }
    }

    /// A required integer: a NULL or missing column is a failure naming it, never a silent 0.
    func int(required column: String) throws(StoreError) -> Int64 {
        guard let v = int(column) else { throw .failed(operation: "read a row", reason: "column \(column) is NULL or missing") }
        return v
    }

    func text(required column: String) throws(StoreError) -> String {
        guard let v = text(column) else { throw .failed(operation: "read a row", reason: "column \(column) is NULL or missing") }
        return v
    }

    /// The row as the record `T`, by its coding keys (the SELECT's column names), as GRDB decodes
    /// the same records on SQLite.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try T(from: SQLRowDecoder(row: self, codingPath: []))
    }

    /// A row from the server's cells: numbers, text, bytes and booleans as they came.
    init(_ row: PostgresRow) throws {
        var columns: [String] = []
        var values: [SQLValue] = []
        columns.reserveCapacity(8)
        values.reserveCapacity(8)
        for cell in row {
            columns.append(cell.columnName)
            values.append(try Self.value(cell))
        }
        (self.columns, self.values) = (columns, values)
    }

    init(columns: [String], values: [SQLValue]) { (self.columns, self.values) = (columns, values) }

    private static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        let context = PostgresDecodingContext.default
        switch cell.dataType {
        case .int2, .int4, .int8, .oid: return .int(try cell.decode(Int64.self, context: context))
        case .float4, .float8: return .double(try cell.decode(Double.self, context: context))
        case .numeric:
            let d = try cell.decode(Decimal.self, context: context)
            let n = NSDecimalNumber(decimal: d)
            if d == d.rounded(), let i = Int64(exactly: n.doubleValue) { return .int(i) }
            return .double(n.doubleValue)
        case .bool: return .bool(try cell.decode(Bool.self, context: context))
        case .bytea:
            var buffer = try cell.decode(ByteBuffer.self, context: context)
            return .bytes(buffer.readBytes(length: buffer.readableBytes) ?? [])
        default:
            if cell.format == .text, var buffer = cell.bytes { return .text(buffer.readString(length: buffer.readableBytes) ?? "") }
            return .text(try cell.decode(String.self, context: context))
        }
    }
}

extension Decimal {
    fileprivate func rounded() -> Decimal {
        var value = self, result = Decimal()
        NSDecimalRound(&result, &value, 0, .down)
        return result
    }
}

/// Decodes a record from a row by its coding keys; nested values (an `Instant`, `RawJSON`, a
/// raw-value enum) decode from their column through a single-value container.
private struct SQLRowDecoder: Decoder {
    let row: SQLRow
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(Keyed<Key>(row: row, codingPath: codingPath))
    }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath, debugDescription: "a row is not a list"))
    }
    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw DecodingError.typeMismatch(Any.self, .init(codingPath: codingPath, debugDescription: "a row is not a single value"))
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let row: SQLRow
        var codingPath: [any CodingKey]
        var allKeys: [Key] { row.columns.compactMap(Key.init(stringValue:)) }
        func contains(_ key: Key) -> Bool { row.columns.contains(key.stringValue) }
        func decodeNil(forKey key: Key) throws -> Bool { row.value(key.stringValue) == .null }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            let value = row.value(key.stringValue)
            return try SQLValueDecoder(value: value, codingPath: codingPath + [key]).decode(type)
        }
        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            throw DecodingError.typeMismatch([String: Any].self, .init(codingPath: codingPath + [key], debugDescription: "a column is not an object"))
        }
        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath + [key], debugDescription: "a column is not a list"))
        }
        func superDecoder() throws -> any Decoder { SQLRowDecoder(row: row, codingPath: codingPath) }
        func superDecoder(forKey key: Key) throws -> any Decoder { SQLValueDecoder(value: row.value(key.stringValue), codingPath: codingPath + [key]) }
    }
}

/// One column's value as a single-value decoder.
private struct SQLValueDecoder: Decoder, SingleValueDecodingContainer {
    let value: SQLValue
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        switch type {
        case is Int64.Type: return try need(value.int) as! T
        case is Int.Type: return Int(try need(value.int)) as! T
        case is Int32.Type: return Int32(truncatingIfNeeded: try need(value.int)) as! T
        case is Double.Type: return try need(value.double) as! T
        case is Bool.Type: return try need(value.bool) as! T
        case is String.Type: return try need(value.text) as! T
        default: return try T(from: self)
        }
    }

    private func need<V>(_ v: V?) throws -> V {
        guard let v else {
            throw DecodingError.valueNotFound(Any.self, .init(codingPath: codingPath, debugDescription: "column holds \(value)"))
        }
        return v
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        throw DecodingError.typeMismatch([String: Any].self, .init(codingPath: codingPath, debugDescription: "a column is not an object"))
    }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath, debugDescription: "a column is not a list"))
    }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }
    func decodeNil() -> Bool { value == .null }
    func decode(_ type: Bool.Type) throws -> Bool { try need(value.bool) }
    func decode(_ type: String.Type) throws -> String { try need(value.text) }
    func decode(_ type: Double.Type) throws -> Double { try need(value.double) }
    func decode(_ type: Float.Type) throws -> Float { Float(try need(value.double)) }
    func decode(_ type: Int.Type) throws -> Int { Int(try need(value.int)) }
    func decode(_ type: Int8.Type) throws -> Int8 { Int8(truncatingIfNeeded: try need(value.int)) }
    func decode(_ type: Int16.Type) throws -> Int16 { Int16(truncatingIfNeeded: try need(value.int)) }
    func decode(_ type: Int32.Type) throws -> Int32 { Int32(truncatingIfNeeded: try need(value.int)) }
    func decode(_ type: Int64.Type) throws -> Int64 { try need(value.int) }
    func decode(_ type: UInt.Type) throws -> UInt { UInt(truncatingIfNeeded: try need(value.int)) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { UInt8(truncatingIfNeeded: try need(value.int)) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { UInt16(truncatingIfNeeded: try need(value.int)) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { UInt32(truncatingIfNeeded: try need(value.int)) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { UInt64(bitPattern: try need(value.int)) }
}

extension SQLValue {
    /// Appends the value to a statement's bindings with the type PostgreSQL should read it as.
    func bind(into b: inout PostgresBindings) {
        switch self {
        case .null: b.appendNull()
        case .int(let v): b.append(v)
        case .double(let d): b.append(d)
        case .text(let t): b.append(t)
        case .bytes(let bytes): b.append(ByteBuffer(bytes: bytes))
        case .bool(let v): b.append(v ? Int64(1) : 0)
        }
    }
}

/// SQL written with `?` placeholders (as on SQLite) in PostgreSQL's `$1, $2…`; a `?` inside a
/// quoted literal or identifier is left alone.
func numberedPlaceholders(_ sql: String) -> String {
    guard sql.contains("?") else { return sql }
    var out = ""
    out.reserveCapacity(sql.utf8.count + 16)
    var n = 0
    var quote: Character?
    for ch in sql {
        if let q = quote {
            if ch == q { quote = nil }
            out.append(ch)
        } else if ch == "'" || ch == "\"" {
            quote = ch
            out.append(ch)
        } else if ch == "?" {
            n += 1
            out += "$\(n)"
        } else {
            out.append(ch)
        }
    }
    return out
}
