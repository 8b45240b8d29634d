import Domain

/// The plan as JSON, CSV and iCalendar (RFC 5545). Pure: the caller supplies the generation time.
extension InspectionPlan {
    /// `{"visits": [{"date", "inspector", "site", "site_name", "items": [{"device", "type", "kind",
    /// "due", "grade", "overdue", "forwarded"}]}], "unassigned": [...], "owner_duties": [{"device",
    /// "type", "kind", "due", "owner", "site", "overdue"}], "summary": {...}}`
    public func json() -> String {
        func grade(_ g: Grade?) -> String { g.map { "\"\($0.rawValue)\"" } ?? "null" }
        var out = "{\"visits\": ["
        for (i, v) in visits.enumerated() {
            var w = JSONWriter()
            w.add("date", .string(v.date.description))
            w.add("inspector", Int64(v.inspector))
            w.add("site", .string(v.site))
            w.add("site_name", .string(v.siteName))
            w.add("uid", .string(v.uid))
            let items = v.items.map { e in
                var x = JSONWriter()
                x.add("device", .string(e.device))
                x.add("type", .string(e.type))
                x.add("kind", .string(e.kind))
                x.add("due", .string(e.due.description))
                x.add("grade", raw: grade(e.grade))
                x.add("overdue", .bool(e.overdue))
                x.add("forwarded", .bool(e.forwarded))
                return x.finish()
            }
            w.add("items", raw: "[" + items.joined(separator: ",") + "]")
            out += (i == 0 ? "\n  " : ",\n  ") + w.finish()
        }
        out += visits.isEmpty ? "], \"unassigned\": [" : "\n], \"unassigned\": ["
        for (i, u) in unassigned.enumerated() {
            var w = JSONWriter()
            w.add("device", .string(u.device))
            w.add("type", .string(u.type))
            w.add("kind", .string(u.kind))
            w.add("due", .string(u.due.description))
            w.add("grade", raw: grade(u.grade))
            w.add("reason", .string(u.reason))
            out += (i == 0 ? "\n  " : ",\n  ") + w.finish()
        }
        out += unassigned.isEmpty ? "], \"owner_duties\": [" : "\n], \"owner_duties\": ["
        for (i, o) in ownerDuties.enumerated() {
            var w = JSONWriter()
            w.add("device", .string(o.device))
            w.add("type", .string(o.type))
            w.add("kind", .string(o.kind))
            w.add("due", .string(o.due.description))
            w.add("owner", .string(o.owner))
            w.add("site", .string(o.site))
            w.add("overdue", .bool(o.overdue))
            out += (i == 0 ? "\n  " : ",\n  ") + w.finish()
        }
        out += ownerDuties.isEmpty ? "], \"summary\": " : "\n], \"summary\": "
        let s = summary
        var w = JSONWriter()
        w.add("from", .string(s.from.description))
        w.add("to", .string(s.to.description))
        w.add("working_days", Int64(s.workingDays))
        w.add("capacity", Int64(s.capacity))
        w.add("visits", Int64(s.visits))
        w.add("inspections", Int64(s.inspections))
        w.add("scheduled", Int64(s.scheduled))
        w.add("on_time", Int64(s.onTime))
        w.add("late", Int64(s.late))
        w.add("overdue_at_start", Int64(s.overdueAtStart))
        w.add("forwarded", Int64(s.forwarded))
        w.add("unassigned", Int64(s.unassigned))
        w.add("owner_duties", Int64(s.ownerDuties))
        var caveats = ""
        JSONWriter.serialize(.array(s.caveats.map(JSONValue.string)), into: &caveats)
        w.add("caveats", raw: caveats)
        return out + w.finish() + "}\n"
    }

    /// One line per planned inspection, then one per unassigned one (no date, with its reason),
    /// then one per owner's duty (no date, the reason says whose).
    public func csv() -> String {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + s.replacingAll("\"", with: "\"\"") + "\"" : s
        }
        var out = "date,inspector,site,site_name,device,type,kind,due,grade,overdue,forwarded,reason\n"
        for v in visits {
            for e in v.items {
                out += [v.date.description, String(v.inspector), v.site, v.siteName, e.device, e.type, e.kind, e.due.description,
                        e.grade?.rawValue ?? "", String(e.overdue), String(e.forwarded), ""].map(field).joined(separator: ",") + "\n"
            }
        }
        for u in unassigned {
            out += ["", "", "", "", u.device, u.type, u.kind, u.due.description, u.grade?.rawValue ?? "", String(u.due < summary.from), "false",
                    u.reason].map(field).joined(separator: ",") + "\n"
        }
        for o in ownerDuties {
            out += ["", "", o.site, "", o.device, o.type, o.kind, o.due.description, "", String(o.overdue), "false",
                    "the owner's own inspection (\(o.owner)): not booked on an inspector"].map(field).joined(separator: ",") + "\n"
        }
        return out
    }

    /// An iCalendar with one all-day VEVENT per visit (of one inspector when `inspector` is set).
    /// UIDs are stable for the same visit (date, site and inspector) across runs; `stamp` is DTSTAMP.
    public func ics(stamp: Int64, inspector: Int? = nil) -> String {
        var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//EquipWatch//Inspection plan//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
                     "X-WR-CALNAME:" + ICS.text(inspector.map { "Inspections, inspector \($0)" } ?? "Inspections \(summary.from) to \(summary.to)")]
        let dtstamp = ICS.utc(stamp)
        for v in visits where inspector == nil || v.inspector == inspector {
            let overdue = v.items.filter(\.overdue).count
            var description = v.items.map { e in
                "\(e.device) (\(e.type)) \(e.kind), due \(e.due)" + (e.overdue ? ", OVERDUE" : "") + (e.grade.map { ", risk \($0.rawValue)" } ?? "")
            }.joined(separator: "\n")
            description += "\nInspector \(v.inspector)"
            lines += [
                "BEGIN:VEVENT",
                "UID:" + v.uid,
                "DTSTAMP:" + dtstamp,
                "DTSTART;VALUE=DATE:" + v.date.compact,
                "DTEND;VALUE=DATE:" + v.date.adding(days: 1).compact,
                "SUMMARY:" + ICS.text("Inspection: \(v.siteName), \(v.items.count) item(s)" + (overdue > 0 ? ", \(overdue) overdue" : "")),
                "LOCATION:" + ICS.text(v.siteName),
                "DESCRIPTION:" + ICS.text(description),
                "END:VEVENT",
            ]
        }
        lines.append("END:VCALENDAR")
        return lines.map(ICS.fold).joined(separator: "\r\n") + "\r\n"
    }
}

/// RFC 5545 text escaping and line folding.
enum ICS {
    /// Escapes a TEXT value: backslash, semicolon, comma; line breaks as `\n`.
    static func text(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\n", "\r\n": out += "\\n"
            case "\r": continue
            default: out.append(c)
            }
        }
        return out
    }

    /// Folds a content line at 75 octets (CRLF and a space), never inside a UTF-8 sequence.
    static func fold(_ line: String) -> String {
        var out = ""
        var octets = 0
        for scalar in line.unicodeScalars {
            let n = String(scalar).utf8.count
            if octets + n > 75 {
                out += "\r\n "
                octets = 1
            }
            out.unicodeScalars.append(scalar)
            octets += n
        }
        return out
    }

    /// `YYYYMMDDTHHMMSSZ` for epoch milliseconds.
    static func utc(_ ms: Int64) -> String {
        let day = Day(epochMillis: ms)
        let seconds = Int((ms - day.epochMillis) / 1000)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return day.compact + "T" + two(seconds / 3600) + two(seconds / 60 % 60) + two(seconds % 60) + "Z"
    }
}

private extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
