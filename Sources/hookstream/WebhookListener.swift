import Foundation
import HookstreamClient
import HookstreamCore
import HookstreamDelivery
import HummingbirdWSClient
import JSONValue
import Logging
import NIOCore
import NIOWebSocket
import Synchronization

/// The loop behind `hookstream listen`: follow the source's live feed, print (and relay) each
/// request, reconnect with ``ReconnectBackoff`` when the connection drops. Requests that
/// arrive while disconnected are stored by the server but not replayed here — they are in the
/// session (`GET /v1/test/sessions/:id`) or the source's events.
struct WebhookListener: Sendable {
    struct Target: Sendable {
        var sourceID: String
        /// A test session's bodies are read through the session API (no key needed).
        var isTestSession: Bool
        var expiresAt: String?
    }

    let api: APIClient
    let target: Target
    let forward: String?
    let full: Bool
    let timeoutSeconds: Double
    let json: Bool

    /// Largest body shown with `--full`.
    static let shownBodyLimit = 64 * 1024

    /// Why a connection ended.
    enum Ended {
        /// The server refused it for good (unknown or expired session, bad key): stop.
        case refused(String)
        case dropped(String)
    }

    /// Runs until cancelled (Ctrl-C) or refused.
    func run() async throws {
        let client = OutboundHTTPClient(policy: OutboundPolicy())
        do {
            var backoff = ReconnectBackoff()
            var connectedBefore = false
            while true {
                try Task.checkCancellation()
                let started = ContinuousClock.now
                let ended = await connect(client, reconnected: connectedBefore)
                connectedBefore = true
                try Task.checkCancellation()
                switch ended {
                case .refused(let message): throw CLIError(message)
                case .dropped(let reason):
                    let lasted = ContinuousClock.now - started
                    let delay = backoff.delay(afterConnectionLasted: Double(lasted.components.seconds))
                    FileHandle.standardError.write(Data("Connection lost (\(reason)); reconnecting in \(delay) s\n".utf8))
                    try await Task.sleep(for: .milliseconds(Int64(delay * 1000)))
                }
            }
        } catch {
            await client.shutdown()
            throw error
        }
    }

    private var feedURL: String {
        let base = api.baseURL
        let ws = base.hasPrefix("https://") ? "wss://" + base.dropFirst(8) : "ws://" + base.dropFirst(base.hasPrefix("http://") ? 7 : 0)
        var url = ws + "/v1/ws/test/" + APIClient.escape(target.sourceID)
        if !target.isTestSession, let key = api.apiKey { url += "?token=" + APIClient.escape(key) }
        return url
    }

    /// One connection, until it ends or the task is cancelled.
    private func connect(_ client: OutboundHTTPClient, reconnected: Bool) async -> Ended {
        let writer = Mutex<WebSocketOutboundWriter?>(nil)
        let refusal = Mutex<String?>(nil)
        var configuration = WebSocketClientConfiguration(maxFrameSize: 64 << 20)
        configuration.autoPing = .enabled(timePeriod: .seconds(30))
        var logger = Logger(label: "hookstream-listen")
        logger.logLevel = .critical
        do {
            let close = try await withTaskCancellationHandler {
                try await WebSocketClient.connect(url: feedURL, configuration: configuration, logger: logger) { inbound, outbound, _ in
                    writer.withLock { $0 = outbound }
                    if reconnected { FileHandle.standardError.write(Data("Reconnected.\n".utf8)) }
                    for try await message in inbound.messages(maxSize: 64 << 20) {
                        guard case .text(let text) = message, let value = try? JSON(parsing: Array(text.utf8)) else { continue }
                        switch value["type"]?.stringValue {
                        case "event":
                            if let data = value["data"] { await handle(data, client: client) }
                        case "error":
                            refusal.withLock { $0 = value["error"]?.stringValue }
                        default:
                            break
                        }
                    }
                }
            } onCancel: {
                if let outbound = writer.withLock({ $0 }) { Task { try? await outbound.close(.normalClosure, reason: "stopped") } }
            }
            if let close, case .unknown(let code) = close.closeCode, (4400..<4500).contains(code), code != 4429 {
                return .refused(refusal.withLock { $0 } ?? close.reason ?? "refused with close code \(code)")
            }
            return .dropped(close?.reason.flatMap { $0.isEmpty ? nil : $0 } ?? "connection closed")
        } catch {
            return .dropped("\(error)")
        }
    }

    /// Prints one request, relaying it first with `--forward`.
    private func handle(_ event: JSON, client: OutboundHTTPClient) async {
        let id = event["id"]?.stringValue ?? "?"
        let method = event["method"]?.stringValue ?? "POST"
        let query = Self.queryString(event["query"])
        let path = "/v1/ingest/\(target.sourceID)" + (query.isEmpty ? "" : "?" + query)
        var record: JSONObject = ["event_id": .string(id), "method": .string(method), "path": .string(path)]
        var line = "\(Self.clock())  \(method) \(path)"
        if let forward {
            let url = RequestRelay.url(forward, appendingQuery: Substring(query))
            do {
                let body = try await body(of: id)
                let answer = try await RequestRelay.send(
                    .init(method: method, headers: EventsCommand.Replay.headers(event["headers"]), body: body), to: url, client: client,
                    audience: .organization, timeoutSeconds: timeoutSeconds, extraHeaders: [("X-hookstream-Event-Id", id)],
                    maxResponseBytes: 1024 * 1024)
                let millis = (answer.latencyMillis * 10).rounded() / 10
                line += "  → \(answer.status.code) \(answer.status.reasonPhrase)  \(Int(millis.rounded())) ms"
                record["forward"] = ["url": .string(url), "status": .number(Double(answer.status.code)), "latency_ms": .number(millis), "error": .null]
            } catch {
                line += "  → failed: \(error)"
                record["forward"] = ["url": .string(url), "status": .null, "latency_ms": .null, "error": .string("\(error)")]
            }
        } else {
            line += "  \(id)  \(event["content_type"]?.cell ?? "-")  \(event["body_size"]?.cell ?? "0") B"
        }
        if json {
            if full { record["event"] = event }
            print(JSON.object(record).serialized())
        } else {
            print(line)
            if full { print(Self.details(event)) }
        }
        flushStandardOutput()
    }

    /// The body exactly as received (the live message carries it parsed, which would not
    /// keep a signed body's bytes).
    private func body(of eventID: String) async throws -> ByteBuffer {
        let path = target.isTestSession
            ? "/v1/test/sessions/\(APIClient.escape(target.sourceID))/events/\(APIClient.escape(eventID))/body"
            : "/v1/events/\(APIClient.escape(eventID))/body"
        var body = ByteBuffer()
        try await api.download(path) { chunk in body.writeImmutableBuffer(chunk) }
        return body
    }

    static func details(_ event: JSON) -> String {
        var lines: [String] = []
        for (name, value) in event["headers"]?.objectValue ?? [:] { lines.append("    \(name): \(value.cell)") }
        if let body = event["body"], body != .null {
            let text = body.stringValue ?? body.serialized(options: .prettyPrinted)
            lines.append("")
            lines.append(contentsOf: String(text.prefix(shownBodyLimit)).split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 })
        }
        lines.append("")
        return lines.joined(separator: "\n")
    }

    /// The query as a string again (`a=1&b=2`), repeated parameters repeated.
    static func queryString(_ query: JSON?) -> String {
        var pairs: [String] = []
        for (name, value) in query?.objectValue ?? [:] {
            for item in value.arrayValue ?? [value] {
                pairs.append(APIClient.escape(name) + "=" + APIClient.escape(item.stringValue ?? item.serialized()))
            }
        }
        return pairs.joined(separator: "&")
    }

    static func clock() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        return formatter.string(from: Date())
    }
}
