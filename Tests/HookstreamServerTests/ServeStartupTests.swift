import Foundation
import HookstreamTesting
import Testing

/// `hookstream serve` as a new user meets it: the first start on a taken port.
@Suite struct ServeStartupTests {
    /// With the port busy, the first start on a fresh data directory used to store an admin key,
    /// fail to bind, and exit without printing it — and later starts print none. The address is
    /// now bound before the key exists, and the failure says which address and which flag.
    @Test func aTakenPortNeitherLosesTheAdminKeyNorSpeaksNIO() async throws {
        let occupant = try await TestServer.start()
        defer { occupant.stop() }
        let dataDirectory = TemporaryDirectory.make(prefix: "hookstream-busy-port")

        let failed = try await CLIRun.run(["serve", "--port", String(occupant.port), "--data-dir", dataDirectory, "--log-level", "error"])
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("Cannot listen on 127.0.0.1:\(occupant.port)"), "\(failed.stderr)")
        #expect(failed.stderr.contains("already in use"))
        #expect(failed.stderr.contains("--port"))
        #expect(!failed.stderr.contains("errno"), "\(failed.stderr)")
        #expect(!failed.stdout.contains("hs_live_"))

        // No key was made by the failed start: the first start that listens shows one.
        let server = try await ServerProcess.start(dataDirectory: dataDirectory)
        defer { server.kill(signal: SIGTERM) }
        #expect(server.output.contains("Admin API key (shown once"), "\(server.output)")
        let key = try #require(server.output.split(separator: "\n").first { $0.hasPrefix("  hs_live_") }?.trimmingCharacters(in: .whitespaces))
        let sources = try await TestHTTPClient(baseURL: server.baseURL, apiKey: key).get("/v1/sources")
        #expect(sources.status == 200)
    }
}
