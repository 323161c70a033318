import Foundation
import HookstreamTesting
import JSONValue
import Testing

/// The RabbitMQ node the `rabbitmq` destination tests publish to (scripts/services/rabbitmq),
/// and the management API calls the tests make to set it up and read back what arrived.
struct RabbitMQClient {
    let url: String
    let username: String
    let password: String

    /// The node from `HOOKSTREAM_TEST_RABBITMQ_URL` (and its user); a missing variable fails
    /// the test (`scripts/with-services rabbitmq -- swift test …`).
    static func fromEnvironment() throws -> RabbitMQClient {
        let env = ProcessInfo.processInfo.environment
        guard let url = env["HOOKSTREAM_TEST_RABBITMQ_URL"], !url.isEmpty, let user = env["HOOKSTREAM_TEST_RABBITMQ_USERNAME"],
            let password = env["HOOKSTREAM_TEST_RABBITMQ_PASSWORD"]
        else {
            Issue.record("HOOKSTREAM_TEST_RABBITMQ_URL is not set: run with scripts/with-services rabbitmq -- swift test …")
            throw Missing()
        }
        return RabbitMQClient(url: url, username: user, password: password)
    }

    struct Missing: Error {}

    /// The settings of a destination publishing to `exchange` with `routingKey`.
    func settings(exchange: String, routingKey: String) -> JSON {
        ["url": .string(url), "exchange": .string(exchange), "routing_key": .string(routingKey), "username": .string(username), "password": .string(password)]
    }

    @discardableResult
    func call(_ method: String, _ path: String, _ body: JSON? = nil) async throws -> TestResponse {
        let auth = "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
        let response = try await TestHTTPClient(baseURL: url).request(method, path, json: body, headers: [("Authorization", auth)])
        #expect((200..<300).contains(response.status), "\(method) \(path): \(response.text)")
        return response
    }

    func createExchange(_ name: String) async throws {
        try await call("PUT", "/api/exchanges/%2F/\(name)", ["type": "direct", "durable": true])
    }

    /// A durable queue bound to `exchange` with `routingKey`.
    func bindQueue(_ queue: String, to exchange: String, routingKey: String) async throws {
        try await call("PUT", "/api/queues/%2F/\(queue)", ["durable": true])
        try await call("POST", "/api/bindings/%2F/e/\(exchange)/q/\(queue)", ["routing_key": .string(routingKey)])
    }

    /// Takes up to `count` messages off `queue` (the management API's `get`, acknowledged).
    func take(_ queue: String, count: Int = 10) async throws -> [JSON] {
        let response = try await call("POST", "/api/queues/%2F/\(queue)/get", ["count": .number(Double(count)), "ackmode": "ack_requeue_false", "encoding": "auto"])
        return response.json.arrayValue ?? []
    }

    static func unique(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }
}
