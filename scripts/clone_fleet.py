#!/usr/bin/env python3
"""Clones the sample fleet to about N devices, for measuring EquipWatch at scale (docs/design.md,
"Memory at 100 k devices, cloned from the sample").

Every device of Devices/fleet/tianjin.yaml is copied with all its attributes, inspection dates,
site, owner and firm; a copy's id is the original's with a three-digit copy number appended
(so its category and region digits stay true). The gateways are copied to about --gateways in all,
copy K of a device reporting through copy K mod G of its gateway, and every filling station is
copied with its gateways, so that cylinders still fill at a licensed station. Unlike
`gen_fleet.py --devices`, which draws new devices per site, a clone keeps the sample's mix of
types, attributes and dates exactly: the registry a production city of this size resembles.

    python3 scripts/clone_fleet.py --devices 100000 --gateways 1000 < Devices/fleet/tianjin.yaml > /tmp/big/Devices/fleet/tianjin.yaml
"""
import math
import re
import sys


def arg(name, default):
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


wanted = arg("--devices", 100_000)
wanted_gateways = arg("--gateways", 1_000)
lines = sys.stdin.read().split("\n")

section = None
head, gateways, stations, devices = [], [], [], []
for line in lines:
    m = re.match(r"^([a-z_]+):\s*$", line)
    if m:
        section = m.group(1)
        if section not in ("gateways", "stations", "devices"):
            head.append(line)
        continue
    if section == "gateways":
        if line.startswith("  - "):
            gateways.append(line)
    elif section == "stations":
        if line.startswith("  - "):
            stations.append(line)
        elif line.startswith("     ") and stations:
            stations[-1] += "\n" + line
    elif section == "devices":
        if line.startswith("  - "):
            devices.append(line)
    else:
        head.append(line)

copies = math.ceil(wanted / len(devices))
gateway_copies = max(1, math.ceil(wanted_gateways / len(gateways)))
gateway_ids = [re.search(r"id: ([^,}]+)", g).group(1) for g in gateways]


def gateway_copy(gid, k):
    return f"{gid}-c{k}"


out = list(head)
while out and not out[-1].strip():
    out.pop()
out.append("gateways:")
for k in range(gateway_copies):
    for g, gid in zip(gateways, gateway_ids):
        out.append(g.replace(f"id: {gid},", f"id: {gateway_copy(gid, k)},", 1))
out.append("")
out.append("stations:")
for k in range(gateway_copies):
    for s in stations:
        sid = re.search(r"id: ([^,}]+)", s).group(1)
        copy = s.replace(f"id: {sid},", f"id: {sid}-c{k},", 1)
        copy = re.sub(r"gateways: \[([^\]]*)\]",
                      lambda m: "gateways: [" + ", ".join(gateway_copy(g.strip(), k) for g in m.group(1).split(",")) + "]", copy)
        out.append(copy)
out.append("")
out.append("devices:")
made = 0
for c in range(copies):
    k = c % gateway_copies
    for d in devices:
        if made == wanted:
            break
        did = re.search(r'id: "([^"]+)"', d).group(1)
        gid = re.search(r"gateway: ([^,}]+)", d).group(1)
        copy = d.replace(f'id: "{did}"', f'id: "{did}{c:03d}"', 1).replace(f"gateway: {gid},", f"gateway: {gateway_copy(gid, k)},", 1)
        out.append(copy)
        made += 1
print("\n".join(out))
print(f"# {made} devices cloned from {len(devices)}, {gateway_copies * len(gateways)} gateways, "
      f"{gateway_copies * len(stations)} stations", file=sys.stderr)
