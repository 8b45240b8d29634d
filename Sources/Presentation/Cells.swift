import Domain
import Foundation
import Records

extension ResponseRow {
    /// The row's values in column order; a nil is `.null`, so every key is always present.
    public var cells: [ResultTable.Cell] { cells(columns: Self.columnNames) }

    /// The cells for `columns` (the row type's own, computed once per table by the caller).
    func cells(columns: [String]) -> [ResultTable.Cell] {
        let encoder = CellEncoder()
        // Encoding into cells only fails for nested containers, which no query row has.
        do { try encode(to: encoder) } catch { preconditionFailure("query row \(Self.self) is not flat: \(error)") }
        let values = encoder.box.values
        return columns.map { values[$0] ?? .null }
    }
}

extension ResultTable {
    /// A table of typed rows, with the row type's columns even when there are no rows.
    public init<Row: ResponseRow>(_ rows: [Row]) {
        let columns = Row.columnNames
        self.init(columns: columns, rows: rows.map { $0.cells(columns: columns) })
    }
}

/// Flattens a query row into cells: one keyed level of primitives, `Instant` as RFC 3339 text,
/// `RawJSON` as nested JSON, raw-valued enums as their raw value.
final class CellEncoder: Encoder {
    final class Box { var values: [String: ResultTable.Cell] = [:] }
    let box = Box()
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(Keyed<Key>(box: box))
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { preconditionFailure("query rows are flat") }
    func singleValueContainer() -> any SingleValueEncodingContainer { preconditionFailure("query rows are keyed") }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let box: Box
        var codingPath: [any CodingKey] = []
        mutating func encodeNil(forKey key: Key) throws { box.values[key.stringValue] = .null }
        mutating func encode(_ value: Bool, forKey key: Key) throws { box.values[key.stringValue] = .bool(value) }
        mutating func encode(_ value: String, forKey key: Key) throws { box.values[key.stringValue] = .text(value) }
        mutating func encode(_ value: Double, forKey key: Key) throws { box.values[key.stringValue] = .double(value) }
        mutating func encode(_ value: Float, forKey key: Key) throws { box.values[key.stringValue] = .double(Double(value)) }
        mutating func encode(_ value: Int, forKey key: Key) throws { box.values[key.stringValue] = .int(Int64(value)) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { box.values[key.stringValue] = .int(value) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { box.values[key.stringValue] = .int(Int64(value)) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { box.values[key.stringValue] = .int(Int64(value)) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { box.values[key.stringValue] = .int(Int64(value)) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { box.values[key.stringValue] = .int(Int64(value)) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { box.values[key.stringValue] = .int(Int64(value)) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { box.values[key.stringValue] = .int(Int64(value)) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { box.values[key.stringValue] = .int(Int64(value)) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { box.values[key.stringValue] = .int(Int64(bitPattern: value)) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            if let json = value as? RawJSON { box.values[key.stringValue] = .json(json.text); return }
            if let instant = value as? Instant { box.values[key.stringValue] = .time(instant.millis); return }
            let single = SingleCell()
            try value.encode(to: single)
            box.values[key.stringValue] = single.cell
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            preconditionFailure("query rows are flat")
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { preconditionFailure("query rows are flat") }
        mutating func superEncoder() -> any Encoder { preconditionFailure("query rows are flat") }
        mutating func superEncoder(forKey key: Key) -> any Encoder { preconditionFailure("query rows are flat") }
    }

    /// Captures the one primitive a value type (an enum, `Instant`) encodes itself as.
    final class SingleCell: Encoder, SingleValueEncodingContainer {
        var cell: ResultTable.Cell = .null
        var codingPath: [any CodingKey] = []
        var userInfo: [CodingUserInfoKey: Any] = [:]
        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> { preconditionFailure("query rows are flat") }
        func unkeyedContainer() -> any UnkeyedEncodingContainer { preconditionFailure("query rows are flat") }
        func singleValueContainer() -> any SingleValueEncodingContainer { self }
        func encodeNil() throws { cell = .null }
        func encode(_ value: Bool) throws { cell = .bool(value) }
        func encode(_ value: String) throws { cell = .text(value) }
        func encode(_ value: Double) throws { cell = .double(value) }
        func encode(_ value: Float) throws { cell = .double(Double(value)) }
        func encode(_ value: Int) throws { cell = .int(Int64(value)) }
        func encode(_ value: Int8) throws { cell = .int(Int64(value)) }
        func encode(_ value: Int16) throws { cell = .int(Int64(value)) }
        func encode(_ value: Int32) throws { cell = .int(Int64(value)) }
        func encode(_ value: Int64) throws { cell = .int(value) }
        func encode(_ value: UInt) throws { cell = .int(Int64(value)) }
        func encode(_ value: UInt8) throws { cell = .int(Int64(value)) }
        func encode(_ value: UInt16) throws { cell = .int(Int64(value)) }
        func encode(_ value: UInt32) throws { cell = .int(Int64(value)) }
        func encode(_ value: UInt64) throws { cell = .int(Int64(bitPattern: value)) }
        func encode<T: Encodable>(_ value: T) throws { try value.encode(to: self) }
    }
}
