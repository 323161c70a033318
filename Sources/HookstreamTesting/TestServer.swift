import Foundation
import HookstreamCore
public import HookstreamServer
import Logging
import Synchronization

/// A hookstream server running in this process on a free loopback port, with its own
/// temporary data directory and a known admin key.
///
/// ```swift
/// let server = try await TestServer.start()
/// defer { server.stop() }
/// let response = try await server.client.get("/v1/sources")
/// ```
public final class TestServer: Sendable {
    public let baseURL: String
    public let port: Int
    public let adminKey: String
    public let dataDirectory: String
    /// Every route the server's router serves, as `METHOD /path` (OpenAPI path form).
    public let routes: [String]
    private let task: Task<Void, any Error>

    /// The admin API client (authenticated with `adminKey`).
    public var client: TestHTTPClient { TestHTTPClient(baseURL: baseURL, apiKey: adminKey) }
    /// An unauthenticated client.
    public var anonymous: TestHTTPClient { TestHTTPClient(baseURL: baseURL) }

    private init(listening: HookstreamServer.Listening, adminKey: String, dataDirectory: String, task: Task<Void, any Error>) {
        self.baseURL = listening.baseURL
        self.port = listening.port
        self.routes = listening.routes
        self.adminKey = adminKey
        self.dataDirectory = dataDirectory
        self.task = task
    }

    /// Starts a server; `configure` adjusts its configuration (rate limits are off unless set).
    public static func start(_ configure: (inout ServerConfiguration) -> Void = { _ in }) async throws -> TestServer {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.dataDirectory = TemporaryDirectory.make(prefix: "hookstream-test")
        configuration.bootstrapKey = APIKey.generate(.live)
        configuration.apiRateLimit = 0
        configuration.publicRateLimit = 0
        configuration.logLevel = "warning"
        configure(&configuration)
        if configuration.databaseURL == nil {
            configuration.databaseURL = try await TestStore.databaseURL(for: configuration.dataDirectory)
            configuration.databasePoolSize = TestStore.poolSize
        }
        let listening = AsyncStream<HookstreamServer.Listening>.makeStream()
        let server = HookstreamServer(configuration: configuration)
        let task = Task {
            // Finishing the stream on every way out: a server that fails before it listens
            // must fail `start`, not leave it waiting.
            defer { listening.continuation.finish() }
            try await server.run(signals: []) { started in
                listening.continuation.yield(started)
                listening.continuation.finish()
            }
        }
        var iterator = listening.stream.makeAsyncIterator()
        guard let started = await iterator.next() else {
            _ = try await task.value
            throw TestServerError("server stopped before listening")
        }
        return TestServer(listening: started, adminKey: configuration.bootstrapKey!, dataDirectory: configuration.dataDirectory, task: task)
    }

    /// Stops the server without waiting for it (the test is done with it).
    public func stop() {
        task.cancel()
    }

    /// Stops the server and returns once it has shut down and released its data directory,
    /// so another server can open the same directory.
    public func stopAndWait() async {
        task.cancel()
        _ = try? await task.value
    }

    /// Signs up a new account (a new organization) and returns a client carrying its session.
    public func signUp(email: String? = nil, password: String = "correct horse battery") async throws -> (client: TestHTTPClient, account: TestResponse) {
        let address = email ?? "user-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        let response = try await anonymous.post("/v1/auth/signup", ["email": .string(address), "password": .string(password)])
        guard response.status == 201, let cookie = response.header("Set-Cookie")?.split(separator: ";").first else {
            throw TestServerError("signup failed: \(response.status) \(response.text)")
        }
        return (TestHTTPClient(baseURL: baseURL, cookie: String(cookie)), response)
    }

    /// Signs up a new account and mints an API key for it.
    public func newTenantKey() async throws -> TestHTTPClient {
        let (session, _) = try await signUp()
        let created = try await session.post("/v1/auth/api-keys", ["name": "tests"])
        guard created.status == 201, let key = created.json["key"]?.stringValue else {
            throw TestServerError("api key creation failed: \(created.status) \(created.text)")
        }
        return TestHTTPClient(baseURL: baseURL, apiKey: key)
    }
}

public struct TestServerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public enum TemporaryDirectory {
    public static func make(prefix: String) -> String {
        let path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString.prefix(12))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
