import Domain

/// A problem in a `Devices/` file, located precisely enough for a person to fix it.
///
/// Rendered as `file:line:column: reason`, the format editors and CI logs link to.
public struct CatalogError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let column: Int?
    public let reason: String

    public init(file: String, line: Int? = nil, column: Int? = nil, reason: String) {
        self.file = file
        self.line = line
        self.column = column
        self.reason = reason
    }

    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        if let column { s += ":\(column)" }
        return s + ": " + reason
    }
}

/// Several problems found in one load; a load either succeeds whole or reports them all.
public struct CatalogErrors: Error, Sendable, CustomStringConvertible {
    public let errors: [CatalogError]
    public init(_ errors: [CatalogError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
