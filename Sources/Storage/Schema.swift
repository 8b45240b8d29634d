import Domain
import Records
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
        m.registerMigration("v2-rules-alarms-incidents") { db in
            try db.execute(sql: """
                CREATE TABLE alarms(
                    id INTEGER PRIMARY KEY,    -- allocated by the rule engine
                    device_num INTEGER NOT NULL, type TEXT NOT NULL,
                    rule TEXT NOT NULL, family TEXT NOT NULL,
                    pack TEXT NOT NULL,        -- content hash of the rule's pack file (rule_packs)
                    severity TEXT NOT NULL, state TEXT NOT NULL,   -- pending | firing | resolved
                    started_at INTEGER NOT NULL, fired_at INTEGER, resolved_at INTEGER,
                    repeats INTEGER NOT NULL DEFAULT 0, last_at INTEGER NOT NULL,
                    message TEXT NOT NULL, inputs TEXT NOT NULL, incident_id INTEGER,
                    acked_by TEXT, acked_at INTEGER);
                CREATE INDEX alarms_device ON alarms(device_num, started_at);
                CREATE INDEX alarms_open ON alarms(state) WHERE state != 'resolved';
                CREATE INDEX alarms_fired ON alarms(fired_at);
                CREATE TABLE incidents(
                    id INTEGER PRIMARY KEY, alarm_id INTEGER NOT NULL, device_num INTEGER NOT NULL,
                    type TEXT NOT NULL, site TEXT NOT NULL, rule TEXT NOT NULL, pack TEXT NOT NULL,
                    severity TEXT NOT NULL, status TEXT NOT NULL,   -- open | resolved
                    opened_at INTEGER NOT NULL, resolved_at INTEGER, title TEXT NOT NULL, inputs TEXT NOT NULL);
                CREATE INDEX incidents_opened ON incidents(opened_at);
                CREATE TABLE incident_timeline(
                    id INTEGER PRIMARY KEY, incident_id INTEGER NOT NULL, at INTEGER NOT NULL,
                    kind TEXT NOT NULL, detail TEXT NOT NULL);
                CREATE INDEX incident_timeline_incident ON incident_timeline(incident_id, at);
                CREATE TABLE rule_state(
                    device_num INTEGER PRIMARY KEY NOT NULL, state BLOB NOT NULL, updated_at INTEGER NOT NULL);
                CREATE TABLE rule_layouts(hash TEXT PRIMARY KEY NOT NULL, type TEXT NOT NULL, layout TEXT NOT NULL);
                CREATE TABLE rule_packs(
                    hash TEXT PRIMARY KEY NOT NULL, file TEXT NOT NULL, rules INTEGER NOT NULL,
                    content TEXT NOT NULL, first_loaded_at INTEGER NOT NULL);
                -- Outbound MQTT messages (alarm feed, notices), written in the transaction that
                -- decided them and deleted once the broker acknowledged them: never lost.
                CREATE TABLE outbox(
                    id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, payload TEXT NOT NULL, created_at INTEGER NOT NULL);
                """)
        }
        m.registerMigration("v3-maintenance-notices-risk") { db in
            try db.execute(sql: """
                -- Notices to maintenance firms (SPEC §3). `key` makes each decision once-only.
                CREATE TABLE notices(
                    id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, device_num INTEGER NOT NULL,
                    firm TEXT NOT NULL, type TEXT NOT NULL,
                    kind TEXT NOT NULL,        -- maintenance_due | maintenance_overdue | fault_followup | regime_changed | risk_red
                    trigger TEXT NOT NULL, reason TEXT NOT NULL, due_by INTEGER, created_at INTEGER NOT NULL,
                    status TEXT NOT NULL DEFAULT 'open',   -- open | acked | closed
                    acked_by TEXT, acked_at INTEGER, closed_at INTEGER, closed_by_record INTEGER,
                    detail TEXT NOT NULL);
                CREATE INDEX notices_firm ON notices(firm, status, id);
                CREATE INDEX notices_device ON notices(device_num, status);
                -- Completed maintenance as reported by the firm; kept (the law asks for 4 years).
                CREATE TABLE maintenance_records(
                    id INTEGER PRIMARY KEY, device_num INTEGER NOT NULL, firm TEXT NOT NULL,
                    done_at INTEGER NOT NULL, items TEXT NOT NULL,
                    source TEXT NOT NULL,      -- cli | mqtt | api
                    reported_at INTEGER NOT NULL,
                    applied_at INTEGER,        -- when the planner began the new cycle from it
                    baseline TEXT);            -- counter values that became the new baseline
                CREATE INDEX maintenance_records_device ON maintenance_records(device_num, done_at);
                CREATE INDEX maintenance_records_unapplied ON maintenance_records(id) WHERE applied_at IS NULL;
                CREATE TABLE maintenance_state(
                    device_num INTEGER PRIMARY KEY NOT NULL, state TEXT NOT NULL, updated_at INTEGER NOT NULL);
                -- Risk grades (SPEC §10): the current one per device, and every change.
                CREATE TABLE device_risk(
                    device_num INTEGER PRIMARY KEY NOT NULL, grade TEXT NOT NULL, score REAL NOT NULL,
                    likelihood REAL NOT NULL, exposure REAL NOT NULL, consequence REAL NOT NULL,
                    factors TEXT NOT NULL, model TEXT NOT NULL, computed_at INTEGER NOT NULL, since INTEGER NOT NULL);
                CREATE INDEX device_risk_grade ON device_risk(grade);
                CREATE TABLE risk_grades(
                    id INTEGER PRIMARY KEY, device_num INTEGER NOT NULL, at INTEGER NOT NULL,
                    grade TEXT NOT NULL, previous TEXT, score REAL NOT NULL,
                    likelihood REAL NOT NULL, exposure REAL NOT NULL, consequence REAL NOT NULL,
                    factors TEXT NOT NULL, model TEXT NOT NULL);
                CREATE INDEX risk_grades_device ON risk_grades(device_num, at);
                """)
        }
        m.registerMigration("v4-retention") { db in
            try db.execute(sql: """
                -- Hourly aggregates of readings older than the raw retention (SPEC §14), per numeric
                -- field: kept for years. `hour` is the epoch ms at the start of the hour (UTC).
                CREATE TABLE reading_aggregates(
                    device_num INTEGER NOT NULL, hour INTEGER NOT NULL, field TEXT NOT NULL,
                    count INTEGER NOT NULL, min REAL NOT NULL, max REAL NOT NULL, sum REAL NOT NULL,
                    last REAL NOT NULL, last_ts INTEGER NOT NULL,
                    PRIMARY KEY (device_num, hour, field)) WITHOUT ROWID;
                -- Raw readings around an incident, kept with it as evidence when the rest is pruned.
                CREATE TABLE incident_evidence(
                    incident_id INTEGER NOT NULL, reading_id INTEGER NOT NULL, device_num INTEGER NOT NULL,
                    ts INTEGER NOT NULL, seq INTEGER, received_at INTEGER NOT NULL, data TEXT NOT NULL,
                    PRIMARY KEY (incident_id, reading_id)) WITHOUT ROWID;
                CREATE INDEX incidents_device ON incidents(device_num, opened_at);
                """)
        }
        m.registerMigration("v5-api-tokens") { db in
            try db.execute(sql: """
                -- API tokens (SPEC §7): only the SHA-256 of each token is kept.
                CREATE TABLE api_tokens(
                    id INTEGER PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,
                    hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL, expires_at INTEGER, revoked_at INTEGER);
                -- Keyset pages of alarms and notices by firm.
                CREATE INDEX alarms_started ON alarms(started_at, id);
                CREATE INDEX devices_firm ON devices(firm);
                CREATE INDEX devices_owner ON devices(owner);
                """)
        }
        m.registerMigration("v6-changes") { db in
            try db.execute(sql: """
                -- What the live stream (`/v1/stream`) sends: alarm changes, notices and grade changes,
                -- written in the transaction of the change itself, with the device's firm and owner for
                -- scope. Kept for a week (a client resumes with Last-Event-ID).
                CREATE TABLE changes(
                    id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, kind TEXT NOT NULL,
                    device_num INTEGER NOT NULL, firm TEXT NOT NULL, owner TEXT NOT NULL, payload TEXT NOT NULL);
                CREATE INDEX changes_at ON changes(at);
                """)
        }
        m.registerMigration("v7-owners") { db in
            try db.execute(sql: """
                -- Owners (使用单位) with ids and names; devices.owner holds the id. Stores written
                -- before owners had ids hold names there until the fleet is imported again.
                CREATE TABLE owners(id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL);
                """)
        }
        m.registerMigration("v8-inspections-compliance-rescues") { db in
            try db.execute(sql: """
                -- Statutory inspection results (SPEC §12). The registry's last_inspections are
                -- seeded as passing records (source 'registry'); due dates come from these rows.
                CREATE TABLE inspections(
                    id INTEGER PRIMARY KEY, device_num INTEGER NOT NULL, kind TEXT NOT NULL,
                    date TEXT NOT NULL,        -- YYYY-MM-DD
                    result TEXT NOT NULL,      -- pass | fail
                    grade INTEGER, inspector TEXT, organisation TEXT, report_no TEXT,
                    source TEXT NOT NULL,      -- registry | cli | api
                    recorded_by TEXT NOT NULL, recorded_at INTEGER NOT NULL,
                    due_before TEXT);           -- the kind's due date when recorded: on time if date <= it
                CREATE INDEX inspections_device ON inspections(device_num, kind, date);
                INSERT INTO inspections(device_num, kind, date, result, source, recorded_by, recorded_at)
                    SELECT d.num, j.key, j.value, 'pass', 'registry', 'registry', d.updated_at
                    FROM devices d, json_each(d.last_inspections) j;
                -- Devices that must not be used now, with the reason (one row while it lasts).
                CREATE TABLE device_compliance(
                    device_num INTEGER PRIMARY KEY NOT NULL, reason_key TEXT NOT NULL, reason TEXT NOT NULL,
                    kind TEXT NOT NULL, since TEXT, updated_at INTEGER NOT NULL);
                -- The rescue clock of each trapped-passenger alarm: deadline, on-site acknowledgement,
                -- resolution and escalation, for the response statistics.
                CREATE TABLE rescues(
                    alarm_id INTEGER PRIMARY KEY NOT NULL, device_num INTEGER NOT NULL, firm TEXT NOT NULL,
                    fired_at INTEGER NOT NULL, deadline_at INTEGER NOT NULL, within_ms INTEGER NOT NULL,
                    notice_id INTEGER, on_site_at INTEGER, on_site_by TEXT, resolved_at INTEGER, escalated_at INTEGER);
                CREATE INDEX rescues_open ON rescues(deadline_at) WHERE resolved_at IS NULL AND on_site_at IS NULL AND escalated_at IS NULL;
                CREATE INDEX rescues_fired ON rescues(fired_at);
                ALTER TABLE sites ADD COLUMN rescue_within TEXT;
                """)
        }
        m.registerMigration("v9-hazards") { db in
            try db.execute(sql: """
                -- Major hazards (GB 45067-2024) raised by rules marked `hazard: true`: the device
                -- must not be used until the hazard is closed (v14: closed_at; cleared_* are the
                -- earlier rule's, no longer written).
                CREATE TABLE device_hazards(
                    id INTEGER PRIMARY KEY, device_num INTEGER NOT NULL, rule TEXT NOT NULL,
                    alarm_id INTEGER NOT NULL UNIQUE, raised_at INTEGER NOT NULL,
                    cleared_at INTEGER, cleared_by_record INTEGER);
                CREATE INDEX device_hazards_open ON device_hazards(device_num) WHERE cleared_by_record IS NULL;
                """)
        }
        m.registerMigration("v10-stations") { db in
            try db.execute(sql: """
                -- Licensed gas cylinder filling stations: any of their gateways may report fills of a
                -- registered cylinder (traceability). gases and gateways are JSON arrays.
                CREATE TABLE stations(
                    id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, site TEXT NOT NULL, licence TEXT NOT NULL,
                    gases TEXT NOT NULL, gateways TEXT NOT NULL, firm TEXT NOT NULL);
                """)
        }
        m.registerMigration("v11-maintenance-tiers") { db in
            // The item tiers (TSG T5002-2017) a completed maintenance covered, a JSON array.
            try db.execute(sql: "ALTER TABLE maintenance_records ADD COLUMN tiers TEXT NOT NULL DEFAULT '[]'")
        }
        m.registerMigration("v12-registry-source") { db in
            // The content hash of the registry files `run` last imported (and when), so a restart
            // with unchanged files loads the registry from here without parsing them again.
            try db.execute(sql: "CREATE TABLE registry_source(id INTEGER PRIMARY KEY CHECK (id = 1), hash TEXT NOT NULL, imported_at INTEGER NOT NULL)")
        }
        m.registerMigration("v13-batch-readings") { db in
            try db.execute(sql: """
                -- One row for the readings of a device that one commit writes (ReadingRows): ts is
                -- the latest reading, ts_first the earliest, elements their count, data a JSON array
                -- of {ts, seq, [received_at,] data}. NULL for a row of one reading.
                ALTER TABLE readings ADD COLUMN ts_first INTEGER;
                ALTER TABLE readings ADD COLUMN elements INTEGER;
                -- Rows of several readings only: a page or range that ends inside one finds it
                -- without reading the single rows after its end.
                CREATE INDEX readings_grouped ON readings(device_num, ts) WHERE elements IS NOT NULL;
                -- Every reading on a row of its own, for SQL by hand (a grouped reading's data is
                -- SQLite's minified copy; the API and replay give the bytes as sent).
                CREATE VIEW readings_flat AS
                    SELECT id, device_num, ts, seq, received_at, data FROM readings WHERE elements IS NULL
                    UNION ALL
                    SELECT r.id - r.elements + 1 + j.key, r.device_num, json_extract(j.value, '$.ts'),
                           json_extract(j.value, '$.seq'), COALESCE(json_extract(j.value, '$.received_at'), r.received_at),
                           json_extract(j.value, '$.data')
                    FROM readings r, json_each(r.data) j WHERE r.elements IS NOT NULL;
                """)
        }
        m.registerMigration("v14-hazard-closure") { db in
            try db.execute(sql: """
                -- A major hazard is lifted only by its closure (销号): an inspection body or the
                -- supervisor verifies and closes it, with who, which organisation and when. The
                -- firm's rectification and the owner's confirmation are steps on its timeline.
                ALTER TABLE device_hazards ADD COLUMN closed_at INTEGER;
                ALTER TABLE device_hazards ADD COLUMN closed_by TEXT;
                ALTER TABLE device_hazards ADD COLUMN closed_organisation TEXT;
                ALTER TABLE device_hazards ADD COLUMN closed_note TEXT;
                CREATE TABLE hazard_steps(
                    id INTEGER PRIMARY KEY, hazard_id INTEGER NOT NULL REFERENCES device_hazards(id),
                    step TEXT NOT NULL,          -- rectified | confirmed | closed | maintenance
                    party TEXT NOT NULL,         -- the firm's or owner's id, or 'supervisor'
                    by TEXT NOT NULL, organisation TEXT, note TEXT,
                    record_id INTEGER,           -- the maintenance record of a 'maintenance' step
                    at INTEGER NOT NULL);
                CREATE INDEX hazard_steps_hazard ON hazard_steps(hazard_id, id);
                -- Before closure any later maintenance record lifted a hazard (cleared_by_record).
                -- That record is kept on the timeline, and the hazard is open again: nobody named
                -- in the regulations has verified it.
                INSERT INTO hazard_steps(hazard_id, step, party, by, record_id, at)
                    SELECT h.id, 'maintenance', r.firm, r.firm, r.id, h.cleared_at
                    FROM device_hazards h JOIN maintenance_records r ON r.id = h.cleared_by_record;
                DROP INDEX device_hazards_open;
                CREATE INDEX device_hazards_open ON device_hazards(device_num) WHERE closed_at IS NULL;
                """)
        }
        m.registerMigration("v15-site-districts") { db in
            try db.execute(sql: """
                -- The county-level division a site lies in (GB/T 2260 code) and its level
                -- (district, county, county_level_city): the rescue deadline follows from it.
                ALTER TABLE sites ADD COLUMN district TEXT;
                ALTER TABLE sites ADD COLUMN district_level TEXT;
                """)
        }
        m.registerMigration("v16-names-in-chinese") { db in
            try db.execute(sql: """
                -- Names in Chinese beside the registry's names, for readers in Chinese.
                ALTER TABLE firms ADD COLUMN name_zh TEXT;
                ALTER TABLE owners ADD COLUMN name_zh TEXT;
                ALTER TABLE sites ADD COLUMN name_zh TEXT;
                """)
        }
        m.registerMigration("v17-prose-in-chinese") { db in
            try db.execute(sql: """
                -- Sentences for people are decided once, in English and in Chinese: an alarm's
                -- message (its rule's message_zh) and its incident's title, a notice's reason
                -- (with its code and parameters), a must-not-use reason. Rows written before
                -- have no Chinese: readers in Chinese get the English text for them.
                ALTER TABLE alarms ADD COLUMN message_zh TEXT;
                ALTER TABLE incidents ADD COLUMN title_zh TEXT;
                ALTER TABLE notices ADD COLUMN reason_zh TEXT;
                ALTER TABLE notices ADD COLUMN reason_code TEXT;
                ALTER TABLE notices ADD COLUMN reason_parameters TEXT;
                ALTER TABLE device_compliance ADD COLUMN reason_zh TEXT;
                """)
        }
        m.registerMigration("v18-pipeline-outages") { db in
            try db.execute(sql: """
                -- Spans in which the pipeline itself was not receiving (its broker connection down,
                -- its store failing, its backlog older than rules.outage_grace): silence then is
                -- not counted against devices, and supervisors see the outage here, once.
                CREATE TABLE pipeline_outages(
                    id INTEGER PRIMARY KEY, cause TEXT NOT NULL, started_at INTEGER NOT NULL, ended_at INTEGER,
                    UNIQUE(cause, started_at));
                """)
        }
        m.registerMigration("v19-dead-letter-hashes") { db in
            try db.execute(sql: """
                -- A dead letter keeps the first ingest.dead_letter_payload_cap bytes of its payload;
                -- beyond that, the SHA-256 of the whole. Dead letters are pruned after
                -- retention.dead_letters (30 d), by their received_at index.
                ALTER TABLE dead_letters ADD COLUMN payload_sha256 TEXT;
                """)
        }
        m.registerMigration("v20-accidents") { db in
            try db.execute(sql: """
                -- Special-equipment accidents (特种设备事故): recorded by owners and supervisors, or
                -- proposed by EquipWatch when a trapped-passenger alarm stays open past the
                -- held-for limit (Rules/accidents.yaml); once per alarm. The first device decides
                -- scope; accident_devices lists every device, in the order named.
                CREATE TABLE accidents(
                    id INTEGER PRIMARY KEY, device_num INTEGER NOT NULL, occurred_at INTEGER NOT NULL, place TEXT,
                    deaths INTEGER NOT NULL, serious_injuries INTEGER NOT NULL, loss_cny INTEGER NOT NULL,
                    special_case TEXT, summary TEXT, class TEXT NOT NULL, status TEXT NOT NULL,
                    report_due_at INTEGER NOT NULL, reported_at INTEGER, reported_by TEXT,
                    alarm_id INTEGER UNIQUE, incident_id INTEGER, cause TEXT, findings TEXT,
                    recorded_by TEXT NOT NULL, recorded_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
                CREATE INDEX accidents_occurred ON accidents(occurred_at);
                CREATE INDEX accidents_device ON accidents(device_num);
                CREATE TABLE accident_devices(
                    accident_id INTEGER NOT NULL, position INTEGER NOT NULL, device_num INTEGER NOT NULL,
                    PRIMARY KEY (accident_id, position));
                CREATE INDEX accident_devices_device ON accident_devices(device_num);
                """)
        }
        m.registerMigration("v21-audit-chain") { db in
            try db.execute(sql: """
                -- The evidence chain (docs/operations.md, "Evidence"): incident timeline entries,
                -- incident evidence readings and accident versions, each hashed into audit_chain
                -- (each entry's hash covers the previous one's); audit_seq names the entry that
                -- sealed the row (NULL: not sealed yet). The head at the end of each day is kept.
                CREATE TABLE audit_chain(
                    seq INTEGER PRIMARY KEY, source TEXT NOT NULL, ref TEXT NOT NULL, content_hash TEXT NOT NULL,
                    prev_hash TEXT NOT NULL, hash TEXT NOT NULL, sealed_at INTEGER NOT NULL);
                CREATE INDEX audit_chain_ref ON audit_chain(source, ref);
                CREATE TABLE audit_heads(day TEXT PRIMARY KEY, seq INTEGER NOT NULL, hash TEXT NOT NULL, at INTEGER NOT NULL);
                ALTER TABLE incident_timeline ADD COLUMN audit_seq INTEGER;
                ALTER TABLE incident_evidence ADD COLUMN audit_seq INTEGER;
                ALTER TABLE accidents ADD COLUMN audit_seq INTEGER;
                CREATE INDEX incident_timeline_unsealed ON incident_timeline(id) WHERE audit_seq IS NULL;
                CREATE INDEX incident_evidence_unsealed ON incident_evidence(incident_id, reading_id) WHERE audit_seq IS NULL;
                CREATE INDEX incident_evidence_sealed ON incident_evidence(audit_seq);
                CREATE INDEX incident_timeline_sealed ON incident_timeline(audit_seq);
                CREATE INDEX accidents_sealed ON accidents(audit_seq);
                """)
        }
        m.registerMigration("v22-people") { db in
            try db.execute(sql: """
                -- Workers' certificates (特种设备作业人员证, TSG Z6001-2019) and liability insurance
                -- policies (docs/people.md). No national ID numbers: the certificate number names
                -- the holder. `employer` is `firm:ID` or `owner:ID`; a policy without a device
                -- covers the owner's devices of `types` (ids separated by spaces).
                CREATE TABLE certificates(
                    number TEXT PRIMARY KEY, holder TEXT NOT NULL, item TEXT NOT NULL, issued TEXT NOT NULL,
                    valid_until TEXT NOT NULL, authority TEXT NOT NULL, employer TEXT NOT NULL,
                    updated_by TEXT NOT NULL, updated_at INTEGER NOT NULL);
                CREATE INDEX certificates_employer ON certificates(employer);
                CREATE TABLE insurance_policies(
                    number TEXT PRIMARY KEY, insurer TEXT NOT NULL, owner TEXT NOT NULL, device TEXT, types TEXT NOT NULL,
                    cover_cny INTEGER NOT NULL, valid_from TEXT NOT NULL, valid_to TEXT NOT NULL,
                    updated_by TEXT NOT NULL, updated_at INTEGER NOT NULL);
                CREATE INDEX insurance_policies_owner ON insurance_policies(owner);
                -- Expiry reminders sent (once per certificate or policy and expiry date).
                CREATE TABLE people_reminders(key TEXT PRIMARY KEY, sent_at INTEGER NOT NULL);
                ALTER TABLE maintenance_records ADD COLUMN worker_cert TEXT;
                -- The owner's routine (SAMR Order 74): its named staff, and the daily, weekly and monthly
                -- records, each for one period (a day, an ISO week 2026-W49, a month 2026-12).
                CREATE TABLE owner_staff(
                    owner TEXT NOT NULL, role TEXT NOT NULL, name TEXT NOT NULL, certificate TEXT, since TEXT NOT NULL,
                    recorded_by TEXT NOT NULL, recorded_at INTEGER NOT NULL, PRIMARY KEY (owner, role, name));
                CREATE TABLE routine_records(
                    id INTEGER PRIMARY KEY, owner TEXT NOT NULL, kind TEXT NOT NULL, period TEXT NOT NULL,
                    device_num INTEGER, site TEXT, by_name TEXT NOT NULL, findings TEXT NOT NULL, hazards INTEGER NOT NULL,
                    recorded_by TEXT NOT NULL, recorded_at INTEGER NOT NULL);
                CREATE INDEX routine_records_period ON routine_records(owner, kind, period);
                """)
        }
        return m
    }
}
