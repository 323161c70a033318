import Foundation
import HookstreamTesting
import JSONValue
import Synchronization

/// A stand-in for Confluent's REST API v3 produce endpoint (no Kafka broker or REST proxy
/// can be installed here), faithful to what a producer sees:
/// `POST /kafka/v3/clusters/{cluster_id}/topics/{topic}/records` with basic auth and a JSON
/// record (`key`, `value` as `{"type": "BINARY"|"JSON"|"STRING", "data": …}`, `headers` with
/// base64 values), answered with the record's `error_code` 200, partition and offset, or with
/// a v3 error body `{"error_code": …, "message": …}` — 401 for bad credentials, 404 for an
/// unknown cluster or topic, 400 for a malformed record, and while `refuse` is set an HTTP 200
/// whose record carries the error code (how Confluent reports a record it could not write).
final class KafkaRESTFake: Sendable {
    /// A record as a consumer would read it.
    struct Record: Sendable {
        var key: [UInt8]?
        /// The value's bytes (a JSON value serialized).
        var value: [UInt8]
        var valueType: String
        var headers: [(name: String, value: String)]
    }

    private struct State {
        var topics: [String: [Record]]
        var refusal: (code: Int, message: String)?
    }

    let receiver: TestReceiver
    let cluster: String
    let apiKey: String
    let apiSecret: String
    private let state: Mutex<State>

    var url: String { receiver.url }

    private init(receiver: TestReceiver, cluster: String, apiKey: String, apiSecret: String, topics: [String]) {
        self.receiver = receiver
        self.cluster = cluster
        self.apiKey = apiKey
        self.apiSecret = apiSecret
        state = Mutex(State(topics: Dictionary(uniqueKeysWithValues: topics.map { ($0, []) })))
    }

    static func start(cluster: String = "lkc-test1", apiKey: String = "FAKEKEY123456789", apiSecret: String, topics: [String]) async throws -> KafkaRESTFake {
        let receiver = try await TestReceiver.start()
        let fake = KafkaRESTFake(receiver: receiver, cluster: cluster, apiKey: apiKey, apiSecret: apiSecret, topics: topics)
        receiver.setDefault(.computed { [weak fake] in fake?.answer($0) ?? .status(503, body: "{}") })
        return fake
    }

    func stop() { receiver.stop() }

    /// Until `recover`, every record is answered HTTP 200 with this error code.
    func refuse(code: Int, message: String) { state.withLock { $0.refusal = (code, message) } }
    func recover() { state.withLock { $0.refusal = nil } }
    func createTopic(_ name: String) { state.withLock { $0.topics[name] = $0.topics[name] ?? [] } }

    func records(_ topic: String) -> [Record] { state.withLock { $0.topics[topic] ?? [] } }

    private static func error(_ status: Int, _ code: Int, _ message: String) -> TestReceiver.Reply {
        .status(status, body: JSON.object(["error_code": .number(Double(code)), "message": .string(message)]).serialized())
    }

    private func answer(_ request: TestReceiver.Received) -> TestReceiver.Reply {
        let expected = "Basic " + Data("\(apiKey):\(apiSecret)".utf8).base64EncodedString()
        guard request.headers["authorization"] == expected else { return Self.error(401, 40101, "Unauthorized") }
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        // "", "kafka", "v3", "clusters", id, "topics", name, "records"
        guard parts.count == 8, parts[1] == "kafka", parts[2] == "v3", parts[3] == "clusters", parts[5] == "topics", parts[7] == "records" else {
            return Self.error(404, 404, "HTTP 404 Not Found")
        }
        guard parts[4] == cluster else { return Self.error(404, 404, "Cluster \(parts[4]) cannot be found.") }
        let topic = parts[6].removingPercentEncoding ?? parts[6]
        guard request.headers["content-type"]?.hasPrefix("application/json") == true else {
            return Self.error(415, 415, "HTTP 415 Unsupported Media Type")
        }
        let record: Record
        switch Self.parse(request.body) {
        case .success(let parsed): record = parsed
        case .failure(let problem): return Self.error(400, 400, problem.message)
        }
        return state.withLock { s -> TestReceiver.Reply in
            guard s.topics[topic] != nil else { return Self.error(404, 40403, "This server does not host this topic-partition.") }
            if let refusal = s.refusal {
                return .status(200, body: JSON.object(["error_code": .number(Double(refusal.code)), "message": .string(refusal.message)]).serialized())
            }
            s.topics[topic, default: []].append(record)
            let answer: JSON = [
                "error_code": 200, "cluster_id": .string(cluster), "topic_name": .string(topic), "partition_id": 0,
                "offset": .number(Double(s.topics[topic, default: []].count - 1)), "timestamp": "2026-12-05T12:00:00.000Z",
                "key": record.key.map { ["type": "BINARY", "size": .number(Double($0.count))] } ?? .null,
                "value": ["type": .string(record.valueType), "size": .number(Double(record.value.count))],
            ]
            return .status(200, body: answer.serialized())
        }
    }

    struct Problem: Error { var message: String }

    /// A produce request body as the v3 API reads it, or the 400 message it answers.
    static func parse(_ body: [UInt8]) -> Result<Record, Problem> {
        guard case .object(let object)? = try? JSON(parsing: body) else { return .failure(Problem(message: "Request body is not a JSON object")) }
        if let unknown = object.keys.first(where: { !["partition_id", "headers", "key", "value", "timestamp"].contains($0) }) {
            return .failure(Problem(message: "Unrecognized field: \(unknown)"))
        }
        var headers: [(name: String, value: String)] = []
        for header in object["headers"]?.arrayValue ?? [] {
            guard let name = header["name"]?.stringValue, let encoded = header["value"]?.stringValue, let value = Data(base64Encoded: encoded) else {
                return .failure(Problem(message: "Header values must be base64-encoded bytes: \(header)"))
            }
            headers.append((name, String(decoding: value, as: UTF8.self)))
        }
        var key: [UInt8]?
        if let data = object["key"] {
            guard case .success(let decoded) = bytes(of: data) else { return .failure(Problem(message: "Invalid key: \(data)")) }
            key = decoded.1
        }
        guard let value = object["value"], case .success(let decoded) = bytes(of: value) else {
            return .failure(Problem(message: "Invalid value: \(object["value"] ?? .null)"))
        }
        return .success(Record(key: key, value: decoded.1, valueType: decoded.0, headers: headers))
    }

    /// `{"type": …, "data": …}` → its type and the bytes Kafka would store.
    static func bytes(of data: JSON) -> Result<(String, [UInt8]), Problem> {
        switch (data["type"]?.stringValue, data["data"]) {
        case ("BINARY", .string(let encoded)?):
            guard let bytes = Data(base64Encoded: encoded) else { return .failure(Problem(message: "BINARY data is not base64")) }
            return .success(("BINARY", Array(bytes)))
        case ("JSON", let value?): return .success(("JSON", value.serializedBytes()))
        case ("STRING", .string(let text)?): return .success(("STRING", Array(text.utf8)))
        default: return .failure(Problem(message: "type must be BINARY, JSON or STRING, with data"))
        }
    }
}
