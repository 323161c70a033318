import HookstreamDelivery
import HookstreamStore
import ServiceLifecycle

/// On a database other nodes share, wakes this node's delivery engine for every destination
/// that got pending deliveries anywhere (the database's notifications), so an event accepted by
/// another node is sent without waiting for a poll. Does nothing on SQLite, where this node's
/// own ingest already wakes its engine.
struct DeliveryWakeups: Service {
    let store: SQLStore
    let delivery: DeliveryEngine

    func run() async throws {
        guard let wakeups = store.deliveryWakeups() else {
            try? await gracefulShutdown()
            return
        }
        for await destinationID in wakeups.cancelOnGracefulShutdown() {
            delivery.wake(destinationID: destinationID)
        }
    }
}
