import Foundation

/// Every child process a test starts goes through this gate.
///
/// Foundation's `Process.run()` on Linux walks this process's open descriptors while it
/// spawns, and crashes (SIGSEGV) when there are more than about a thousand of them — which is
/// what a test holding a thousand WebSocket clients has. Such a test holds the gate wide open
/// with `withManyDescriptors`; spawns wait until it is done, and it waits for spawns in flight.
public enum SpawnGate {
    private static let condition = NSCondition()
    nonisolated(unsafe) private static var spawning = 0
    nonisolated(unsafe) private static var manyDescriptors = false

    /// Starts `process` once no test holds many descriptors. Blocks: call it from a thread of
    /// its own, never from the cooperative pool (use the async overload there).
    public static func run(_ process: Process) throws {
        condition.lock()
        while manyDescriptors { condition.wait() }
        spawning += 1
        condition.unlock()
        defer {
            condition.lock()
            spawning -= 1
            condition.broadcast()
            condition.unlock()
        }
        try process.run()
    }

    /// Starts `process` once no test holds many descriptors, waiting on a thread of its own.
    public static func run(_ process: Process) async throws {
        nonisolated(unsafe) let process = process
        try await offload { try run(process) }
    }

    /// Runs `body`, which opens many descriptors, while no child process is being started.
    public static func withManyDescriptors<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await offload {
            condition.lock()
            while manyDescriptors || spawning > 0 { condition.wait() }
            manyDescriptors = true
            condition.unlock()
        }
        defer { reopen() }
        return try await body()
    }

    private static func reopen() {
        condition.lock()
        manyDescriptors = false
        condition.broadcast()
        condition.unlock()
    }
}
