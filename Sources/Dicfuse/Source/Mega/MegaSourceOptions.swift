/// How a ``MegaTreeSource`` reaches the Mega server. Defaults follow the upstream client
/// (`dicfuse_connect_timeout_secs`, `dicfuse_fetch_dir_timeout_secs`, `dicfuse_fetch_dir_max_retries`).
public struct MegaSourceOptions: Sendable, Equatable {
    /// The server's base URL, e.g. `http://localhost:8000` (`base_url`).
    public var baseURL: String
    /// The monorepo directory served as the root, absolute: `/` or `/third-party/mega`.
    public var rootPath: String
    /// The longest wait for a TCP connection to the server.
    public var connectTimeout: Duration
    /// The longest wait for a directory listing, the revision or a blob's size.
    public var directoryFetchTimeout: Duration
    /// The longest a blob download may go without receiving a byte.
    public var blobStallTimeout: Duration
    /// Retries after a failed first attempt (network failure, HTTP 5xx or 429).
    public var maxRetries: Int
    /// Linear backoff: retry `n` waits `n × retryBackoffStep`.
    public var retryBackoffStep: Duration
    /// How many blob sizes are looked up at once when a listing does not carry them.
    public var sizeLookupConcurrency: Int
    /// Whether listings ask for the commit resolved at start (`refs=`), so every directory comes from one
    /// revision even while the server moves on.
    public var pinsRevision: Bool

    public init(
        baseURL: String,
        rootPath: String = "/",
        connectTimeout: Duration = .seconds(3),
        directoryFetchTimeout: Duration = .seconds(10),
        blobStallTimeout: Duration = .seconds(30),
        maxRetries: Int = 3,
        retryBackoffStep: Duration = .milliseconds(100),
        sizeLookupConcurrency: Int = 8,
        pinsRevision: Bool = true
    ) {
        self.baseURL = baseURL
        self.rootPath = rootPath
        self.connectTimeout = connectTimeout
        self.directoryFetchTimeout = directoryFetchTimeout
        self.blobStallTimeout = blobStallTimeout
        self.maxRetries = maxRetries
        self.retryBackoffStep = retryBackoffStep
        self.sizeLookupConcurrency = sizeLookupConcurrency
        self.pinsRevision = pinsRevision
    }
}
