/// A parsed JSON value. Objects keep members in payload order and allow look-up by key.
///
/// Integers that fit `Int64` stay exact (`seq`, epoch-millisecond `ts`); every other number is a
/// `Double`.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        for m in members where m.key == key { return m.value }
        return nil
    }

    public var number: Double? {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }

    /// A short name of the value's JSON type, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int, .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// One member of a JSON object, in document order.
public struct JSONMember: Sendable, Equatable {
    public let key: String
    /// The value.
    public let value: JSONValue
    /// Byte offsets of the value in the parsed input, so a validated part can be kept exactly as
    /// received without serialising it again.
    public let valueStart: Int32
    public let valueEnd: Int32

    public init(key: String, value: JSONValue, valueStart: Int32 = 0, valueEnd: Int32 = 0) {
        (self.key, self.value, self.valueStart, self.valueEnd) = (key, value, valueStart, valueEnd)
    }

    /// Members are equal by key and value; where they were read from does not matter.
    public static func == (a: JSONMember, b: JSONMember) -> Bool { a.key == b.key && a.value == b.value }
}

/// Why a payload is not JSON, with the byte offset where reading stopped.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public let offset: Int
    /// Why, in English.
    public let reason: String
    public var description: String { "\(reason) at byte \(offset)" }
    public init(offset: Int, reason: String) { (self.offset, self.reason) = (offset, reason) }
}

/// Encodes a parsed value as the same JSON (objects keep their member order), so stored JSON
/// text can be nested in an answer instead of quoted.
extension JSONValue: Encodable {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var c = encoder.singleValueContainer()
            try c.encodeNil()
        case .bool(let b):
            var c = encoder.singleValueContainer()
            try c.encode(b)
        case .int(let i):
            var c = encoder.singleValueContainer()
            try c.encode(i)
        case .double(let d):
            var c = encoder.singleValueContainer()
            try c.encode(d)
        case .string(let s):
            var c = encoder.singleValueContainer()
            try c.encode(s)
        case .array(let items):
            var c = encoder.unkeyedContainer()
            for item in items { try c.encode(item) }
        case .object(let members):
            var c = encoder.container(keyedBy: Key.self)
            for m in members { try c.encode(m.value, forKey: Key(stringValue: m.key)) }
        }
    }
}
