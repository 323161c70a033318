import Foundation
import HookstreamCore
import HookstreamDelivery
import HookstreamStore
import JSONValue

/// The `websocket` destination type: a delivery is pushed through the hub to the clients
/// following `deliveries:<destination_id>` as
/// `{"type":"delivery","channel":"deliveries:dst_…","data":{"event_id","status","body","delivered_at","channel_name"}}`.
///
/// A delivery is complete once the hub has taken it: with no client connected it still counts
/// as delivered (there is nobody to retry for, and retrying would only fill the dead-letter
/// queue with events no one missed). The attempt's response body says how many clients were
/// following at that moment.
///
/// With nodes sharing a database, the message is rendered at once and staged there first, so
/// the other nodes' clients get it too (`RealtimeRelay`); a database that does not take it
/// fails the attempt (503, retried) before any client gets anything.
struct WebSocketProvider: DeliveryProvider {
    static let type = "websocket"

    let hub: RealtimeHub
    /// Where a message is staged for the other nodes; nil when this node holds every client.
    let staging: SQLStore?

    func send(_ message: OutboundMessage, to runtime: DestinationRuntime) async -> ProviderResult {
        let destination = runtime.destination
        let channel = RealtimeChannel.destinationDeliveries(destination.id)
        let followers = hub.followerCount(of: channel, in: destination.tenant)
        let channelName = destination.providerConfig?["channel_name"]?.stringValue
        let body = message.body
        let deliveredAt = Timestamp.iso(message.now)
        let render: @Sendable () -> [UInt8] = {
            var w = JSONObjectWriter()
            w.member("event_id", .string(message.eventID))
            w.member("status", "delivered")
            switch EventBodyRendering(body) {
            case .empty: w.member("body", .null)
            case .json: w.member("body", rawJSON: body)
            case .text(let text): w.member("body", .string(text))
            case .binary(let base64): w.member("body", .string(base64))
            }
            w.member("delivered_at", .string(deliveredAt))
            w.member("channel_name", channelName.map(JSON.string) ?? .null)
            return w.finished()
        }
        if hub.relay != nil, let staging {
            let data = render()
            do {
                let id = try await staging.stageRealtimePayload(data, now: Timestamp.millis(message.now))
                hub.publish("delivery", on: [channel], tenant: destination.tenant, weight: data.count, subject: .staged(id)) { data }
            } catch {
                return ProviderResult(outcome: .response(statusCode: 503), error: "the database did not take the message for the other nodes: \(error)")
            }
        } else {
            hub.publish("delivery", on: [channel], tenant: destination.tenant, weight: body.count + 512, render: render)
        }
        let summary: JSON = ["channel": .string(channel.description), "subscribers": .number(Double(followers))]
        return ProviderResult(outcome: .response(statusCode: 200), responseBody: summary.serialized())
    }
}
