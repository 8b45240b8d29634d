import Foundation
import Source

/// Reads source files from disk for the cores, which only ever see text. Errors name the path.
public enum SourceFolder {
    /// The `*.yaml` / `*.yml` files directly in `directory`, sorted by name, with their text.
    static func yamlFiles(in directory: String) throws(SourceErrors) -> [SourceText] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) }
        catch { throw SourceErrors([SourceError(file: directory, reason: "cannot read the folder: \(reason(error))")]) }
        var errors: [SourceError] = []
        var files: [SourceText] = []
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            do { files.append(try read(directory + "/" + name)) } catch { errors += error.errors }
        }
        guard errors.isEmpty else { throw SourceErrors(errors) }
        return files
    }

    /// One file's text; says whether it is missing, unreadable or not UTF-8.
    public static func read(_ path: String) throws(SourceErrors) -> SourceText {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw SourceErrors([SourceError(file: path, reason: "no such file")])
        }
        guard !isDirectory.boolValue else { throw SourceErrors([SourceError(file: path, reason: "is a folder, not a file")]) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SourceErrors([SourceError(file: path, reason: "cannot read the file (permissions?)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SourceErrors([SourceError(file: path, reason: "the file is not UTF-8 text")])
        }
        return SourceText(file: path, text: text)
    }

    private static func reason(_ error: any Error) -> String {
        (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
    }
}
