/// A problem in a source file (`Devices/`, `Rules/`, `risk.yaml`, `equipwatch.yaml`), located
/// precisely enough for a person to fix it.
///
/// Rendered as `file:line:column: reason`, the format editors and CI logs link to.
public struct SourceError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let column: Int?
    public let reason: String

    public init(file: String, line: Int? = nil, column: Int? = nil, reason: String) {
        (self.file, self.line, self.column, self.reason) = (file, line, column, reason)
    }

    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        if let column { s += ":\(column)" }
        return s + ": " + reason
    }
}

/// Several problems found in one load; a load either succeeds whole or reports them all.
public struct SourceErrors: Error, Sendable, CustomStringConvertible {
    public let errors: [SourceError]
    public init(_ errors: [SourceError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// A source file's name and text, as the edges read it and the cores parse it.
public struct SourceText: Sendable, Equatable {
    /// The path as given, used in every error about the file.
    public let file: String
    public let text: String
    public init(file: String, text: String) { (self.file, self.text) = (file, text) }

    /// The file's name without its folder.
    public var name: String { file.split(separator: "/").last.map(String.init) ?? file }
}
