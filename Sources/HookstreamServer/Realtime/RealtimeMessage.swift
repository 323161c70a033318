import HookstreamCore
import JSONValue

/// The JSON the WebSocket endpoints speak, both ways.
///
/// Server to client: `{type, channel, data}` for what happened (`event`, `delivery`, `issue`,
/// `sync`); `welcome` on connect; `subscribed` / `unsubscribed` acknowledgements; `ping`
/// heartbeats; `error` with the standard error fields (`error`, `status`). Client to server:
/// `subscribe` / `unsubscribe` with a `channel`, `pong` (answering a heartbeat) and `ping`
/// (answered `pong`).
enum RealtimeMessage {
    /// `{"type":…,"channel":…,"data":<data>}` with `data` already serialized, so a resource is
    /// rendered once however many channels and clients it goes to.
    static func publication(type: String, channel: RealtimeChannel, data: [UInt8]) -> [UInt8] {
        var w = JSONObjectWriter()
        w.member("type", .string(type))
        w.member("channel", .string(channel.description))
        w.member("data", rawJSON: data)
        return w.finished()
    }

    static func welcome(tenant: Tenant, channels: [RealtimeChannel], heartbeatSeconds: Double) -> JSON {
        [
            "type": "welcome", "org_id": .string(tenant.organizationID), "environment_id": .string(tenant.environmentID),
            "channels": .array(channels.map { .string($0.description) }), "heartbeat_seconds": .number(heartbeatSeconds),
        ]
    }

    static func acknowledgement(_ type: String, channel: RealtimeChannel) -> JSON {
        ["type": .string(type), "channel": .string(channel.description)]
    }

    static let ping: JSON = ["type": "ping"]
    static let pong: JSON = ["type": "pong"]

    static func error(_ message: String, status: Int, channel: String? = nil) -> JSON {
        var o: JSONObject = ["type": "error", "error": .string(message), "status": .number(Double(status))]
        if let channel { o["channel"] = .string(channel) }
        return .object(o)
    }
}

/// A message a client sent to `/v1/ws`.
enum RealtimeRequest: Equatable {
    case subscribe(RealtimeChannel)
    case unsubscribe(RealtimeChannel)
    case ping
    case pong

    /// Why a client message was refused: answered with an `error` message, and the
    /// connection stays up.
    struct Refusal: Error, Equatable {
        var message: String
        var status = 400
        /// The channel named, echoed back so a client can tell which subscribe failed.
        var channel: String?
    }

    static func parse(_ text: String) -> Result<RealtimeRequest, Refusal> {
        guard case .object(let object)? = try? JSON(parsing: Array(text.utf8)) else {
            return .failure(Refusal(message: "Messages must be JSON objects with a 'type'"))
        }
        guard let type = object["type"]?.stringValue else {
            return .failure(Refusal(message: "Message has no 'type' (subscribe, unsubscribe, ping or pong)"))
        }
        switch type {
        case "ping": return .success(.ping)
        case "pong": return .success(.pong)
        case "subscribe", "unsubscribe":
            guard let name = object["channel"]?.stringValue else {
                return .failure(Refusal(message: "'\(type)' needs a 'channel' string"))
            }
            guard let channel = RealtimeChannel(name: name) else {
                return .failure(Refusal(message: "Unknown channel '\(name.prefix(100))': use \(RealtimeChannel.namesHelp)", channel: name))
            }
            return .success(type == "subscribe" ? .subscribe(channel) : .unsubscribe(channel))
        default:
            return .failure(Refusal(message: "Unknown message type '\(type.prefix(40))' (subscribe, unsubscribe, ping or pong)"))
        }
    }
}
