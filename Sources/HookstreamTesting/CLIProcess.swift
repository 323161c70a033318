import Foundation
import Synchronization

/// A long-running `hookstream` CLI command (`listen`) as a child process: its output read
/// line by line while it runs, signals sent to it, its exit awaited.
public final class CLIProcess: Sendable {
    private struct State {
        var stdout = Data()
        var stderr = Data()
        /// Output streams read to their end.
        var drained = 0
    }

    private let process: ChildProcess
    private let state = Mutex(State())

    private init(process: ChildProcess) { self.process = process }

    public static func start(_ arguments: [String], environment: [String: String] = [:]) async throws -> CLIProcess {
        let process = try CLIRun.spawn(arguments, environment: environment, stdin: .null)
        let child = CLIProcess(process: process)
        // Readers on threads of their own: blocking reads never touch the cooperative pool.
        for (handle, isOut) in [(process.standardOutput!, true), (process.standardError!, false)] {
            Thread.detachNewThread {
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty {
                        child.state.withLock { $0.drained += 1 }
                        return
                    }
                    child.state.withLock { if isOut { $0.stdout.append(chunk) } else { $0.stderr.append(chunk) } }
                }
            }
        }
        return child
    }

    public var stdoutLines: [String] {
        state.withLock { String(decoding: $0.stdout, as: UTF8.self) }.split(separator: "\n").map(String.init)
    }

    public var stderr: String { state.withLock { String(decoding: $0.stderr, as: UTF8.self) } }

    /// Waits until stdout has more than `count` complete lines and returns line `count`.
    public func line(_ index: Int, timeout: Duration = .seconds(30)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let text = state.withLock { String(decoding: $0.stdout, as: UTF8.self) }
            let complete = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            if complete.count > index { return String(complete[complete.index(complete.startIndex, offsetBy: index)]) }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestServerError("no line \(index) from hookstream; stdout: \(stdoutLines), stderr: \(stderr)")
    }

    public func signal(_ number: Int32) { process.signal(number) }

    /// Waits for the process to exit and for what it wrote last to be read (the readers may
    /// trail the exit); `nil` when it is still running at the deadline (then it is killed).
    public func waitForExit(timeout: Duration = .seconds(30)) async -> Int32? {
        guard let status = await process.waitForExit(timeout: timeout) else {
            signal(SIGKILL)
            return nil
        }
        let deadline = ContinuousClock.now + .seconds(5)
        while state.withLock({ $0.drained }) < 2 && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        return status
    }
}
