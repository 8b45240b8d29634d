import Records
import Domain
import Hummingbird
import WebConsole

extension APIServer {
    /// The web console: the page shell at each page path and the files under `/assets/`. No
    /// token here: the console signs in with one and sends it to `/v1` itself.
    func addConsoleRoutes(to router: Router<APIContext>) {
        let index = ConsoleAssets.index(timeZone: timeZone)
        for page in ConsoleAssets.pages {
            router.get(RouterPath(page)) { _, _ in
                Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"],
                         body: .init(byteBuffer: ByteBuffer(bytes: index)))
            }
        }
        router.get("assets/{file}") { _, context in
            let name = try context.parameters.require("file")
            guard let asset = ConsoleAssets.asset(name) else { throw APIError.notFound("no console file \(name)") }
            return Response(status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "no-cache"],
                            body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
        }
    }

    /// `GET /v1/me`: who the token is (name and role), so a client can show what the role may do.
    func addIdentityRoute(to v1: RouterGroup<APIContext>) {
        v1.get("me") { _, context in
            let caller = try context.caller()
            var w = JSONWriter()
            w.add("name", .string(caller.name))
            switch caller.role {
            case .supervisor: w.add("role", .string("supervisor"))
            case .firm(let id):
                w.add("role", .string("firm"))
                w.add("firm", .string(id))
            case .owner(let id):
                w.add("role", .string("owner"))
                w.add("owner", .string(id))
            }
            w.add("time_zone", .string(self.timeZone))
            return Listing.json(w.finish() + "\n")
        }
    }
}
