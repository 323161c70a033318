import Foundation
import HookstreamCore
import HookstreamStore
import JSONValue
import Logging
import ServiceLifecycle
import Synchronization

/// What a real-time publication is about, by ID: enough for another node to render the same
/// message from the shared database, since a notification carries IDs, not bodies.
public enum RealtimeSubject: Sendable, Equatable {
    /// An event, as `GET /v1/events/:id` shows it.
    case event(String)
    /// A delivery attempt, as `GET /v1/delivery-attempts/:id` shows it.
    case attempt(String)
    /// The issue an attempt's failure opened or updated.
    case issueOfAttempt(String)
    /// The open `circuit_open` issue of a destination.
    case circuitIssue(destinationID: String)
    case issue(String)
    /// A collection record synced by an event (`sync` message).
    case record(collectionID: String, key: String, action: ChangelogEntry.Action)
    /// A message rendered once and staged in the database (a `websocket` destination's
    /// delivery, whose payload nothing else holds).
    case staged(String)
    /// Not a publication: a test session was claimed or deleted, and its feeds end on every
    /// node.
    case testSessionEnded(String, claimed: Bool)
}

/// One publication as it crosses between nodes.
struct RealtimeRelayItem: Sendable, Equatable {
    var type: String
    var channels: [RealtimeChannel]
    var tenant: Tenant
    var subject: RealtimeSubject

    var json: JSON {
        var o: JSONObject = [
            "type": .string(type), "org": .string(tenant.organizationID), "env": .string(tenant.environmentID),
            "channels": .array(channels.map { .string($0.description) }),
        ]
        switch subject {
        case .event(let id): o["event"] = .string(id)
        case .attempt(let id): o["attempt"] = .string(id)
        case .issueOfAttempt(let id): o["issue_of_attempt"] = .string(id)
        case .circuitIssue(let id): o["circuit_issue"] = .string(id)
        case .issue(let id): o["issue"] = .string(id)
        case .record(let collection, let key, let action):
            o["collection"] = .string(collection)
            o["record"] = .string(key)
            o["action"] = .string(action.rawValue)
        case .staged(let id): o["staged"] = .string(id)
        case .testSessionEnded(let id, let claimed):
            o["test_session_ended"] = .string(id)
            o["claimed"] = .bool(claimed)
        }
        return .object(o)
    }

    init(type: String, channels: [RealtimeChannel], tenant: Tenant, subject: RealtimeSubject) {
        (self.type, self.channels, self.tenant, self.subject) = (type, channels, tenant, subject)
    }

    init?(_ json: JSON) {
        guard let type = json["type"]?.stringValue, let org = json["org"]?.stringValue, let env = json["env"]?.stringValue,
            let names = json["channels"]?.arrayValue
        else { return nil }
        let channels = names.compactMap { $0.stringValue.flatMap(RealtimeChannel.init(name:)) }
        guard channels.count == names.count else { return nil }
        let subject: RealtimeSubject
        if let id = json["event"]?.stringValue {
            subject = .event(id)
        } else if let id = json["attempt"]?.stringValue {
            subject = .attempt(id)
        } else if let id = json["issue_of_attempt"]?.stringValue {
            subject = .issueOfAttempt(id)
        } else if let id = json["circuit_issue"]?.stringValue {
            subject = .circuitIssue(destinationID: id)
        } else if let id = json["issue"]?.stringValue {
            subject = .issue(id)
        } else if let collection = json["collection"]?.stringValue, let key = json["record"]?.stringValue,
            let action = json["action"]?.stringValue.flatMap(ChangelogEntry.Action.init(rawValue:))
        {
            subject = .record(collectionID: collection, key: key, action: action)
        } else if let id = json["staged"]?.stringValue {
            subject = .staged(id)
        } else if let id = json["test_session_ended"]?.stringValue {
            subject = .testSessionEnded(id, claimed: json["claimed"]?.boolValue ?? false)
        } else {
            return nil
        }
        self.init(type: type, channels: channels, tenant: Tenant(organizationID: org, environmentID: env), subject: subject)
    }
}

/// The publications this node's hub hands to the relay, waiting to be sent. Bounded: when the
/// database cannot take notifications as fast as they come, the newest are dropped (and
/// counted in the log) rather than held without limit; the publishing node's own clients still
/// get them.
final class RealtimeRelayQueue: Sendable {
    static let limit = 50_000
    let items = BatchQueue<RealtimeRelayItem>()
    /// Items dropped since the relay last logged it.
    let dropped = Atomic<Int>(0)

    func append(_ item: RealtimeRelayItem) {
        if !items.append(item, limit: Self.limit) { dropped.add(1, ordering: .relaxed) }
    }
}

/// Carries real-time publications between nodes sharing a PostgreSQL database, so a WebSocket
/// client sees what happens on every node, not only on the one it is connected to.
///
/// Each publication of this node's hub (`RealtimeHub.publish` with a subject) is sent as a few
/// IDs on the `hookstream_realtime` notification channel, many per notification; every other
/// node renders it from the database — only when one of its clients follows a channel it goes
/// to — and publishes it to its own clients. A node skips its own notifications. Notifications
/// are sent from a reader session, after the publication's commit, so a node never reads an
/// ID before its row is there.
struct RealtimeRelay: Service {
    static let channel = "hookstream_realtime"
    /// PostgreSQL refuses a notification payload of 8000 bytes or more.
    static let maximumPayloadBytes = 7_800

    let node: String
    let queue: RealtimeRelayQueue
    let store: SQLStore
    let hub: RealtimeHub
    let routing: EventRouting
    let logger: Logger

    func run() async throws {
        guard let notifications = store.notifications(channel: Self.channel) else {
            try? await gracefulShutdown()
            return
        }
        // Sending ends once the queue is finished and drained; receiving at shutdown.
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await send() }
                for await payload in notifications.cancelOnGracefulShutdown() { receive(payload) }
            }
        } onGracefulShutdown: {
            queue.items.finish()
        }
    }

    // MARK: Sending

    private func send() async {
        while let items = await queue.items.next() {
            for payload in Self.payloads(node: node, items) {
                do {
                    try await store.notify(channel: Self.channel, payload: payload)
                } catch {
                    logger.warning("could not relay real-time messages to other nodes", metadata: ["error": "\(error)"])
                }
            }
            let dropped = queue.dropped.exchange(0, ordering: .relaxed)
            if dropped > 0 { logger.warning("real-time messages not relayed to other nodes: the relay fell behind", metadata: ["dropped": "\(dropped)"]) }
        }
    }

    /// Packs items into as few payloads as fit PostgreSQL's limit.
    static func payloads(node: String, _ items: [RealtimeRelayItem]) -> [String] {
        let prefix = #"{"node":"# + JSON.string(node).serialized() + #","items":["#
        var payloads: [String] = []
        var current = prefix
        var count = 0
        for item in items {
            let text = item.json.serialized()
            if count > 0 && current.utf8.count + text.utf8.count + 3 > maximumPayloadBytes {
                payloads.append(current + "]}")
                current = prefix
                count = 0
            }
            current += (count > 0 ? "," : "") + text
            count += 1
        }
        if count > 0 { payloads.append(current + "]}") }
        return payloads
    }

    // MARK: Receiving

    private func receive(_ payload: String) {
        guard let json = try? JSON(parsing: payload), let from = json["node"]?.stringValue, let items = json["items"]?.arrayValue else {
            logger.warning("ignored a real-time notification that is not the relay's")
            return
        }
        guard from != node else { return }
        for item in items.compactMap(RealtimeRelayItem.init) {
            if case .testSessionEnded(let id, let claimed) = item.subject {
                TestSessionStream.sessionEnded(id, claimed: claimed, hub: hub, relayed: true)
                continue
            }
            guard item.channels.contains(where: { hub.isFollowed($0, in: item.tenant) }) else { continue }
            let (store, routing, tenant, subject) = (store, routing, item.tenant, item.subject)
            hub.publish(item.type, on: item.channels, tenant: tenant) {
                try await Self.render(subject, tenant: tenant, store: store, routing: routing)
            }
        }
    }

    /// The message for `subject`, read from the database; nil when what it names is gone.
    static func render(_ subject: RealtimeSubject, tenant: Tenant, store: SQLStore, routing: EventRouting) async throws -> [UInt8]? {
        switch subject {
        case .event(let id):
            guard let stored = try await store.event(id: id, tenant: tenant) else { return nil }
            return EventsRoutes.detail(stored, body: try await routing.bodyBytes(stored.event), attempts: [])
        case .attempt(let id):
            return try await store.deliveryAttempt(id: id, tenant: tenant).map { DeliveryAttemptsRoutes.render($0, detail: true).serializedBytes() }
        case .issueOfAttempt(let id): return try await RealtimeHub.issue(ofAttempt: id, tenant: tenant, store: store)
        case .circuitIssue(let destinationID): return try await RealtimeHub.circuitIssue(destinationID: destinationID, tenant: tenant, store: store)
        case .issue(let id): return try await store.issue(id: id, tenant: tenant).map { IssuesRoutes.render($0).serializedBytes() }
        case .record(let collectionID, let key, let action):
            guard let record = try await store.collectionRecord(collectionID: collectionID, tenant: tenant, key: key) else { return nil }
            return CollectionSyncMessage.data(RecordSync(tenant: tenant, action: action, record: record))
        case .staged(let id): return try await store.realtimePayload(id: id)
        case .testSessionEnded: return nil
        }
    }
}
