/// TLS settings for a server or a client. Files are PEM.
public struct TLSConfiguration: Sendable, Equatable {
    /// The certificate chain this side presents (a server's always; a
    /// client's for mTLS).
    public var certificateChainFile: String?
    public var privateKeyFile: String?
    /// Server: CA that client certificates must chain to (set = mTLS
    /// required). Client: CA that the server certificate must chain to
    /// (nil = the system's default trust store).
    public var trustRootsFile: String?
    /// Client: the name the server certificate must carry (defaults to the endpoint host).
    public var serverHostname: String?

    public init(certificateChainFile: String? = nil, privateKeyFile: String? = nil, trustRootsFile: String? = nil, serverHostname: String? = nil) {
        self.certificateChainFile = certificateChainFile
        self.privateKeyFile = privateKeyFile
        self.trustRootsFile = trustRootsFile
        self.serverHostname = serverHostname
    }
}
