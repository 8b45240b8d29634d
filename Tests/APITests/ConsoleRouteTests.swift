import HTTPTypes
import Foundation
import Testing
import TestSupport

@Suite("web console routes: the shell at every page path, the files, who the token is")
struct ConsoleRouteTests {
    @Test("page paths serve the shell with the display zone; assets have their types; unknown files are 404; /v1/me names the role")
    func consoleRoutes() async throws {
        let f = try APIFixture()
        try await f.run { api in
            for path in ["/", "/alarms", "/incidents/7", "/devices/3110120104200700001", "/stats", "/signin"] {
                let page = try await api.get(path, as: nil)
                #expect(page.status == .ok, "\(path)")
                #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
                #expect(page.text.contains(#"<meta name="equipwatch-zone" content="Asia/Shanghai">"#))
                #expect(page.text.contains(#"<script type="module" src="/assets/app.js">"#))
            }
            for (file, type) in [("app.js", "text/javascript"), ("pages.js", "text/javascript"), ("style.css", "text/css")] {
                let asset = try await api.get("/assets/\(file)", as: nil)
                #expect(asset.status == .ok && asset.headers[.contentType]?.hasPrefix(type) == true, "\(file)")
                #expect(!asset.text.isEmpty)
            }
            #expect(try await api.get("/assets/secrets.txt", as: nil).status == .notFound)
            #expect(try await api.get("/v1/me", as: nil).status == .unauthorized)
            let firm = try #require(try await api.get("/v1/me", as: "haihe").json as? [String: Any])
            #expect(firm["role"] as? String == "firm" && firm["firm"] as? String == "firm-haihe" && firm["name"] as? String == "haihe")
            let sup = try #require(try await api.get("/v1/me").json as? [String: Any])
            #expect(sup["role"] as? String == "supervisor" && sup["time_zone"] as? String == "Asia/Shanghai")
        }
    }
}
