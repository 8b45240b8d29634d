import Yams

/// A YAML file held with its node tree, so that any problem found while decoding or checking
/// it can be reported at the line and column it comes from.
public struct YAMLSource {
    public let file: String
    public let root: Node

    /// Parses `text`; a syntax error is reported at the position the YAML parser gives.
    public init(file: String, text: String) throws(SourceError) {
        self.file = file
        do {
            guard let node = try SettledTags.parse(text) else {
                throw SourceError(file: file, line: 1, reason: "the file is empty")
            }
            root = node
        } catch let error as SourceError {
            throw error
        } catch let error as YamlError {
            throw YAMLSource.locate(error, file: file)
        } catch {
            throw SourceError(file: file, reason: "cannot parse YAML: \(error)")
        }
    }

    /// Decodes the whole file as `T`, turning decoding errors into located catalog errors.
    public func decode<T: Decodable>(_ type: T.Type) throws(SourceError) -> T {
        do {
            return try YAMLDecoder().decode(T.self, from: root)
        } catch let error as DecodingError {
            throw describe(error)
        } catch {
            throw SourceError(file: file, reason: "\(error)")
        }
    }

    /// Parses `text` and decodes it as `T` in one step, for parsers that then check the value
    /// against the source (errors located at lines).
    public static func decode<T: Decodable>(_ type: T.Type, text: String, file: String) throws(SourceErrors) -> (source: YAMLSource, value: T) {
        do {
            let source = try YAMLSource(file: file, text: text)
            return (source, try source.decode(T.self))
        } catch {
            throw SourceErrors([error])
        }
    }

    /// The node at a path of mapping keys and sequence indices, if it exists.
    public func node(at path: [PathElement]) -> Node? {
        var current: Node? = root
        for element in path {
            switch element {
            case .key(let k): current = current?.mapping?[k]
            case .index(let i):
                guard let seq = current?.sequence, i >= 0, i < seq.count else { return nil }
                current = seq[i]
            }
        }
        return current
    }

    /// An error located at the deepest existing node along `path`.
    public func error(at path: [PathElement], _ reason: String) -> SourceError {
        var p = path
        while !p.isEmpty, node(at: p) == nil { p.removeLast() }
        let mark = node(at: p)?.mark
        return SourceError(file: file, line: mark?.line, column: mark?.column, reason: reason)
    }

    /// One step of a path into the document: a mapping key or a sequence index.
    public enum PathElement: Sendable, Hashable {
        case key(String)
        case index(Int)
    }

    private func describe(_ error: DecodingError) -> SourceError {
        func path(_ keys: [any CodingKey]) -> [PathElement] {
            keys.map { k in k.intValue.map(PathElement.index) ?? .key(k.stringValue) }
        }
        func dotted(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let ctx):
            let at = dotted(ctx.codingPath)
            return self.error(at: path(ctx.codingPath), "missing required key '\(key.stringValue)'" + (at.isEmpty ? "" : " in \(at)"))
        case .typeMismatch(let type, let ctx):
            return self.error(at: path(ctx.codingPath), "\(dotted(ctx.codingPath)): expected \(Self.friendly(type))")
        case .valueNotFound(let type, let ctx):
            return self.error(at: path(ctx.codingPath), "\(dotted(ctx.codingPath)): expected \(Self.friendly(type)), found nothing")
        case .dataCorrupted(let ctx):
            return self.error(at: path(ctx.codingPath), "\(dotted(ctx.codingPath)): \(ctx.debugDescription)")
        @unknown default:
            return SourceError(file: file, reason: "\(error)")
        }
    }

    private static func friendly(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Double.Type, is Int.Type: "a number"
        case is Bool.Type: "true or false"
        default: "\(type)".contains("Dictionary") ? "a mapping" : "\(type)".contains("Array") ? "a list" : "\(type)"
        }
    }

    static func locate(_ error: YamlError, file: String) -> SourceError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _):
            return SourceError(file: file, line: mark.line, column: mark.column, reason: "YAML syntax: \(problem)")
        case .composer(_, let problem, let mark, _):
            return SourceError(file: file, line: mark.line, column: mark.column, reason: "YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return SourceError(file: file, line: context.mark.line, column: context.mark.column,
                               reason: "YAML: a key appears twice in one mapping: \(duplicates.sorted().joined(separator: ", "))")
        default:
            return SourceError(file: file, reason: "YAML: \(error)")
        }
    }
}
