import Foundation
import Presentation
import Records
import Storage

/// Where commands write what a person reads. Standard output by default; a test binds its own
/// sink for the duration of one command (`Console.$write.withValue`), so output can be checked
/// without a subprocess.
public enum Console {
    @TaskLocal public static var write: @Sendable (String) -> Void = { text in
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// The zone tables and CSV show times in, and local dates (`--from 2026-11-26`) are read in:
    /// `--tz`, else `TZ`, else Asia/Shanghai (`EquipWatch.execute` binds it per command).
    @TaskLocal public static var zone: DisplayZone = DisplayZone.resolve(nil) ?? .shanghai
}

/// One line for a person.
func say(_ line: String) { Console.write(line + "\n") }

/// The one thing asked for does not exist (SPEC §6: exit non-zero). Printed without the usage
/// text a `ValidationError` brings, since the command line itself was fine.
struct NotFound: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The command line was well formed but what it asks for is refused (an inspection kind the type
/// does not have, a date in the future): the reason, without the usage text.
public struct Refused: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
