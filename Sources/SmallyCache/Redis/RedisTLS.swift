import NIOSSL

/// TLS settings for `rediss://` (managed Redis offerings mostly require it).
///
/// The `NIOSSLContext` is built once, when the settings are applied to a `RedisConfiguration`
/// (`RedisConfiguration.setTLS`), so an unreadable CA, certificate or key stops the start with a message
/// naming the file, and connections share the context (loading trust roots per connection is slow).
public struct RedisTLS: Sendable, Equatable {
    /// PEM file of the certificate authorities to trust; `nil` trusts the system's roots.
    public var caFile: String?
    /// PEM client certificate (chain) for servers that ask for one (`tls-auth-clients yes`); needs `keyFile`.
    public var certificateFile: String?
    /// PEM private key of `certificateFile`.
    public var keyFile: String?
    /// Skip verifying the server's certificate and name. For development only: anyone on the path can
    /// read and change the traffic. The client logs a warning at start when set.
    public var insecure: Bool

    public init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil, insecure: Bool = false) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.insecure = insecure
    }

    /// Loads the files and builds the context. Throws `.invalidConfiguration` naming the file at fault.
    func makeContext() throws(RedisError) -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile {
            do {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            } catch {
                throw RedisError(.invalidConfiguration, message: "cannot read the TLS CA file '\(caFile)': \(error)")
            }
        }
        switch (certificateFile, keyFile) {
        case (nil, nil):
            break
        case (let certificateFile?, let keyFile?):
            do {
                configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { .certificate($0) }
            } catch {
                throw RedisError(.invalidConfiguration, message: "cannot read the TLS certificate file '\(certificateFile)': \(error)")
            }
            do {
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
            } catch {
                throw RedisError(.invalidConfiguration, message: "cannot read the TLS key file '\(keyFile)': \(error)")
            }
        default:
            throw RedisError(.invalidConfiguration, message: "a TLS client certificate needs both the certificate file and the key file")
        }
        if insecure {
            configuration.certificateVerification = .none
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw RedisError(.invalidConfiguration, message: "cannot set up TLS: \(error)")
        }
    }
}
