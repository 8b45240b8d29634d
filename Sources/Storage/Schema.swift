import GRDB

/// The versioned schema. Each migration is append-only: a newer binary migrates an older store in
/// place (SPEC §8), and a migration once released is never edited.
enum Schema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-registry-and-ingest") { db in
            try db.execute(sql: """
                CREATE TABLE firms(
                    id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, grade TEXT);
                CREATE TABLE sites(
                    id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, category TEXT NOT NULL,
                    city TEXT, people_exposed INTEGER);
                CREATE TABLE gateways(
                    id TEXT PRIMARY KEY NOT NULL, site TEXT NOT NULL,
                    online INTEGER,            -- NULL until the gateway first reports its status
                    status_at INTEGER);
                CREATE TABLE devices(
                    num INTEGER PRIMARY KEY,   -- compact key used by readings and events
                    id TEXT NOT NULL UNIQUE,   -- registration code (设备代码)
                    type TEXT NOT NULL, gateway TEXT NOT NULL, site TEXT NOT NULL,
                    owner TEXT NOT NULL, firm TEXT NOT NULL, commissioned TEXT NOT NULL,
                    inspection_grade INTEGER, last_inspections TEXT NOT NULL, attributes TEXT NOT NULL,
                    source TEXT, updated_at INTEGER NOT NULL);
                CREATE INDEX devices_gateway ON devices(gateway);
                CREATE TABLE device_state(
                    device_num INTEGER PRIMARY KEY NOT NULL REFERENCES devices(num),
                    seq_highest INTEGER, seq_seen INTEGER,
                    last_ts INTEGER, last_received_at INTEGER, last_data TEXT,
                    messages INTEGER NOT NULL DEFAULT 0, duplicates INTEGER NOT NULL DEFAULT 0);
                CREATE TABLE readings(
                    id INTEGER PRIMARY KEY, device_num INTEGER NOT NULL, ts INTEGER NOT NULL,
                    seq INTEGER, received_at INTEGER NOT NULL, data TEXT NOT NULL);
                CREATE INDEX readings_device_ts ON readings(device_num, ts);
                CREATE TABLE events(
                    id INTEGER PRIMARY KEY, device_num INTEGER NOT NULL, ts INTEGER NOT NULL,
                    code TEXT NOT NULL,
                    source TEXT NOT NULL,      -- 'device' (sent by the controller) or 'pipeline' (derived)
                    seq INTEGER, received_at INTEGER NOT NULL, data TEXT NOT NULL);
                CREATE INDEX events_device_ts ON events(device_num, ts);
                CREATE TABLE dead_letters(
                    id INTEGER PRIMARY KEY, received_at INTEGER NOT NULL, reason TEXT NOT NULL,
                    detail TEXT NOT NULL, topic TEXT NOT NULL, gateway TEXT, device TEXT,
                    payload BLOB NOT NULL, payload_size INTEGER NOT NULL);
                CREATE INDEX dead_letters_received ON dead_letters(received_at);
                CREATE TABLE gateway_status(
                    id INTEGER PRIMARY KEY, gateway TEXT NOT NULL, online INTEGER NOT NULL,
                    at INTEGER NOT NULL, received_at INTEGER NOT NULL);
                """)
        }
        return m
    }
}
