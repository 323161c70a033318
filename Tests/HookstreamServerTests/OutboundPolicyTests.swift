import Foundation
import HookstreamCore
import HookstreamDelivery
import HookstreamServer
import HookstreamTesting
import JSONValue
import Testing

/// The outbound policy on real deliveries: names are resolved through a fixed table (the
/// resolver seam), so a name can point at the metadata address without anything connecting
/// there; everything actually sent goes to a receiver on loopback.
@Suite struct OutboundPolicyServerTests {
    struct FixedResolver: HostResolver {
        var table: [String: String]
        func addresses(of host: String) async throws -> [IPAddress] {
            table[host].flatMap { IPAddress($0) }.map { [$0] } ?? []
        }
    }

    static let resolver = FixedResolver(table: ["receiver.test": "127.0.0.1", "metadata.test": "169.254.169.254"])

    func route(_ server: TestServer, to url: String) async throws -> (source: String, destination: String) {
        let source = try #require(try await server.client.post("/v1/sources", ["name": "Shop"]).json["id"]?.stringValue)
        let created = try await server.client.post("/v1/destinations", ["name": "Receiver", "url": .string(url), "retry_max_attempts": 1])
        let destination = try #require(created.json["id"]?.stringValue, "\(created.text)")
        let connection = try await server.client.post("/v1/connections", ["source_id": .string(source), "destination_id": .string(destination)])
        #expect(connection.status == 201, "\(connection.text)")
        return (source, destination)
    }

    @Test func deliversByNameToTheCheckedAddressAndRefusesTheMetadataService() async throws {
        let server = try await TestServer.start { $0.hostResolver = Self.resolver }
        defer { server.stop() }
        let receiver = try await TestReceiver.start()
        defer { receiver.stop() }
        let port = try #require(receiver.url.split(separator: ":").last)

        let good = try await route(server, to: "http://receiver.test:\(port)/hook")
        let delivered = try #require(try await server.anonymous.post("/v1/ingest/\(good.source)", ["n": 1]).json["event_id"]?.stringValue)
        let received = try await receiver.waitFor(count: 1)[0]
        #expect(received.headers["host"] == "receiver.test:\(port)")
        try await server.client.eventually("/v1/events/\(delivered)") { $0["status"] == "delivered" }

        let bad = try await route(server, to: "http://metadata.test/latest/meta-data")
        let refused = try #require(try await server.anonymous.post("/v1/ingest/\(bad.source)", ["n": 2]).json["event_id"]?.stringValue)
        let attempts = try await server.client.eventually("/v1/delivery-attempts?event_id=\(refused)") {
            $0["delivery_attempts"]?[0]?["status"] == "failed"
        }
        let error = attempts["delivery_attempts"]?[0]?["error"]?.stringValue ?? ""
        #expect(error.contains("refused by the outbound policy: metadata.test resolves to 169.254.169.254"), "\(attempts)")
        #expect(attempts["delivery_attempts"]?[0]?["status"] == "failed")
        #expect(receiver.requests.count == 1)
    }

    @Test func literalAddressesAreJudgedWhenTheURLIsSaved() async throws {
        let server = try await TestServer.start()
        defer { server.stop() }
        let metadata = try await server.client.post("/v1/destinations", ["name": "Metadata", "url": "http://169.254.169.254/latest"])
        #expect(metadata.status == 400)
        #expect(metadata.json["error"]?.stringValue?.contains("link-local") == true, "\(metadata.text)")
        let count = try await server.client.get("/v1/destinations").json["destinations"]?.arrayValue?.count
        #expect(count == 0)
        // Loopback is where a self-hosted gateway's receivers often are: allowed by default.
        #expect(try await server.client.post("/v1/destinations", ["name": "Local", "url": "http://127.0.0.1:9/hook"]).status == 201)
        let created = try await server.client.post("/v1/destinations", ["name": "Ok", "url": "https://hooks.example.com/x"])
        let id = try #require(created.json["id"]?.stringValue)
        let patched = try await server.client.patch("/v1/destinations/\(id)", ["url": "http://[fe80::1]/x"])
        #expect(patched.status == 400)
        #expect(try await server.client.get("/v1/destinations/\(id)").json["url"] == "https://hooks.example.com/x")
    }

    /// The flags, through the real executable.
    @Test func denyPrivateDestinationsFlagRefusesLoopbackAndLocalhost() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hs-outbound-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = "hs_live_" + String(repeating: "ab", count: 32)
        let process = try await ServerProcess.start(
            dataDirectory: directory, arguments: ["--deny-private-destinations", "true", "--public-outbound", "off", "--bootstrap-key", key])
        defer { process.kill() }
        let client = TestHTTPClient(baseURL: process.baseURL, apiKey: key)
        for url in ["http://127.0.0.1:9/hook", "http://localhost:9/hook", "http://10.0.0.5/hook"] {
            let response = try await client.post("/v1/destinations", ["name": "Private", "url": .string(url)])
            #expect(response.status == 400, "\(url): \(response.text)")
            #expect(response.json["error"]?.stringValue?.contains("--deny-private-destinations") == true)
        }
        #expect(try await client.post("/v1/destinations", ["name": "Public", "url": "https://hooks.example.com/x"]).status == 201)
    }

    @Test func anUnknownPublicOutboundValueStopsTheServerFromStarting() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hs-outbound-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        await #expect(throws: (any Error).self) {
            let process = try await ServerProcess.start(dataDirectory: directory, arguments: ["--public-outbound", "sometimes"])
            process.kill()
        }
    }
}
