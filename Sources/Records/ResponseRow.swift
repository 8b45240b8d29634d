import Foundation

/// One row of an answer: an `Encodable` value whose coding keys are its column names. The CLI
/// prints these (table, `--json`, `--csv`) and the HTTP API serves them: one vocabulary.
public protocol ResponseRow: Encodable, Sendable {
    /// The columns in answer order: the row's own coding keys.
    associatedtype CodingKeys: CodingKey & CaseIterable
}

extension ResponseRow {
    /// The column names in answer order.
    public static var columnNames: [String] { CodingKeys.allCases.map { $0.stringValue } }
}
