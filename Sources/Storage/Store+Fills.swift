import Domain
import Records
import GRDB

extension SQLiteStore {
    /// A cylinder's fills, newest first, from the `fill` events the pipeline keeps (the fill
    /// record as received is in `fill`), within `scope`.
    public func fills(device: String, limit: Int, scope: Role = .supervisor) throws(StoreError) -> [FillItem] {
        var c = Conditions([("e.code = ?", "fill"), ("d.id = ?", device)])
        c.scope(scope)
        return try rows(FillItem.self, """
            SELECT e.ts, json_extract(e.data, '$.station') AS station, json_extract(e.data, '$.station_name') AS station_name,
                   json_extract(e.data, '$.licence') AS licence, json_extract(e.data, '$.result') AS result,
                   json_extract(e.data, '$.problems') AS problems, json_extract(e.data, '$.detail') AS detail,
                   json_extract(e.data, '$.fill.operator') AS operator, json_extract(e.data, '$.filler_cert') AS filler_cert,
                   json_extract(e.data, '$.filler_problem') AS filler_problem, json_extract(e.data, '$.fill.gun') AS gun,
                   json_extract(e.data, '$.fill.gas') AS gas, json_extract(e.data, '$.fill.pre_fill_check') AS pre_fill_check,
                   json_extract(e.data, '$.fill.started_at') AS started_at, json_extract(e.data, '$.fill.tare_kg') AS tare_kg,
                   json_extract(e.data, '$.fill.gross_kg') AS gross_kg, json_extract(e.data, '$.fill.net_kg') AS net_kg,
                   json_extract(e.data, '$.fill.fill_pressure_mpa') AS fill_pressure_mpa
            FROM events e JOIN devices d ON d.num = e.device_num
            \(c.sql) ORDER BY e.ts DESC, e.id DESC LIMIT ?
            """, c.arguments + [limit])
    }
}
