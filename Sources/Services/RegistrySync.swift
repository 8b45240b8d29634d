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
        let loaded = try { () throws -> (types: [String: DeviceType], directory: DeviceDirectory) in
            let sources = try Catalog.sources(directory: devicesDirectory)
            if try store.registrySourceHash() == sources.hash {
                // The store holds the registry of exactly these files: no need to parse them.
                let types = try sources.parsedTypes()
                return (types, try store.loadDirectory(types: types))
            }
            let catalog = try sources.catalog()
            try store.importFleet(catalog.fleet, now: now, sourceHash: sources.hash)
            return (catalog.types, try store.loadDirectory(types: catalog.types))
        }()
        releaseFreedMemory()
        return loaded
    }
}
