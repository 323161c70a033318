import HookstreamStore
import Logging
import ServiceLifecycle

/// Keeps the collections' search index close behind the records (see `SQLiteRecordSearch`):
/// indexes the backlog in small batches, pausing between them, so under a sustained burst it
/// takes a bounded share of the database writer and a record changed many times in a burst is
/// indexed once, not once per event. Searches drain whatever is left themselves, so the pace
/// here decides only how much a search may have to do, never what it finds.
///
/// The pause after a full batch is measured, not fixed: a batch's cost depends on the records'
/// size (each one's old text out of the index and its new text in), so the indexer sleeps long
/// enough to stay under `writerShare` of the time, whatever a batch took.
///
/// It sleeps on the real clock, not the gateway's injected one: its timing is not behaviour
/// anyone observes, and a test that holds the gateway's clock still should not stop it.
struct RecordSearchIndexer: Service {
    let store: any Store
    let logger: Logger
    /// Records indexed per transaction.
    var batch = 256
    /// The most of the writer's time indexing takes while a backlog lasts: a tenth, so a burst
    /// of changes to a collection costs ingest little, and a backlog of 10,000 changed 1 KB
    /// records is indexed in about 20 seconds.
    var writerShare = 0.1
    /// How often an idle index looks for new changes.
    var idleInterval: Duration = .seconds(1)

    func run() async throws {
        let clock = ContinuousClock()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let started = clock.now
            let indexed: Int
            do {
                indexed = try await store.indexPendingRecordSearch(limit: batch)
            } catch {
                logger.warning("collection search indexing failed", metadata: ["error": "\(error)"])
                indexed = 0
            }
            let pause = indexed == batch ? (clock.now - started) * ((1 - writerShare) / writerShare) : idleInterval
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
            } catch {
                return
            }
        }
    }
}
