import Foundation

/// The web console (SPEC §13): a page shell and the modules it loads, served by `equipwatch run`
/// at `/` and `/assets/…`. Everything the console shows it reads from `/v1` with the signed-in
/// token, so it can show nothing that token cannot read.
public enum ConsoleAssets {
    /// One file of the console: its bytes and content type.
    public struct Asset: Sendable {
        public let bytes: [UInt8]
        public let contentType: String
    }

    /// The files under `/assets/`, by name.
    public static func asset(_ name: String) -> Asset? {
        switch name {
        case "style.css": Asset(bytes: PackageResources.style_css, contentType: "text/css; charset=utf-8")
        case "app.js": Asset(bytes: PackageResources.app_js, contentType: "text/javascript; charset=utf-8")
        case "api.js": Asset(bytes: PackageResources.api_js, contentType: "text/javascript; charset=utf-8")
        case "i18n.js": Asset(bytes: PackageResources.i18n_js, contentType: "text/javascript; charset=utf-8")
        case "pages.js": Asset(bytes: PackageResources.pages_js, contentType: "text/javascript; charset=utf-8")
        case "device.js": Asset(bytes: PackageResources.device_js, contentType: "text/javascript; charset=utf-8")
        case "charts.js": Asset(bytes: PackageResources.charts_js, contentType: "text/javascript; charset=utf-8")
        case "dom.js": Asset(bytes: PackageResources.dom_js, contentType: "text/javascript; charset=utf-8")
        case "people.js": Asset(bytes: PackageResources.people_js, contentType: "text/javascript; charset=utf-8")
        case "work.js": Asset(bytes: PackageResources.work_js, contentType: "text/javascript; charset=utf-8")
        default: nil
        }
    }

    /// The page shell, with the display time zone the console shows times in.
    public static func index(timeZone: String) -> [UInt8] {
        let safe = timeZone.filter { $0.isLetter || $0.isNumber || "/_+-".contains($0) }
        return Array(String(decoding: PackageResources.index_html, as: UTF8.self)
            .replacingOccurrences(of: "{{zone}}", with: safe.isEmpty ? "Asia/Shanghai" : safe).utf8)
    }

    /// The console's page paths (bookmarkable): each serves the shell, which renders the page.
    public static let pages: [String] = ["/", "/alarms", "/incidents", "/incidents/{id}", "/devices", "/devices/{id}",
                                         "/notices", "/schedule", "/stats", "/accidents", "/people", "/routine", "/due", "/signin"]
}
