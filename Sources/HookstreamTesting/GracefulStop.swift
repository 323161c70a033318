import ServiceLifecycleTestKit
import Synchronization

/// A receiver a test runs in this process, stopped the way a signal stops a real server: a
/// graceful shutdown, in which the listener stops accepting and every connection it already
/// accepted is still served. Cancelling its task instead can drop a connection accepted in
/// that same instant without serving it, and SwiftNIO traps on such a connection ("Deinited
/// NIOAsyncWriter without calling finish()"), taking the whole test process down: it did when
/// a test stopped its receivers while its server was still delivering to them.
final class GracefulStop: Sendable {
    private let task: Task<Void, any Error>
    private let trigger: Trigger
    /// How long a graceful shutdown may take before the task is cancelled after all: a reply
    /// a test made stall must not keep the receiver running for the stall's length.
    static let patience: Duration = .seconds(3)

    /// What starts the graceful shutdown, once the task has set it up.
    private final class Trigger: Sendable {
        let shutdown = Mutex<GracefulShutdownTestTrigger?>(nil)
    }

    init(_ run: sending @escaping () async throws -> Void) {
        let trigger = Trigger()
        self.trigger = trigger
        task = Task {
            try await testGracefulShutdown { shutdown in
                trigger.shutdown.withLock { $0 = shutdown }
                try await run()
            }
        }
    }

    /// Starts the shutdown and returns; the task is cancelled if it is still running after
    /// `patience`.
    func stop() {
        guard let shutdown = trigger.shutdown.withLock({ $0 }) else { return task.cancel() }
        shutdown.triggerGracefulShutdown()
        Task { [task] in
            try? await Task.sleep(for: Self.patience)
            task.cancel()
        }
    }
}
