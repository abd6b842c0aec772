import HTTPTypes
import Hummingbird
import Mustache
import NIOCore
import SmallyAccounts

/// Renders the console's pages: a page template inside the layout, answered as HTML with the
/// headers every console page carries (no caching, no framing, a strict content policy: the
/// stylesheet and script come from this server, nothing runs inline).
struct ConsoleViews: Sendable {
    let library: MustacheLibrary

    init() throws {
        var library = MustacheLibrary()
        for (name, text) in ConsoleTemplates.all { try library.register(text, named: name) }
        self.library = library
    }

    static let securityPolicy = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; "
        + "frame-ancestors 'none'; base-uri 'none'"

    /// The page `template` with `values`, in the layout. `signedIn` adds the navigation and sign-out form.
    func page(_ template: String, title: String, values: [String: Any], signedIn: ConsoleSignedIn?, current: String? = nil,
              organization: String? = nil, status: HTTPResponse.Status = .ok, extraHeaders: HTTPFields = [:]) -> Response {
        var values = values
        if let signedIn { values["csrf"] = signedIn.session.csrfToken }
        let body = library.render(values, withTemplate: template) ?? ""
        var layout: [String: Any] = ["title": title, "body": body]
        if let signedIn {
            var nav: [[String: Any]] = []
            if signedIn.isOperator { nav.append(["href": "/console/orgs", "label": "Organizations", "current": current == "orgs"]) }
            if let organization = organization ?? signedIn.organization?.name {
                nav.append(["href": "/console/orgs/\(organization)", "label": signedIn.isOperator ? "\(organization): overview" : "Overview",
                            "current": current == "overview"])
                nav.append(["href": "/console/orgs/\(organization)/keys", "label": signedIn.isOperator ? "\(organization): keys" : "Keys",
                            "current": current == "keys"])
            }
            layout["signedIn"] = ["nav": nav, "csrf": signedIn.session.csrfToken, "who": signedIn.who] as [String: Any]
        }
        let html = library.render(layout, withTemplate: "layout") ?? ""
        var headers = Self.headers
        headers.append(contentsOf: extraHeaders)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A short message page (refusals, "not found").
    func message(_ heading: String, _ text: String, status: HTTPResponse.Status, signedIn: ConsoleSignedIn?,
                 back: String = "/console", backLabel: String = "Back to the console") -> Response {
        page("message", title: heading, values: ["heading": heading, "text": text, "back": back, "backLabel": backLabel],
             signedIn: signedIn, status: status)
    }

    static var headers: HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] = securityPolicy
        headers[.xFrameOptions] = "DENY"
        headers[.referrerPolicy] = "same-origin"
        return headers
    }

    static func redirect(_ location: String, extraHeaders: HTTPFields = [:]) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        headers.append(contentsOf: extraHeaders)
        return Response(status: .seeOther, headers: headers)
    }

    static func asset(_ text: String, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "public, max-age=300"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
