import HTTPTypes
import Hummingbird

/// The console's cookies: the session (`smally_session`) and the sign-in form's CSRF token
/// (`smally_signin`, a double-submit token from before there is a session). Both HttpOnly,
/// SameSite=Strict, Path=/console, and Secure when configured or when the request came over TLS
/// (`X-Forwarded-Proto: https` from the proxy that ended it).
struct ConsoleCookies: Sendable {
    static let session = "smally_session"
    static let signIn = "smally_signin"

    /// `SMALLY_CONSOLE_SECURE_COOKIES`.
    let alwaysSecure: Bool

    /// The value of cookie `name` in the request's `Cookie` headers (first one wins).
    static func value(_ name: String, in request: Request) -> String? {
        for field in request.headers[values: .cookie] {
            for pair in field.split(separator: ";") {
                let trimmed = pair.drop(while: { $0 == " " })
                guard let equals = trimmed.firstIndex(of: "=") else { continue }
                if trimmed[..<equals] == name { return String(trimmed[trimmed.index(after: equals)...]) }
            }
        }
        return nil
    }

    func secure(for request: Request) -> Bool {
        alwaysSecure || request.headers[.xForwardedProto]?.lowercased() == "https"
    }

    /// `Set-Cookie` for `name` = `value`; `maxAge` nil makes a browser-session cookie, 0 deletes it.
    func header(_ name: String, _ value: String, maxAge: Int?, request: Request) -> String {
        var text = "\(name)=\(value); Path=/console; HttpOnly; SameSite=Strict"
        if let maxAge { text += "; Max-Age=\(maxAge)" }
        if secure(for: request) { text += "; Secure" }
        return text
    }
}

extension HTTPField.Name {
    static let xForwardedProto = Self("x-forwarded-proto")!
    static let xFrameOptions = Self("x-frame-options")!
    static let referrerPolicy = Self("referrer-policy")!
}
