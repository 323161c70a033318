import Foundation
import HookstreamCDC
import HookstreamCore
import HookstreamDelivery
import HookstreamStore
import JSONValue
import NIOPosix

/// The one way an event enters delivery. Whatever brings it — a request at a source (ingest),
/// a publish to a topic, an operator retrying it, a resumed source releasing what it held,
/// and later CDC and inbound WebSocket — ``route(_:)`` runs it through its source's connections
/// (a published event: its topic's subscriptions),
/// commits the event's routing decision and its pending attempts in one transaction, and only
/// then wakes the delivery engine for the destinations that got work.
///
/// Concurrency: new events go through the group-commit writer (many requests, one
/// transaction); retries and releases are their own transactions. Which events are held is
/// decided by the store inside those transactions (see `CoreStore.insertEvents`), never from
/// the source cache, so a pause or resume cannot be raced by a stale entry.
struct EventRouting: Sendable {
    let store: any Store
    let writer: IngestWriter
    let delivery: DeliveryEngine
    let sources: SourceCache
    let topics: TopicCache
    let blobs: BlobStore
    let clock: any GatewayClock
    let realtime: RealtimeHub

    enum Request: Sendable {
        /// A new event, with its body bytes (already written to the blob store when large).
        case arrival(Event, body: [UInt8], dedup: DedupStamp?)
        /// A stored event routed again now, through its source's current connections.
        case retry(Event)
        /// Held events of one resumed source, oldest first.
        case release([Event])
    }

    enum Result: Sendable {
        case stored(IngestOutcome)
        /// Per route of a retry, the attempt queued, or `nil` when its destination is gone.
        case requeued([(route: Route, attempt: DeliveryAttempt?)])
        case released([HeldRelease])
    }

    /// Routes and commits; see the type's documentation.
    /// - Throws: `APIError` 409 when retrying an event its paused source still holds, or what
    ///   the store and writer throw (nothing was committed then).
    func route(_ request: Request) async throws -> Result {
        switch request {
        case .arrival(let event, let body, let dedup):
            let routing = try await routing(of: event)
            // A source feeding collections has the body parsed here, once: its filters read
            // the parse, and the collections' upsert takes it instead of parsing on the writer.
            let parsed = (routing?.source?.collectionCount ?? 0) > 0 ? ParsedBody(body) : nil
            var incoming = IncomingEvent(
                event: event, routes: try await routes(of: event, through: routing?.router, body: body, parsed: parsed), body: body)
            incoming.parsedBody = parsed
            if let dedup {
                incoming.dedupKeyHash = dedup.keyHash
                incoming.dedupExpiresAt = dedup.expiresAt
            }
            // Lanes that can send at once take the first attempts from memory after the
            // commit (`DeliveryEngine.reserve`); the others are woken to claim them.
            let reservation = delivery.reserve(
                routes: incoming.routes, transforms: Self.transforms(of: incoming.routes, in: routing?.router), orderKey: incoming.orderKey)
            incoming.attemptIDs = reservation.attemptIDs
            let outcome: IngestOutcome
            do {
                outcome = try await writer.submit(incoming)
            } catch {
                delivery.cancel(reservation)
                throw error
            }
            wake(delivery.handOff(reservation, event: event, committed: outcome.attemptIDs))
            if !outcome.duplicate { published(event, body: body, held: outcome.held, routed: !incoming.routes.isEmpty) }
            return .stored(outcome)

        case .retry(let event):
            // Routing a held event now would overtake the events held before it; the resume
            // routes it in its turn.
            if event.isHeld {
                throw APIError(.conflict, "The event is held while its source is paused; it is routed when the source resumes")
            }
            let routes = try await routes(of: event, body: nil)
            let queued = try await store.requeueEvent(id: event.id, tenant: event.tenant, routes: routes, now: clock.nowMillis)
            let paired = Array(zip(routes, queued)).map { (route: $0.0, attempt: $0.1) }
            wake(paired.filter { $0.attempt != nil }.map(\.route))
            return .requeued(paired)

        case .release(let events):
            var releases: [HeldRelease] = []
            for event in events {
                releases.append(HeldRelease(eventID: event.id, routes: try await routes(of: event, body: nil)))
            }
            let applied = try await store.releaseHeldEvents(releases, now: clock.nowMillis)
            wake(applied.flatMap(\.routes))
            return .released(applied)
        }
    }

    /// Captured database changes: each event routed through its source's connections, then
    /// the events, their attempts and the source's confirmed LSN committed together (the
    /// store skips transactions it already holds), and only then the destinations woken.
    func captured(_ transactions: [CaptureBatch.Transaction], sourceID: String) async throws -> CaptureCommit {
        var stored: [CapturedTransaction] = []
        for transaction in transactions {
            var events: [IncomingEvent] = []
            for captured in transaction.events { events.append(try await incoming(captured)) }
            stored.append(CapturedTransaction(endLSN: transaction.endLSN, events: events))
        }
        let commit = try await store.commitCapture(stored, sourceID: sourceID)
        wake(stored.flatMap { $0.events.flatMap(\.routes) })
        return commit
    }

    /// A page of a database source's snapshot: its events routed, then stored with the
    /// snapshot's progress in one transaction, then the destinations woken.
    func snapshotPage(_ events: [CapturedEvent], snapshot: CaptureSnapshot, sourceID: String) async throws {
        var routed: [IncomingEvent] = []
        for captured in events { routed.append(try await incoming(captured)) }
        _ = try await store.commitSnapshotPage(routed, snapshot: snapshot, sourceID: sourceID)
        wake(routed.flatMap(\.routes))
    }

    /// A captured change as the store takes it: routed, with its row's order key.
    private func incoming(_ captured: CapturedEvent) async throws -> IncomingEvent {
        var incoming = IncomingEvent(event: captured.event, routes: try await routes(of: captured.event, body: captured.body), body: captured.body)
        incoming.orderKey = captured.orderKey
        return incoming
    }

    /// The router the event goes through: its topic's subscriptions as they are now for a
    /// published event, else its source's connections (with the source, as cached); `nil` for
    /// a source that is gone.
    private func routing(of event: Event) async throws -> (router: EventRouter, source: Source?)? {
        if let topicID = event.topicID { return (try await topics.router(topicID: topicID), nil) }
        return try await sources.entry(id: event.sourceID).map { ($0.router, $0.source) }
    }

    /// The connections of the event's source that its filters pass.
    private func routes(of event: Event, body: [UInt8]?) async throws -> [Route] {
        try await routes(of: event, through: routing(of: event)?.router, body: body)
    }

    /// The routes `router` gives the event. The body is read (from the blob store if need be)
    /// and parsed only when some connection filters, and not again when `parsed` has it.
    private func routes(of event: Event, through router: EventRouter?, body: [UInt8]?, parsed: ParsedBody? = nil) async throws -> [Route] {
        guard let router else { return [] }
        var payload: JSON?
        if router.inspectsEvents {
            if let parsed {
                payload = parsed.json
            } else {
                let bytes: [UInt8]
                if let body { bytes = body } else { bytes = try await bodyBytes(event) }
                payload = try? JSON(parsing: bytes)
            }
        }
        return router.routes {
            FilterInput(
                body: payload, headers: event.headers, method: event.method, contentType: event.contentType,
                sourceIP: event.sourceIP, query: event.query)
        }
    }

    func bodyBytes(_ event: Event) async throws -> [UInt8] {
        switch event.body {
        case .inline(let inline): return inline
        case .blob(let key):
            // File reads block; keep them off the event loops.
            let blobs = blobs
            return try await NIOThreadPool.singleton.runIfActive { try blobs.read(key: key) }
        }
    }

    /// Tells real-time followers about a committed event, as `GET /v1/events/:id` shows it
    /// (its status as just stored, no attempts yet). Costs nothing when nobody follows.
    private func published(_ stored: Event, body: [UInt8], held: Bool, routed: Bool) {
        // Ingest's hot path: with nobody connected (and no other node) this is one atomic load.
        guard realtime.isPublishing else { return }
        var copy = stored
        copy.status = held ? .held : routed ? .processing : .received
        let event = copy
        let channels: [RealtimeChannel] = event.topicID == nil ? [.events, .sourceEvents(event.sourceID)] : [.events]
        realtime.publish("event", on: channels, tenant: event.tenant, weight: body.count + 1024, subject: .event(event.id)) { [sources] in
            let name = event.topicID == nil ? try await sources.entry(id: event.sourceID)?.source.name : nil
            return EventsRoutes.detail(StoredEvent(event: event, sourceName: name), body: body, attempts: [])
        }
    }

    /// Per route, its connection's transform when enabled (as the claim would read it).
    static func transforms(of routes: [Route], in router: EventRouter?) -> [String?] {
        guard let router, router.connections.contains(where: \.transformEnabled) else { return routes.map { _ in nil } }
        let enabled = Dictionary(
            router.connections.filter(\.transformEnabled).map { ($0.id, $0.transformExpression) }, uniquingKeysWith: { first, _ in first })
        return routes.map { enabled[$0.connectionID] ?? nil }
    }

    private func wake(_ routes: [Route]) {
        for destinationID in Set(routes.map(\.destinationID)) { delivery.wake(destinationID: destinationID) }
    }
}

/// A request's dedup key (hashed) and when its window closes (Unix milliseconds).
struct DedupStamp: Sendable, Equatable {
    var keyHash: String
    var expiresAt: Int64
}
