import Foundation
import HookstreamCore
import HookstreamStore
import Logging
import ServiceLifecycle

/// Routes the events a paused source held once it is active again: oldest first, in batches
/// of `batchSize`, each batch through ``EventRouting`` (the held marker is cleared in the
/// transaction that writes the batch's attempts).
///
/// Durable by construction: what is still held after a crash or a shutdown is exactly what
/// was not routed yet, and at start-up every active source that still holds events is
/// released again. While a source's release is under way, new events of the source are held
/// too (the store decides, see `CoreStore.insertEvents`), so nothing overtakes the backlog.
///
/// Concurrency: one task releases sources one at a time; ``resume(sourceID:)`` only queues.
///
/// Several nodes on one database: a resume reaches the releaser of the node that took it,
/// which releases the held events every node stored. A node that decided to hold a new event
/// just as that release found nothing left commits an event no release will come back for, so
/// every `sweepInterval` each node also releases whatever active sources still hold. (On
/// SQLite, one writer, this never finds anything a resume did not already queue.)
struct HeldEventReleaser: Service {
    let routing: EventRouting
    let store: any Store
    let logger: Logger
    var batchSize = 100
    let sweepInterval: Duration
    private let requests: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation

    init(routing: EventRouting, store: any Store, logger: Logger, sweepInterval: Duration = .seconds(10)) {
        self.routing = routing
        self.store = store
        self.logger = logger
        self.sweepInterval = sweepInterval
        (requests, continuation) = AsyncStream<String>.makeStream()
    }

    /// The source was resumed: release what it holds.
    func resume(sourceID: String) {
        continuation.yield(sourceID)
    }

    func run() async throws {
        await queueSourcesStillHolding()
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    // Sleeps on the real clock: a test holding the gateway's clock still must
                    // not stop it.
                    while (try? await Task.sleep(for: sweepInterval)) != nil { await queueSourcesStillHolding() }
                }
                for await sourceID in requests {
                    await release(sourceID)
                }
                group.cancelAll()
            }
        }
        continuation.finish()
    }

    /// Queues every active source that holds events: at start-up (a resume interrupted by a
    /// restart) and then every `sweepInterval`.
    private func queueSourcesStillHolding() async {
        do {
            for sourceID in try await store.sourcesWithHeldEvents() { continuation.yield(sourceID) }
        } catch {
            logger.error("could not list sources with held events", metadata: ["error": "\(error)"])
        }
    }

    /// Releases batches until the source holds nothing (or is paused again). A failed batch is
    /// retried after a pause; its events stay held meanwhile.
    private func release(_ sourceID: String) async {
        var released = 0
        while !Task.isCancelled {
            do {
                let held = try await store.heldEvents(sourceID: sourceID, limit: batchSize)
                if held.isEmpty { break }
                guard case .released(let applied) = try await routing.route(.release(held)) else { break }
                released += applied.count
                // Nothing applied while events remain held: the source was paused again.
                if applied.isEmpty { break }
            } catch {
                logger.error("releasing held events failed; retrying", metadata: ["source_id": "\(sourceID)", "error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
        if released > 0 { logger.info("released held events", metadata: ["source_id": "\(sourceID)", "events": "\(released)"]) }
    }
}
