import Foundation
import HookstreamCDC
import HookstreamCore
import HookstreamStore
import Logging
import ServiceLifecycle
import Synchronization

/// Runs one ``ChangeCapture`` loop per active database source on this node: all of them at
/// start, one more when a source is created or resumed, one fewer when it is paused or
/// deleted. Each loop commits through ``EventRouting/captured(_:sourceID:)`` (events, routed
/// attempts and the confirmed LSN in one store transaction) before it advances the slot.
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
    private let loops = Mutex<[String: Task<Void, Never>]>([:])

    init(store: any Store, secrets: SecretBox, routing: EventRouting, clock: any GatewayClock, logger: Logger) {
        self.store = store
        self.secrets = secrets
        self.routing = routing
        self.clock = clock
        self.logger = logger
        var configuration = ChangeCapture.Configuration()
        configuration.pollInterval = .milliseconds(50)
        self.configuration = configuration
    }

    func run() async throws {
        do {
            for capture in try await store.captureStates() {
                guard let source = try await store.source(id: capture.sourceID), source.status == .active else { continue }
                start(source, capture: capture)
            }
        } catch {
            logger.error("change capture: could not read the database sources", metadata: ["error": "\(error)"])
        }
        try? await gracefulShutdown()
        let running = loops.withLock { loops in
            defer { loops.removeAll() }
            return Array(loops.values)
        }
        for loop in running { loop.cancel() }
        for loop in running { await loop.value }
    }

    /// Starts capture for the source if it is active and not captured here yet.
    func start(sourceID: String) async throws {
        guard let source = try await store.source(id: sourceID), source.status == .active,
            let capture = try await store.captureState(sourceID: sourceID)
        else { return }
        start(source, capture: capture)
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
        let (store, routing, clock) = (store, routing, clock)
        let sourceID = source.id
        let loop = ChangeCapture(
            source: source, capture: capture, uri: uri, configuration: configuration, clock: clock,
            hooks: .init(
                commit: { transactions in try await routing.captured(transactions, sourceID: sourceID) },
                reportError: { message in
                    try? await store.recordCaptureError(sourceID: sourceID, message: message, at: clock.nowMillis)
                }),
            logger: logger)
        loops.withLock { loops in
            guard loops[sourceID] == nil else { return }
            loops[sourceID] = Task { await loop.run() }
        }
    }
}
