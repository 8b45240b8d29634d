#!/usr/bin/env python3
"""Generates Devices/fleet/tianjin.yaml, the sample fleet (deterministic: fixed seed).

Run again after changing it: python3 scripts/gen_fleet.py > Devices/fleet/tianjin.yaml

--devices N scales every site's equipment to about N devices in all (one gateway per 100
devices of a site), for measuring EquipWatch at scale (docs/design.md: 100 k devices):
python3 scripts/gen_fleet.py --devices 100000 > /tmp/big/Devices/fleet/tianjin.yaml
"""
import math
import random
import sys
from datetime import date, timedelta

random.seed(20261125)
TODAY = date(2026, 11, 25)

# Names in Chinese (the console shows them to readers in Chinese).
NAME_ZH = {
    "firm-haihe": "海河电梯维保有限公司",
    "firm-binhai": "滨海特种设备服务有限公司",
    "firm-jinnan": "津南锅炉压力容器维护有限公司",
    "firm-heping": "和平电梯服务有限公司",
    "site-nankai-school": "南开第三中学",
    "site-hexi-kinder": "河西阳光幼儿园",
    "site-tianjin-hospital": "天津市人民医院",
    "site-binjiang-mall": "滨江道购物中心",
    "site-west-station": "天津西站",
    "site-heping-residential": "和平花园小区",
    "site-hedong-residential": "河东滨河家园",
    "site-xiqing-residential": "西青新城七号院",
    "site-olympic-stadium": "天津奥林匹克中心体育场",
    "site-teda-chemical": "泰达精细化工厂",
    "site-dongli-logistics": "东丽物流园",
    "site-jinghai-cng": "静海CNG/LPG加气站",
    "site-teda-gases": "泰达工业气体充装站",
    "site-beichen-lpg": "北辰液化石油气充装站",
    "site-beichen-heating": "北辰区供热站",
    "site-jizhou-hospital": "蓟州区人民医院",
    "owner-nankai-edu": "南开区教育局",
    "owner-hexi-edu": "河西区教育局",
    "owner-tianjin-hospital": "天津市人民医院",
    "owner-binjiang-holdings": "滨江商业控股有限公司",
    "owner-cr-beijing": "中国铁路北京局集团有限公司",
    "owner-heping-garden-pm": "和平花园物业管理有限公司",
    "owner-hedong-riverside-pm": "河东滨河物业服务有限公司",
    "owner-xiqing-newtown-pm": "西青新城物业有限公司",
    "owner-tianjin-sports": "天津市体育局",
    "owner-teda-chemicals": "泰达精细化工有限公司",
    "owner-dongli-logistics": "东丽物流园有限公司",
    "owner-jinghai-gas": "静海燃气有限公司",
    "owner-beichen-heating": "北辰区供热有限公司",
    "owner-jizhou-hospital": "蓟州区人民医院",
}

firms = [
    ("firm-haihe", "Haihe Elevator Maintenance Co.", "A"),
    ("firm-binhai", "Binhai Special Equipment Services", "A"),
    ("firm-jinnan", "Jinnan Boiler & Vessel Care", "B"),
    ("firm-heping", "Heping Lift Service", "C"),
]
# id, name, category, people exposed (typical daily), types and counts
sites = [
    ("site-nankai-school", "Nankai No. 3 Middle School", "school", 2400, {"elevator": 6, "boiler": 2}),
    ("site-hexi-kinder", "Hexi Sunshine Kindergarten", "kindergarten", 300, {"elevator": 2, "boiler": 1}),
    ("site-tianjin-hospital", "Tianjin People's Hospital", "hospital", 8000, {"elevator": 28, "boiler": 3, "pressure_vessel": 8}),
    ("site-binjiang-mall", "Binjiang Avenue Mall", "mall", 30000, {"elevator": 34}),
    ("site-west-station", "Tianjin West Railway Station", "station", 60000, {"elevator": 30}),
    ("site-heping-residential", "Heping Garden Residences", "residential", 5000, {"elevator": 36}),
    ("site-hedong-residential", "Hedong Riverside Estate", "residential", 4200, {"elevator": 30}),
    ("site-xiqing-residential", "Xiqing New Town Block 7", "residential", 3600, {"elevator": 24}),
    ("site-olympic-stadium", "Tianjin Olympic Center Stadium", "stadium", 20000, {"elevator": 12, "boiler": 1}),
    ("site-teda-chemical", "TEDA Fine Chemicals Plant", "industrial", 600, {"boiler": 4, "pressure_vessel": 16, "forklift": 12}),
    ("site-dongli-logistics", "Dongli Logistics Park", "industrial", 900, {"forklift": 24, "pressure_vessel": 2}),
    ("site-jinghai-cng", "Jinghai CNG & LPG Filling Station", "filling_station", 150, {"gas_cylinder": 40}),
    ("site-teda-gases", "TEDA Industrial Gases Filling Station", "filling_station", 80, {}),
    ("site-beichen-lpg", "Beichen LPG Filling Station", "filling_station", 60, {}),
    ("site-beichen-heating", "Beichen District Heating Plant", "industrial", 120, {"boiler": 6, "pressure_vessel": 6}),
    # Last, so that every device above keeps its generated data.
    ("site-jizhou-hospital", "Jizhou District People's Hospital", "hospital", 3000, {"elevator": 4}),
]
# Tianjin's county-level divisions (GB/T 2260): all districts (市辖区) of a municipality, so the
# trapped-passenger deadline is 30 minutes everywhere (TSG T5002-2017), Jizhou included.
regions = [
    ("120101", "Heping District", "和平区"), ("120102", "Hedong District", "河东区"), ("120103", "Hexi District", "河西区"),
    ("120104", "Nankai District", "南开区"), ("120105", "Hebei District", "河北区"), ("120106", "Hongqiao District", "红桥区"),
    ("120110", "Dongli District", "东丽区"), ("120111", "Xiqing District", "西青区"), ("120112", "Jinnan District", "津南区"),
    ("120113", "Beichen District", "北辰区"), ("120114", "Wuqing District", "武清区"), ("120115", "Baodi District", "宝坻区"),
    ("120116", "Binhai New Area", "滨海新区"), ("120117", "Ninghe District", "宁河区"), ("120118", "Jinghai District", "静海区"),
    ("120119", "Jizhou District", "蓟州区"),
]
district_of_site = {
    "site-nankai-school": "120104", "site-hexi-kinder": "120103", "site-tianjin-hospital": "120101",
    "site-binjiang-mall": "120101", "site-west-station": "120106", "site-heping-residential": "120101",
    "site-hedong-residential": "120102", "site-xiqing-residential": "120111", "site-olympic-stadium": "120104",
    "site-teda-chemical": "120116", "site-dongli-logistics": "120110", "site-jinghai-cng": "120118",
    "site-teda-gases": "120116", "site-beichen-lpg": "120113", "site-beichen-heating": "120113",
    "site-jizhou-hospital": "120119",
}
type_code = {"elevator": "3110", "boiler": "1100", "pressure_vessel": "2100", "gas_cylinder": "2300", "forklift": "5100"}
# Owners (使用单位): the unit responsible for safe use and for applying for inspections, by site.
# Their ids are topic levels (owner-notices/{owner}) and the scope of owner tokens.
owners = [
    ("owner-nankai-edu", "Nankai District Education Bureau", ["site-nankai-school"]),
    ("owner-hexi-edu", "Hexi District Education Bureau", ["site-hexi-kinder"]),
    ("owner-tianjin-hospital", "Tianjin People's Hospital", ["site-tianjin-hospital"]),
    ("owner-binjiang-holdings", "Binjiang Commercial Holdings", ["site-binjiang-mall"]),
    ("owner-cr-beijing", "China Railway Beijing Group", ["site-west-station"]),
    ("owner-heping-garden-pm", "Heping Garden Property Management", ["site-heping-residential"]),
    ("owner-hedong-riverside-pm", "Hedong Riverside Property Services", ["site-hedong-residential"]),
    ("owner-xiqing-newtown-pm", "Xiqing New Town Property Co.", ["site-xiqing-residential"]),
    ("owner-tianjin-sports", "Tianjin Sports Bureau", ["site-olympic-stadium"]),
    ("owner-teda-chemicals", "TEDA Fine Chemicals Co.", ["site-teda-chemical"]),
    ("owner-dongli-logistics", "Dongli Logistics Park Co.", ["site-dongli-logistics"]),
    ("owner-jinghai-gas", "Jinghai Gas Co.", ["site-jinghai-cng"]),
    ("owner-beichen-heating", "Beichen District Heating Co.", ["site-beichen-heating"]),
    ("owner-jizhou-hospital", "Jizhou District People's Hospital", ["site-jizhou-hospital"]),
]
owner_of_site = {site: o[0] for o in owners for site in o[2]}

def firm_for(t, i):
    if t in ("boiler", "pressure_vessel"):
        return "firm-jinnan"
    if t == "gas_cylinder":
        return "firm-binhai"
    if t == "forklift":
        return "firm-binhai"
    return ["firm-haihe", "firm-haihe", "firm-heping", "firm-binhai"][i % 4]

def day(d):
    return d.isoformat()

def commissioned(t):
    years = {"elevator": 22, "boiler": 25, "pressure_vessel": 25, "gas_cylinder": 14, "forklift": 10}[t]
    return TODAY - timedelta(days=random.randint(200, years * 365))

def last_inspection(comm, every_days, overdue):
    """A last inspection within the interval, or (overdue) beyond it."""
    if overdue:
        back = random.randint(every_days + 15, every_days + 200)
    else:
        back = random.randint(20, every_days - 20)
    d = TODAY - timedelta(days=back)
    return max(d, comm + timedelta(days=30))

def add_years(d, n):
    try:
        return d.replace(year=d.year + n)
    except ValueError:  # 29 February
        return d.replace(year=d.year + n, day=28)

PERIODIC_YEARS = [1, 4, 7, 9, 11, 13, 15]   # TSG T7001-2023; yearly after year 15
# TSG T7001-2023 and T7008-2023 in force (after the one-year transition): before this an
# elevator had a periodic inspection every year, from then on a self-test in the other years.
SELF_TEST_FROM = date(2024, 4, 2)

def elevator_inspections(comm, overdue, rng):
    """An elevator's latest periodic inspection and self-test, as its owner would have them: each
    completed service year's check a few weeks before the year's anniversary (a periodic
    inspection in the years TSG T7001-2023 lists and every year after year 15 or before the new
    rules; a self-test, TSG T7008-2023, in the others), the current year's too when its day has
    come. Overdue: last year's check was missed."""
    year_now = 1
    while add_years(comm, year_now) < TODAY:
        year_now += 1
    last = {}
    for y in range(1, year_now + 1):
        if overdue and y == year_now - 1:
            continue
        anniversary = add_years(comm, y)
        done = max(anniversary - timedelta(days=rng.randint(5, 55)), comm + timedelta(days=30))
        if done > TODAY:  # this year's check is still to come
            break
        periodic = y in PERIODIC_YEARS or y > PERIODIC_YEARS[-1] or anniversary < SELF_TEST_FROM
        last["periodic" if periodic else "self_test"] = done
    return last

out = ["# Sample fleet: Tianjin districts. Generated by scripts/gen_fleet.py (seeded); edit the script, not this file.",
       "firms:"]
for f in firms:
    out.append(f"  - {{id: {f[0]}, name: \"{f[1]}\", name_zh: \"{NAME_ZH[f[0]]}\", grade: {f[2]}}}")
out.append("owners:")
for o in owners:
    out.append(f"  - {{id: {o[0]}, name: \"{o[1]}\", name_zh: \"{NAME_ZH[o[0]]}\"}}")
out.append("regions:")
for code, name, name_zh in regions:
    out.append(f"  - {{code: \"{code}\", name: \"{name}\", name_zh: \"{name_zh}\", level: district, city: Tianjin}}")
out.append("sites:")
for s in sites:
    out.append(f"  - {{id: {s[0]}, name: \"{s[1]}\", name_zh: \"{NAME_ZH[s[0]]}\", category: {s[2]}, city: Tianjin, district: \"{district_of_site[s[0]]}\", people_exposed: {s[3]}}}")
scale = 1.0
if "--devices" in sys.argv:
    wanted = int(sys.argv[sys.argv.index("--devices") + 1])
    scale = wanted / sum(sum(s[4].values()) for s in sites)
    sites = [(a, b, c, d, {t: max(1, round(n * scale)) for t, n in types.items()}) for a, b, c, d, types in sites]
out.append("gateways:")
gateways = {}
for s in sites:
    total = sum(s[4].values())
    n = max(2 if total > 20 else 1, math.ceil(total / 100) if scale != 1.0 else 1)
    gateways[s[0]] = [f"gw-{s[0][5:]}-{k + 1}" for k in range(n)]
    for g in gateways[s[0]]:
        out.append(f"  - {{id: {g}, site: {s[0]}}}")
out.append("")
out.append("# Licensed filling stations (充装单位): any of their gateways may report fills of any registered")
out.append("# cylinder of a gas the licence covers (docs/registry.md).")
out.append("stations:")
out.append('  - {id: station-jinghai, name: "Jinghai CNG & LPG Filling Station", site: site-jinghai-cng, licence: "TS4212001-2027",')
out.append("     gases: [CNG, LPG], gateways: [gw-jinghai-cng-1, gw-jinghai-cng-2], firm: firm-binhai}")
out.append('  - {id: station-teda-gases, name: "TEDA Industrial Gases Filling Station", site: site-teda-gases, licence: "TS4212007-2026",')
out.append("     gases: [oxygen, nitrogen, argon], gateways: [gw-teda-gases-1], firm: firm-binhai}")
out.append('  - {id: station-beichen-lpg, name: "Beichen LPG Filling Station", site: site-beichen-lpg, licence: "TS4212015-2028",')
out.append("     gases: [LPG], gateways: [gw-beichen-lpg-1], firm: firm-binhai}")
out.append("")
out.append("devices:")
serial = 0
for s in sites:
    site_id, _, category, _, types = s
    for t, count in types.items():
        for i in range(count):
            serial += 1
            comm = commissioned(t)
            gw = gateways[site_id][i % len(gateways[site_id])]
            overdue = random.random() < 0.06
            attrs = {}
            insp = {}
            grade = None
            dev_site = site_id
            dev_type = t
            category_code = type_code[t]
            if t == "elevator" and category in ("mall", "station") and i % 3 == 0:
                # Escalators (自动扶梯, 3310) at malls and stations: their own type. No draws from the
                # shared sequence but the one below, as before, so that every other device keeps its data.
                dev_type, category_code = "escalator", "3310"
                attrs = {"rated_speed_mps": 0.5, "rise_m": [4.5, 5.1, 6.0, 7.2][serial % 4], "step_width_m": 1.0,
                         "inclination_deg": 30, "design_life_years": 20, "kind": "escalator"}
                last_inspection(comm, 365, overdue)
                insp = elevator_inspections(comm, overdue, random.Random(serial))
            elif t == "elevator":
                speed = random.choice([1.0, 1.5, 1.75, 2.0, 2.5])
                attrs = {"rated_speed_mps": speed, "rated_load_kg": random.choice([630, 800, 1000, 1350, 1600]),
                         "floors": random.randint(6, 33), "design_life_years": 20, "kind": "traction"}
                # Drawn from the shared sequence as before, so that every other device keeps its data.
                last_inspection(comm, 365, overdue)
                insp = elevator_inspections(comm, overdue, random.Random(serial))
            elif t == "boiler":
                wp = random.choice([0.7, 1.0, 1.25, 1.6, 2.5])
                attrs = {"working_pressure_mpa": wp, "safety_valve_low_set_mpa": round(wp * 1.04, 3),
                         "safety_valve_high_set_mpa": round(wp * 1.06, 3), "capacity_tph": random.choice([2, 4, 6, 10, 20]),
                         "kind": "steam", "design_life_years": 30, "water_level_alarm_mm": 50}
                insp = {"external": last_inspection(comm, 365, overdue), "internal": last_inspection(comm, 730, False),
                        "hydrostatic": last_inspection(comm, 2190, False)}
            elif t == "pressure_vessel":
                dp = random.choice([0.8, 1.0, 1.6, 2.5, 4.0])
                medium, hazard = random.choice([("compressed air", "inert"), ("liquid oxygen", "oxidizing"), ("steam", "inert"),
                                                ("liquefied ammonia", "toxic"), ("propane", "flammable"), ("chlorine", "highly_toxic")])
                if site_id == "site-tianjin-hospital":
                    medium, hazard = "liquid oxygen", "oxidizing"
                attrs = {"design_pressure_mpa": dp, "safety_valve_set_mpa": round(dp * 1.0, 2), "design_temperature_c": random.choice([50, 80, 150, 200]),
                         "volume_m3": random.choice([0.5, 2, 5, 10, 30, 50]), "medium": medium, "medium_hazard": hazard, "design_life_years": 20}
                if medium == "liquid oxygen":  # an oxidiser stored cryogenic: the inner vessel is designed for -196 °C
                    attrs["design_temperature_c"] = -196
                grade = random.choice([1, 2, 2, 2, 3, 3, 4])
                insp = {"annual_check": last_inspection(comm, 365, overdue), "periodic": last_inspection(comm, 1095, False)}
            elif t == "gas_cylinder":
                cat, gas, nominal, constr, life = random.choice([
                    ("cng_vehicle", "CNG", 20, "seamless_steel", 15), ("lpg_vehicle", "LPG", 2.2, "welded_steel", 15),
                    ("lpg_household", "LPG", 2.1, "welded_steel", 8), ("industrial", "oxygen", 15, "seamless_steel", 30)])
                if gas == "oxygen":  # filled at the industrial gases station, not at the CNG & LPG one
                    gw, dev_site = "gw-teda-gases-1", "site-teda-gases"
                attrs = {"gas": gas, "gas_category": cat, "nominal_pressure_mpa": nominal, "construction": constr,
                         "design_life_years": life, "manufactured": day(comm - timedelta(days=60))}
                insp = {"periodic": last_inspection(comm, 3 * 365 if cat != "cng_vehicle" else 2 * 365, overdue)}
            elif t == "forklift":
                attrs = {"rated_load_kg": random.choice([1500, 2000, 2500, 3000, 5000]), "max_speed_kmh": random.choice([12, 15, 18, 20]),
                         "power": random.choice(["electric", "electric", "diesel", "lpg"]), "design_life_years": 12}
                insp = {"periodic": last_inspection(comm, 365, overdue)}
            # 设备代码: category (4 digits), the district of the device's site (6), year (4), serial.
            code = f"{category_code}{district_of_site[dev_site]}{comm.year}{serial:05d}"
            def fmt(v):
                if isinstance(v, str):
                    return f"\"{v}\""
                return repr(v)
            a = ", ".join(f"{k}: {fmt(v)}" for k, v in attrs.items())
            li = ", ".join(f"{k}: {day(v)}" for k, v in insp.items())
            line = (f"  - {{id: \"{code}\", type: {dev_type}, gateway: {gw}, site: {dev_site}, owner: {owner_of_site[site_id]}, "
                    f"firm: {firm_for(t, i)}, commissioned: {day(comm)}, last_inspections: {{{li}}}, ")
            if grade is not None:
                line += f"inspection_grade: {grade}, "
            line += f"attributes: {{{a}}}}}"
            out.append(line)
print("\n".join(out))
