import Records
import Storage

/// Filters that name a registry entry are checked against the registry: a firm, site, owner,
/// gateway, type or device nobody registered is "not found" (exit 1, the valid ids listed when
/// there are few), not an empty table that reads like "nothing happened".
struct KnownNames {
    let store: any Store

    func check(firm: String? = nil, site: String? = nil, owner: String? = nil, gateway: String? = nil, type: String? = nil,
               device: String? = nil) throws {
        for (list, value, flag) in [(RegistryList.firms, firm, "firm"), (.sites, site, "site"), (.owners, owner, "owner"),
                                    (.gateways, gateway, "gateway"), (.types, type, "type")] {
            guard let value else { continue }
            let ids = try store.ids(of: list)
            guard !ids.contains(value) else { continue }
            let known = ids.count <= 20 ? " (\(ids.joined(separator: ", ")))" : " (\(ids.count) registered; `equipwatch devices` lists them)"
            throw NotFound("no \(flag) '\(value)' in the registry\(ids.isEmpty ? "" : known)")
        }
        if let device, try store.registeredDevice(device) == nil {
            throw NotFound("no registered device \(device)")
        }
    }
}
