import DeviceCatalog
import Domain
import Ingest
import Records

extension Store {
    /// Builds the validation snapshot from the registered devices and the given types.
    public func loadDirectory(types: [String: DeviceType]) throws(StoreError) -> DeviceDirectory {
        let r = try registry()
        return DeviceDirectory(types: types, devices: r.devices, gateways: r.gateways, firms: r.firms, sites: r.sites,
                               stations: r.stations, certificates: try certificates(scope: .supervisor),
                               policies: try policies(scope: .supervisor))
    }
}
