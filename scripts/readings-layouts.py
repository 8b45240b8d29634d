#!/usr/bin/env python3
"""Per-row cost of ways to store readings, on the same libsqlite3 the pipeline links.

Writes N readings from D devices (round robin, one a second each, as gateways send them) in
commits of C rows with WAL and synchronous=NORMAL, then times the query the API and replay
run (one device's readings over a five-minute window). Prints rows/s (readings/s for the
batch layout), query time and file size per layout. Python's own per-row overhead is the
same for every layout, so read the ratios, not the absolute rates.

usage: scripts/readings-layouts.py [N] [D] [C]     (defaults 400000 327 1500)
"""
import os, sqlite3, sys, tempfile, time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 400_000
DEV = int(sys.argv[2]) if len(sys.argv) > 2 else 327
PER = int(sys.argv[3]) if len(sys.argv) > 3 else 1500
DATA = '{"load_kg":320.5,"door_state":"closed","speed_mps":1.52,"floor":7,"runs":123456,"door_cycles":234567,"car_occupied":true}'
BINARY = os.urandom(60)  # what a compact binary record of the same values would take
T0 = 1_700_000_000_000
work = tempfile.mkdtemp(prefix="ew-layouts-")


def run(name, ddl, insert, pragmas=(), value=DATA, per_row=1, query=None):
    path = os.path.join(work, "t.sqlite")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("pragma journal_mode=wal")
    c.execute("pragma synchronous=normal")
    for p in pragmas:
        c.execute(p)
    for d in ddl:
        c.execute(d)
    started = time.perf_counter()
    i = 0
    while i < N:
        c.execute("begin")
        rows = []
        for _ in range(PER // per_row):
            dev = (i // per_row) % DEV + 1
            ts = T0 + (i // (DEV * per_row)) * 1000 * per_row
            rows.append((dev, ts, i, ts + 5, value))
            i += per_row
        c.executemany(insert, rows)
        c.execute("commit")
    seconds = time.perf_counter() - started
    q0 = time.perf_counter()
    for d in range(1, 101):
        c.execute(query or "select ts, data from r where device_num = ? and ts between ? and ? order by ts",
                  (d, T0 + 100_000, T0 + 400_000)).fetchall()
    q = (time.perf_counter() - q0) / 100
    size = sum(os.path.getsize(path + s) for s in ("", "-wal") if os.path.exists(path + s))
    print(f"{name:52s} {N / seconds:9.0f} readings/s   query {q * 1e6:6.0f} us   {size / 1e6:6.1f} MB", flush=True)
    c.close()


rowid = ["create table r(id integer primary key, device_num int not null, ts int not null, seq int, received_at int not null, data text not null)",
         "create index r_dt on r(device_num, ts)"]
without = ["create table r(device_num int not null, ts int not null, seq int not null, received_at int not null, data not null, primary key(device_num, ts, seq)) without rowid"]
insert = "insert into r(device_num, ts, seq, received_at, data) values (?,?,?,?,?)"
print(f"{N} readings, {DEV} devices, {PER} rows per commit, WAL, synchronous=NORMAL")
run("today: rowid + (device_num, ts) index, JSON text", rowid, insert)
run("WITHOUT ROWID keyed (device_num, ts, seq), JSON", without, insert)
run("rowid + index, compact binary values (60 B)", rowid, insert, value=BINARY)
run("WITHOUT ROWID, compact binary values", without, insert, value=BINARY)
run("one row per gateway batch of 10 (rowid + index)", rowid, insert, value="[" + ",".join([DATA] * 10) + "]", per_row=10)
run("today's layout, no checkpoint on the writer", rowid, insert, ["pragma wal_autocheckpoint=0"])
run("no index at all (append only; queries scan)", rowid[:1], insert)
