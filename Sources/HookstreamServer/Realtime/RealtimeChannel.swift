import HookstreamCore

/// A stream a WebSocket client can follow. Channels are always read within the client's
/// tenant: `events` is the organization's events, never anyone else's, and a channel naming a
/// resource (`events:src_…`) is only granted once that resource is found in the tenant.
public enum RealtimeChannel: Hashable, Sendable, CustomStringConvertible {
    /// Every event received by the tenant's sources (and published to its topics).
    case events
    /// Events of one source.
    case sourceEvents(String)
    /// Every delivery attempt recorded.
    case deliveries
    /// Attempts and `websocket` destination broadcasts of one destination.
    case destinationDeliveries(String)
    /// Issues opened, updated or resolved.
    case issues
    /// Records synced into one Instant Database collection.
    case collection(String)

    /// What a new connection follows without asking (the spec: "you receive real-time events
    /// for your organization across all sources and destinations").
    public static let defaults: [RealtimeChannel] = [.events, .deliveries, .issues]

    /// Parses a channel name as clients send it; `nil` for anything else (an unknown name, or
    /// an ID of the wrong kind, so `events:dst_…` is refused rather than silently empty).
    public init?(name: String) {
        guard name.utf8.count <= 100 else { return nil }
        switch name {
        case "events": self = .events
        case "deliveries": self = .deliveries
        case "issues": self = .issues
        default:
            guard let colon = name.firstIndex(of: ":") else { return nil }
            let kind = name[..<colon]
            let id = String(name[name.index(after: colon)...])
            switch kind {
            case "events" where ResourceID.isWellFormed(id, .source): self = .sourceEvents(id)
            case "deliveries" where ResourceID.isWellFormed(id, .destination): self = .destinationDeliveries(id)
            case "collections" where ResourceID.isWellFormed(id, .collection): self = .collection(id)
            default: return nil
            }
        }
    }

    public var description: String {
        switch self {
        case .events: "events"
        case .sourceEvents(let id): "events:" + id
        case .deliveries: "deliveries"
        case .destinationDeliveries(let id): "deliveries:" + id
        case .issues: "issues"
        case .collection(let id): "collections:" + id
        }
    }

    /// The resource a channel names, which must belong to the client's tenant.
    var resource: (kind: String, id: String)? {
        switch self {
        case .events, .deliveries, .issues: nil
        case .sourceEvents(let id): ("Source", id)
        case .destinationDeliveries(let id): ("Destination", id)
        case .collection(let id): ("Collection", id)
        }
    }

    static let namesHelp = "events, events:<source_id>, deliveries, deliveries:<destination_id>, issues or collections:<collection_id>"
}
