import HookstreamStore
import Logging
import ServiceLifecycle

/// Keeps the collections' search index close behind the records (see `SQLiteRecordSearch`):
/// indexes the backlog in small batches, pausing between them, so under a sustained burst it
/// takes a bounded share of the database writer and a record changed many times in a burst is
/// indexed once, not once per event. Searches drain whatever is left themselves, so the pace
/// here decides only how much a search may have to do, never what it finds.
///
/// It sleeps on the real clock, not the gateway's injected one: its timing is not behaviour
/// anyone observes, and a test that holds the gateway's clock still should not stop it.
struct RecordSearchIndexer: Service {
    let store: any Store
    let logger: Logger
    /// Records indexed per transaction: a few milliseconds of writer time.
    var batch = 256
    /// The pause between full batches: with `batch`, about a fifth of the writer at most.
    var pauseBetweenBatches: Duration = .milliseconds(40)
    /// How often an idle index looks for new changes.
    var idleInterval: Duration = .seconds(1)

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let indexed: Int
            do {
                indexed = try await store.indexPendingRecordSearch(limit: batch)
            } catch {
                logger.warning("collection search indexing failed", metadata: ["error": "\(error)"])
                indexed = 0
            }
            do {
                try await cancelWhenGracefulShutdown {
                    try await Task.sleep(for: indexed == batch ? pauseBetweenBatches : idleInterval)
                }
            } catch {
                return
            }
        }
    }
}
