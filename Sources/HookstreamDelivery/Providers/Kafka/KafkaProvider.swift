import Foundation
import HookstreamCore
import JSONValue

/// The `kafka` type: one record per delivery through the Confluent REST API v3,
/// `POST {endpoint}/kafka/v3/clusters/{cluster_id}/topics/{topic}/records` with basic auth
/// (`api_key:api_secret`) — Confluent Cloud, Confluent Platform's embedded REST API or a
/// REST Proxy; no Kafka protocol client.
///
/// The record:
/// - **value**: the body as `{"type": "JSON", "data": …}` when it is JSON (the spec's shape);
///   any other body as `{"type": "BINARY", "data": base64}`, so consumers get the bytes
///   ingested.
/// - **key**: the event ID (`BINARY`): a retried delivery is recognisable by its key, and
///   records spread over partitions like keyless ones.
/// - **headers**: `hookstream-event-id` and `hookstream-destination-id` (the spec's), plus
///   `hookstream-source-id` and `content-type`. The v3 API carries header values as base64
///   bytes, so each value is the base64 of its UTF-8 text.
///
/// Confluent answers each record with its own `error_code` (200 when the record was
/// written); any other code, even in an HTTP 200 answer, is a failed attempt.
enum KafkaProduce: ServiceRequest {
    static func request(_ message: OutboundMessage, config: ProviderConfig, destinationID: String) throws -> ServiceHTTP.Request {
        ServiceHTTP.Request(
            method: "POST", url: try recordsURL(config),
            headers: [
                ("Content-Type", "application/json"),
                ServiceHTTP.basicAuthorization(user: try config.required("api_key"), password: try config.required("api_secret")),
            ],
            body: record(message, destinationID: destinationID).serializedBytes())
    }

    /// The records URL. `rest_endpoint` is the base the v3 path goes under; one ending in
    /// `/v3` already names the API root (a self-hosted REST Proxy serves `/v3/clusters/…`).
    /// Without it, Confluent Cloud's rule: HTTPS on the first bootstrap server's host.
    static func recordsURL(_ config: ProviderConfig) throws -> String {
        let root: String
        if let endpoint = config.string("rest_endpoint") {
            let base = ServiceHTTP.base(endpoint)
            root = base.hasSuffix("/v3") ? base : base + "/kafka/v3"
        } else {
            let servers = try config.required("bootstrap_servers")
            guard let host = bootstrapHost(servers) else {
                throw ProviderConfigError(field: "bootstrap_servers", "'config.bootstrap_servers' has no host: \(servers)")
            }
            root = "https://\(host)/kafka/v3"
        }
        return root + "/clusters/" + ServiceHTTP.pathSegment(try config.required("cluster_id")) + "/topics/"
            + ServiceHTTP.pathSegment(try config.required("topic")) + "/records"
    }

    /// The host of the first of `host:port[,host:port…]`, or `nil` when any entry is not
    /// `host:port` (an IPv6 host in brackets).
    static func bootstrapHost(_ servers: String) -> String? {
        var hosts: [Substring] = []
        for entry in servers.split(separator: ",", omittingEmptySubsequences: false) {
            let server = entry.trimmingCharacters(in: .whitespaces)
            guard let colon = server.lastIndex(of: ":"), let port = Int(server[server.index(after: colon)...]), (1...65535).contains(port) else {
                return nil
            }
            let host = server[..<colon]
            let bracketed = host.hasPrefix("[") && host.hasSuffix("]") && host.count > 2
            guard bracketed || (!host.isEmpty && host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-_".contains($0)) })) else {
                return nil
            }
            hosts.append(Substring(host))
        }
        return hosts.first.map(String.init)
    }

    /// The v3 produce body for one record.
    static func record(_ message: OutboundMessage, destinationID: String) -> JSON {
        let value: JSON
        if let parsed = try? JSON(parsing: message.body) {
            value = ["type": "JSON", "data": parsed]
        } else {
            value = ["type": "BINARY", "data": .string(Data(message.body).base64EncodedString())]
        }
        var headers = [("hookstream-event-id", message.eventID), ("hookstream-destination-id", destinationID)]
        if let source = message.event?.sourceID { headers.append(("hookstream-source-id", source)) }
        if let type = message.contentType { headers.append(("content-type", type)) }
        return [
            "key": ["type": "BINARY", "data": .string(Data(message.eventID.utf8).base64EncodedString())],
            "value": value,
            "headers": .array(headers.map { ["name": .string($0.0), "value": .string(Data($0.1.utf8).base64EncodedString())] }),
        ]
    }

    /// A delivery only when the answer is 2xx and the record's `error_code` is 200.
    static func verdict(_ answer: ServiceHTTP.Answer, shown: JSONObject, config: ProviderConfig) -> ProviderResult {
        let code = answer.json?["error_code"]
        let message = answer.json?["message"]?.stringValue
        guard answer.isSuccess else {
            // v3 errors: `{"error_code": 40403, "message": "This server does not host this topic-partition."}`
            let what = code.map { "Kafka REST error \($0): " } ?? "Kafka REST error: "
            return ServiceHTTP.result(answer, shown: shown, error: what + (message ?? String(answer.text.prefix(200))) + " (HTTP \(answer.status))")
        }
        guard code == 200 else {
            let topic = config.string("topic") ?? ""
            let error = code.map { "Kafka did not write the record to topic '\(topic)': error \($0): \(message ?? "no message")" }
                ?? "Kafka's answer did not confirm the record was written: \(answer.text.prefix(200))"
            return ServiceHTTP.result(answer, shown: shown, outcome: .rejected(statusCode: answer.status), error: error)
        }
        return ServiceHTTP.result(answer, shown: shown)
    }
}
