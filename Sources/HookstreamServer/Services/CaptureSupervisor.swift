import Foundation
import HookstreamCDC
import HookstreamCore
import HookstreamStore
import Logging
import ServiceLifecycle
import Synchronization

/// Runs one ``ChangeCapture`` loop per capturing database source on this node: all of them at
/// start, one more when a source is created, resumed or gets its first connection, one fewer
/// when it is paused, deleted or loses its last connection; a backfill restarts it, so that it
/// begins with the new snapshot. A source captures only while it is
/// active and has a connection: a change captured with no route would be stored and delivered
/// nowhere, while the slot keeps it until a route exists. Each loop commits through
/// ``EventRouting/captured(_:sourceID:)`` (events, routed attempts and the confirmed LSN in one
/// store transaction) before it advances the slot.
///
/// Stopping a loop waits for it to end, so a pause or delete that returns has no capture left
/// touching the slot (a delete can then drop it).
final class CaptureSupervisor: Service, Sendable {
    let store: any Store
    let secrets: SecretBox
    let routing: EventRouting
    let clock: any GatewayClock
    let logger: Logger
    let configuration: ChangeCapture.Configuration
    /// This node's ID when nodes share the database: each source is then captured by one node
    /// at a time, the holder of its lease (see ``captureHoldingLease(_:node:)``).
    let node: String?
    private let loops = Mutex<[String: Task<Void, Never>]>([:])

    /// How long a capture lease holds unrenewed (how soon another node takes over the capture
    /// of a dead one), and how often the holder renews it and looks at the source.
    static let leaseLength: Int64 = 10_000
    static let leaseCheck: Duration = .seconds(1)

    /// The lag watch: how often every database source's slot lag is measured, and the limit
    /// past which its `capture_lag` issue opens.
    let lagCheckInterval: Duration
    let maxLagBytes: Int64

    init(
        store: any Store, secrets: SecretBox, routing: EventRouting, clock: any GatewayClock, snapshotPageRows: Int, lagCheckInterval: Duration,
        maxLagBytes: Int64, node: String?, logger: Logger
    ) {
        self.node = node
        self.lagCheckInterval = lagCheckInterval
        self.maxLagBytes = maxLagBytes
        self.store = store
        self.secrets = secrets
        self.routing = routing
        self.clock = clock
        self.logger = logger
        var configuration = ChangeCapture.Configuration()
        configuration.pollInterval = .milliseconds(50)
        configuration.snapshotPageRows = snapshotPageRows
        self.configuration = configuration
    }

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.startAll() }
            group.addTask { await self.watchLag() }
            try? await gracefulShutdown()
            group.cancelAll()
        }
        let running = loops.withLock { loops in
            defer { loops.removeAll() }
            return Array(loops.values)
        }
        for loop in running { loop.cancel() }
        for loop in running { await loop.value }
    }

    /// Starts every source that should capture. A store that cannot be read at that moment is
    /// read again, backing off to 30 s, rather than leaving every source uncaptured until the
    /// next restart. Nodes sharing the database look again every 10 s: a source created or
    /// resumed through another node's API gets a loop here too, ready to take its capture over
    /// should that node die.
    private func startAll() async {
        var backoff: Duration = .seconds(1)
        while !Task.isCancelled {
            let wait: Duration
            do {
                for capture in try await store.captureStates() {
                    guard let source = try await capturing(capture.sourceID) else { continue }
                    start(source, capture: capture)
                }
                guard node != nil else { return }
                (wait, backoff) = (.seconds(10), .seconds(1))
            } catch {
                logger.error("change capture: could not read the database sources", metadata: ["error": "\(error)", "retry_in": "\(backoff)"])
                (wait, backoff) = (backoff, min(backoff * 2, .seconds(30)))
            }
            do { try await clock.sleep(for: wait) } catch { return }
        }
    }

    /// Measures the slot lag of every database source (paused ones too: a paused source's
    /// slot is what piles up WAL) each `lagCheckInterval`, opening the source's `capture_lag`
    /// issue while it is over `--cdc-max-lag-bytes` and resolving it once back under. A lag
    /// that cannot be measured (database unreachable, slot gone) changes nothing here: capture
    /// reports those as `capture_error`.
    private func watchLag() async {
        while !Task.isCancelled {
            do { try await clock.sleep(for: lagCheckInterval) } catch { return }
            guard let captures = try? await store.captureStates() else { continue }
            for capture in captures where !Task.isCancelled {
                guard let uri = try? PostgresURI(parsing: try secrets.open(capture.sealedConnectionURI)),
                    let lag = try? await CaptureSetup(uri: uri, logger: logger).slotLagBytes(slot: capture.slotName),
                    let source = try? await store.source(id: capture.sourceID)
                else { continue }
                let warning = CaptureState.lagWarning(bytes: lag, limit: maxLagBytes, capture: activity(of: source))
                try? await store.recordCaptureLag(sourceID: capture.sourceID, message: warning, at: clock.nowMillis)
            }
        }
    }

    /// Starts or stops the source's capture to match what it should do now: run while the
    /// source is active and has at least one connection. Called whenever either changes; a
    /// source that is not a database source has nothing to start.
    func sync(sourceID: String) async throws {
        // One read for a webhook source, whose connections change far more often.
        guard let capture = try await store.captureState(sourceID: sourceID) else { return }
        if let source = try await capturing(sourceID) {
            start(source, capture: capture)
        } else {
            await stop(sourceID: sourceID)
        }
    }

    /// Stops the source's capture and starts it again (when it should run), so that it picks
    /// up a state changed in the store, such as a backfill's pending snapshot. The loop that
    /// was running has ended before the new one starts.
    func restart(sourceID: String) async throws {
        await stop(sourceID: sourceID)
        try await sync(sourceID: sourceID)
    }

    /// What the source's capture is doing on this node, for the lag warning's advice.
    func activity(of source: Source) -> CaptureState.Activity {
        if source.status == .paused { return .paused }
        return loops.withLock { $0[source.id] } == nil ? .awaitingConnection : .running
    }

    /// The source, when it should be captured (see ``shouldCapture(_:)``).
    private func capturing(_ sourceID: String) async throws -> Source? {
        guard let source = try await store.source(id: sourceID), try await shouldCapture(source) else { return nil }
        return source
    }

    /// Whether `source` should be captured: active, with a route for its changes.
    private func shouldCapture(_ source: Source) async throws -> Bool {
        guard source.status == .active else { return false }
        return try await !store.activeConnections(sourceID: source.id).isEmpty
    }

    /// Stops the source's capture and waits until its loop has ended.
    func stop(sourceID: String) async {
        guard let loop = loops.withLock({ $0.removeValue(forKey: sourceID) }) else { return }
        loop.cancel()
        await loop.value
    }

    private func start(_ source: Source, capture: CaptureState) {
        let uri: PostgresURI
        do {
            uri = try PostgresURI(parsing: try secrets.open(capture.sealedConnectionURI))
        } catch {
            logger.error("change capture: the source's connection URI cannot be opened", metadata: ["source_id": "\(source.id)"])
            return
        }
        let sourceID = source.id
        loops.withLock { loops in
            guard loops[sourceID] == nil else { return }
            loops[sourceID] = Task {
                if let node {
                    await captureHoldingLease(source, node: node)
                    return
                }
                // Read again as the loop begins: a state stored after `capture` was read (a
                // backfill's pending snapshot, by a restart racing this start) would otherwise
                // wait for the next start.
                let current = (try? await store.captureState(sourceID: sourceID)) ?? capture
                await loop(source, capture: current, uri: uri).run()
            }
        }
    }

    /// Nodes sharing a database: the source is captured by the node holding its lease, so its
    /// snapshot is read once and its slot has one reader. The others wait, trying for the lease
    /// each second. The holder renews it each second and reads the source: paused, deleted or
    /// disconnected (through any node's API) ends its capture and frees the lease; a backfill
    /// or new tables (through any node) begin it again with the new state.
    private func captureHoldingLease(_ source: Source, node: String) async {
        let lease = "capture: \(source.id)"
        /// Takes or renews the lease for `length` ms; 0 frees it.
        func hold(for length: Int64) async -> Bool {
            let now = clock.nowMillis
            return (try? await store.acquireJobLease(name: lease, holder: node, now: now, until: now + length)) ?? false
        }
        while !Task.isCancelled {
            // Waiting: for the source to be captured at all, then for the lease.
            switch await wanted(source.id) {
            case .gone: return
            case .no, .unknown: break
            case .yes(let current, let uri):
                guard await hold(for: Self.leaseLength) else { break }
                let run = Task { await loop(source, capture: current, uri: uri).run() }
                // Holding: until the lease is lost, the source is no longer captured, or its
                // state asks for a new start.
                var release = false
                holding: while !Task.isCancelled {
                    do { try await clock.sleep(for: Self.leaseCheck) } catch { break }
                    guard await hold(for: Self.leaseLength) else { break }
                    switch await wanted(source.id) {
                    case .yes(let stored, _): if Self.needsNewStart(started: current, stored: stored) { break holding }
                    case .unknown: continue
                    case .no, .gone:
                        release = true
                        break holding
                    }
                }
                run.cancel()
                await run.value
                if release || Task.isCancelled { _ = await hold(for: 0) }
                // A deleted source ends at the top (`.gone`); the others wait or start again.
                continue
            }
            do { try await clock.sleep(for: Self.leaseCheck) } catch { return }
        }
    }

    enum Wanted {
        /// Active and connected: its capture state and connection URI now.
        case yes(CaptureState, PostgresURI)
        /// Paused or without a connection.
        case no
        /// Deleted.
        case gone
        /// The store could not be read.
        case unknown
    }

    /// Whether the source should be captured, as the store has it now.
    private func wanted(_ sourceID: String) async -> Wanted {
        do {
            guard let capture = try await store.captureState(sourceID: sourceID), let source = try await store.source(id: sourceID) else { return .gone }
            guard try await shouldCapture(source) else { return .no }
            return .yes(capture, try PostgresURI(parsing: try secrets.open(capture.sealedConnectionURI)))
        } catch {
            return .unknown
        }
    }

    /// A capture started from `started` must begin again for what the store now holds: a
    /// backfill asked for since (a pending snapshot it did not start with), other tables or
    /// another connection URI.
    static func needsNewStart(started: CaptureState, stored: CaptureState) -> Bool {
        if stored.tables != started.tables || stored.sealedConnectionURI != started.sealedConnectionURI { return true }
        guard let snapshot = stored.snapshot, snapshot.status == .pending else { return false }
        return snapshot != started.snapshot
    }

    private func loop(_ source: Source, capture: CaptureState, uri: PostgresURI) -> ChangeCapture {
        let (store, routing, clock) = (store, routing, clock)
        let sourceID = source.id
        return ChangeCapture(
            source: source, capture: capture, uri: uri, configuration: configuration, clock: clock,
            hooks: .init(
                commit: { transactions in try await routing.captured(transactions, sourceID: sourceID) },
                reportError: { message in
                    try? await store.recordCaptureError(sourceID: sourceID, message: message, at: clock.nowMillis)
                },
                commitSnapshot: { events, snapshot in try await routing.snapshotPage(events, snapshot: snapshot, sourceID: sourceID) }),
            logger: logger)
    }
}
