import Domain
import SourceFiles
import DeviceCatalog
import Ingest
import Logging
import Storage

/// Loads `Devices/` (types and fleet), writes the fleet into the store and returns the snapshot
/// the validator uses. Called at start and on SIGHUP; a bad file throws with file and line, and
/// the caller keeps the registry it had.
public enum RegistrySync {
    public static func load(devicesDirectory: String, store: Store, now: Int64) throws -> (catalog: Catalog, directory: DeviceDirectory) {
        let catalog = try Catalog.load(directory: devicesDirectory)
        try store.importFleet(catalog.fleet, now: now)
        let directory = try store.loadDirectory(types: catalog.types)
        return (catalog, directory)
    }
}
