import Domain
import Records
import GRDB

extension SQLiteStore {
    /// The names of the firms, owners and sites of the devices within `scope`.
    public func names(scope: Role = .supervisor) throws(StoreError) -> [NameItem] {
        var c = Conditions()
        c.scope(scope)
        let within = "SELECT d.firm, d.owner, d.site FROM devices d \(c.sql)"
        var arguments = c.arguments
        arguments += c.arguments
        arguments += c.arguments
        return try rows(NameItem.self, """
            SELECT 'firm' AS kind, f.id, f.name, f.name_zh FROM firms f WHERE f.id IN (SELECT firm FROM (\(within)))
            UNION ALL
            SELECT 'owner', o.id, o.name, o.name_zh FROM owners o WHERE o.id IN (SELECT owner FROM (\(within)))
            UNION ALL
            SELECT 'site', s.id, s.name, s.name_zh FROM sites s WHERE s.id IN (SELECT site FROM (\(within)))
            ORDER BY 1, 2
            """, arguments)
    }
}
