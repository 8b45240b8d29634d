import Domain
import SourceFiles
import DeviceCatalog
import Ingest
import Logging
import Records

/// Loads `Devices/` (types and fleet), writes the fleet into the store and returns the snapshot
/// the validator uses. Called at start and on SIGHUP; a bad file throws with file and line, and
/// the caller keeps the registry it had.
public enum RegistrySync {
    /// The fleet file's parsed records are dropped once imported (the directory is what runs),
    /// and the memory their parse took is handed back to the system: at 100 k devices the YAML
    /// tree and records are a few hundred MB that would otherwise stay in the process.
    public static func load(devicesDirectory: String, store: any Store, now: Int64) throws -> (types: [String: DeviceType], directory: DeviceDirectory) {
        let types = try { () throws -> [String: DeviceType] in
            let sources = try Catalog.sources(directory: devicesDirectory)
            if try store.registrySourceHash() == sources.hash {
                // The store holds the registry of exactly these files: no need to parse them.
                return try sources.parsedTypes()
            }
            let catalog = try sources.catalog()
            try store.importFleet(catalog.fleet, now: now, sourceHash: sources.hash)
            return catalog.types
        }()
        // The files' text and the parsed records are gone here, and their memory handed back:
        // what the directory keeps for the process's life is allocated after them, not among the
        // holes they leave. Loaded before they were freed, the directory of a 100 k fleet left
        // about 330 MB of free heap that malloc_trim could not return (a first start idled at
        // 413 MB resident against 268 MB for a restart).
        releaseFreedMemory()
        let directory = try store.loadDirectory(types: types)
        releaseFreedMemory()
        return (types, directory)
    }
}
