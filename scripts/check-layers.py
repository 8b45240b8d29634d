#!/usr/bin/env python3
"""Checks the module graph in two steps, so the layers hold by declaration, not by name:

1. Every `import` of a package module (one of ours or a dependency's product) is declared as a
   dependency of its target in Package.swift (`swift package dump-package`). SwiftPM puts every
   module of the build on the search path, so an undeclared import compiles; this step fails it.
2. Every dependency Package.swift declares is one its layer may have (LAYERS below, the graph
   of docs/architecture.md): the vocabulary at the bottom, pure cores above it, edges (files,
   MQTT, storage, HTTP) above those, commands on top; engines (GRDB, libmosquitto, Hummingbird)
   only in the edge that owns them; test helpers never in the shipped binary.
3. No `@testable import` outside test targets: a regular target (TestSupport) is built by
   `swift build -c release`, where modules are not compiled for testing, so one such import
   breaks the release build that the demo runs.

Usage: scripts/check-layers.py [PACKAGE_DUMP_JSON]   (default: runs `swift package dump-package`)
"""
import json, os, re, subprocess, sys

# Modules of ours: which of ours each may depend on. `Tests` targets may use anything but are
# listed so that a new target cannot slip in without a layer.
VOCABULARY = {"Domain": [], "Source": [], "BrokerProcess": [], "CMosquitto": [], "WebConsole": []}
LAYERS = {
    **VOCABULARY,
    "Records": ["Domain"],
    "DeviceCatalog": ["Domain", "Source"],
    "Ingest": ["Domain", "DeviceCatalog"],
    "Inspection": ["Domain", "Source", "DeviceCatalog"],
    "Rules": ["Domain", "Source", "DeviceCatalog", "Ingest"],
    "Maintenance": ["Domain", "DeviceCatalog", "Ingest", "Rules", "Inspection"],
    "Risk": ["Domain", "Source", "DeviceCatalog", "Ingest", "Inspection"],
    "Settings": ["Domain", "Source", "DeviceCatalog"],
    "Presentation": ["Domain", "Records"],
    "Storage": ["Domain", "Records"],
    "PostgresStorage": ["Domain", "Records"],
    "MQTT": ["CMosquitto"],
    "SourceFiles": ["Domain", "Source", "DeviceCatalog", "Rules", "Risk", "Settings", "Inspection"],
    "Simulation": ["Domain", "DeviceCatalog", "Ingest", "MQTT"],
    "Services": ["Domain", "Records", "Presentation", "Source", "SourceFiles", "DeviceCatalog", "Ingest", "Rules",
                 "Inspection", "Maintenance", "Risk", "Settings"],
    "Pipeline": ["Domain", "Records", "Storage", "Services", "Source", "SourceFiles", "DeviceCatalog", "Ingest", "Rules",
                 "Inspection", "Maintenance", "Risk", "Settings", "MQTT"],
    "Cluster": ["Domain", "Records", "Services", "Pipeline", "MQTT", "Settings", "Ingest", "Rules", "Risk", "Inspection",
                "DeviceCatalog"],
    "Replay": ["Domain", "Records", "DeviceCatalog", "Ingest", "Rules"],
    "HTTPAPI": ["Domain", "Records", "Presentation", "Services", "Settings", "DeviceCatalog", "Maintenance",
                "Inspection", "WebConsole"],
    "Bench": ["Domain", "Records", "Storage", "Services", "Source", "SourceFiles", "DeviceCatalog", "Ingest", "Rules",
              "Maintenance", "Risk", "Settings", "MQTT", "Pipeline", "Simulation", "BrokerProcess", "HTTPAPI", "Inspection"],
    "Commands": ["Domain", "Records", "Presentation", "Storage", "PostgresStorage", "Services", "Source", "SourceFiles", "DeviceCatalog",
                 "Ingest", "Rules", "Inspection", "Maintenance", "Risk", "Settings", "MQTT", "Pipeline", "Simulation",
                 "Replay", "Bench", "HTTPAPI", "Cluster"],
    "EquipWatchCLI": ["Commands"],
    "StageWorkload": ["Domain", "Records", "DeviceCatalog", "SourceFiles", "Ingest", "Rules", "Maintenance", "Storage",
                      "Simulation"],
    "StageCost": ["StageWorkload"],
    "StageInstructions": ["StageWorkload"],
}
# Engines and the only modules of ours that may touch them (tests aside).
ENGINES = {
    "GRDB": {"Storage", "Bench"},
    "GRDBSQLite": {"Storage"},
    "PostgresNIO": {"PostgresStorage"},
    "NIOSSL": {"PostgresStorage"},
    "CMosquitto": {"MQTT"},
    "Hummingbird": {"HTTPAPI"},
    "Prometheus": {"HTTPAPI"},
    "ArgumentParser": {"Commands"},
    "Benchmark": {"StageCost"},
}
# Modules a declared product brings with it (GRDB's product carries its SQLite module).
PROVIDES = {"GRDB": {"GRDBSQLite"}}
# Modules of the toolchain: importable without a declaration.
TOOLCHAIN = {"Foundation", "FoundationEssentials", "FoundationNetworking", "Dispatch", "Glibc", "Musl", "Darwin",
             "Synchronization", "Testing", "XCTest", "os", "_Concurrency", "Observation", "CryptoKit"}
IMPORT = re.compile(r'^\s*(?:@[A-Za-z_]+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|fileprivate|private)\s+)?import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?([A-Za-z_][A-Za-z0-9_]*)')


def main() -> int:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.chdir(root)
    if len(sys.argv) > 1:
        dump = json.load(open(sys.argv[1]))
    else:
        dump = json.loads(subprocess.run(["swift", "package", "dump-package"], check=True, capture_output=True, text=True).stdout)
    targets = {}
    for t in dump["targets"]:
        deps = set()
        for d in t["dependencies"]:
            for kind in ("byName", "product", "target"):
                if kind in d:
                    deps.add(d[kind][0])
        default = "Tests" if t["type"] == "test" else "Sources"
        targets[t["name"]] = (t["type"], t.get("path") or f"{default}/{t['name']}", deps)
    ours = set(targets)
    problems = []
    for name, (kind, path, deps) in sorted(targets.items()):
        testing = kind == "test" or path.startswith("Tests/")
        if not testing and name not in LAYERS:
            problems.append(f"{name} has no layer in scripts/check-layers.py; add it")
            continue
        if not testing:
            for d in sorted(deps & ours):
                if d not in LAYERS[name]:
                    problems.append(f"Package.swift: {name} depends on {d}, which its layer must not see")
        for d in sorted(deps):
            if d in ENGINES and name not in ENGINES[d] and not testing:
                problems.append(f"Package.swift: {name} depends on {d}; only {', '.join(sorted(ENGINES[d]))} may")
        if not os.path.isdir(path):
            continue
        for dirpath, _, files in os.walk(path):
            for f in sorted(files):
                if not f.endswith(".swift"):
                    continue
                file = os.path.join(dirpath, f)
                for number, line in enumerate(open(file, encoding="utf-8"), 1):
                    m = IMPORT.match(line)
                    if not m:
                        continue
                    module = m.group(1)
                    if kind != "test" and line.lstrip().startswith("@testable"):
                        problems.append(f"{file}:{number}: @testable import {module} in {name}, a regular target: a release build fails on it")
                    if module == name or module in TOOLCHAIN:
                        continue
                    if module not in deps and not any(module in PROVIDES.get(d, ()) for d in deps):
                        problems.append(f"{file}:{number}: imports {module}, which Package.swift does not declare for {name}")
    for p in problems:
        print("check-layers: " + p, file=sys.stderr)
    if not problems:
        print("check-layers: every import is declared and every declaration follows the layers")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
