import Domain
import Foundation

/// A moment: epoch milliseconds in the store, RFC 3339 in every answer (CLI and API).
public struct Instant: Codable, Sendable, Hashable {
    public let millis: Int64
    public init(millis: Int64) { self.millis = millis }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(Timestamp.format(millis))
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let ms = try? c.decode(Int64.self) { millis = ms; return }
        let text = try c.decode(String.self)
        guard let ms = Timestamp.parseRFC3339(text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "'\(text)' is not an RFC 3339 date-time")
        }
        millis = ms
    }
}

/// JSON text as stored (reading data, attributes, rule inputs, details): nested as JSON in an
/// answer, never quoted as a string.
public struct RawJSON: Codable, Sendable, Hashable {
    /// The JSON text as stored.
    public let text: String
    public init(_ text: String) { self.text = text }

    public func encode(to encoder: any Encoder) throws {
        // The store writes only JSON it produced or validated; text that no longer parses is
        // shown as a string rather than failing the whole answer.
        if let value = try? JSONReader.parse(Array(text.utf8)) { try value.encode(to: encoder) } else {
            var c = encoder.singleValueContainer()
            try c.encode(text)
        }
    }

    public init(from decoder: any Decoder) throws {
        text = try decoder.singleValueContainer().decode(String.self)
    }
}

/// A payload as kept in a dead letter: its text when it is UTF-8, else `base64:` and the bytes.
public struct PayloadText: Codable, Sendable, Hashable {
    /// The payload's text, or `base64:` and its bytes.
    public let text: String
    public init(_ text: String) { self.text = text }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }
    public init(from decoder: any Decoder) throws { text = try decoder.singleValueContainer().decode(String.self) }
}
