import Foundation
public import HookstreamCore

/// A PostgreSQL 15 cluster of one test's own, for what the shared test server must never
/// undergo while other suites use it: a restart, a crash. It is made by the same script as the
/// shared one (`scripts/services/postgres`: logical decoding on, a free loopback port, its
/// socket and files in a temporary directory), and its `uri` is the superuser's, as
/// ``TestPostgres/serverURI()`` is for the shared server.
///
/// ```swift
/// try await PrivatePostgres.with { postgres in
///     let uri = try await TestPostgres.createDatabase("restart", on: postgres.uri)
///     try await postgres.restart()
/// }
/// ```
///
/// The cluster is stopped when `with` returns or throws, and, should the test process die
/// first, once it has ended (the script watches it). Each step is bounded: a step that does
/// not finish in time is killed and fails the test.
public struct PrivatePostgres: Sendable {
    /// How a stop ends the server's sessions: `fast` rolls them back and shuts down cleanly;
    /// `immediate` kills every server process, a crash (the next start recovers from the WAL).
    public enum StopMode: String, Sendable {
        case fast, immediate
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The superuser's URI, database `postgres`.
    public let uri: PostgresURI
    private let state: String

    /// Runs `body` with a fresh cluster, stopped and removed after it.
    public static func with<T: Sendable>(_ body: (PrivatePostgres) async throws -> T) async throws -> T {
        let directory = TemporaryDirectory.make(prefix: "private-postgres")
        let state = directory + "/state"
        func stop() async throws {
            _ = try await script(["stop", state], bound: 120)
            try? FileManager.default.removeItem(atPath: directory)
        }
        do {
            let output = try await script(["start", state, String(ProcessInfo.processInfo.processIdentifier)], bound: 180)
            let key = TestPostgres.variable + "="
            guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix(key) }) else {
                throw Failure(description: "scripts/services/postgres printed no URI: \(output)")
            }
            let result = try await body(PrivatePostgres(uri: try PostgresURI(parsing: String(line.dropFirst(key.count))), state: state))
            try await stop()
            return result
        } catch {
            try? await stop()
            throw error
        }
    }

    /// `pg_ctl restart -m fast`: every session is ended, and the server is back (accepting
    /// connections) when this returns.
    public func restart() async throws {
        _ = try await Self.script(["restart", state], bound: 120)
    }

    /// Stops the server, keeping its data, until ``resume()``.
    public func halt(_ mode: StopMode) async throws {
        _ = try await Self.script(["halt", state, mode.rawValue], bound: 120)
    }

    /// Starts a halted server again, on the same port; it accepts connections when this returns.
    public func resume() async throws {
        _ = try await Self.script(["resume", state], bound: 120)
    }

    /// Runs `scripts/services/postgres` with `arguments` and returns what it printed; it is
    /// killed after `bound` seconds.
    private static func script(_ arguments: [String], bound: TimeInterval) async throws -> String {
        try await offload {
            let child = try ChildProcess.spawn(
                ServerProcess.packageRoot + "/scripts/services/postgres", arguments, environment: ProcessInfo.processInfo.environment,
                stdout: .pipe, stderr: .pipe)
            let watchdog = DispatchWorkItem { child.signal(SIGKILL) }
            DispatchQueue.global().asyncAfter(deadline: .now() + bound, execute: watchdog)
            defer { watchdog.cancel() }
            // Errors first: the script prints one line on stdout, but the server's log on
            // stderr when a step fails.
            let errors = String(decoding: child.standardError?.readDataToEndOfFile() ?? Data(), as: UTF8.self)
            let output = String(decoding: child.standardOutput?.readDataToEndOfFile() ?? Data(), as: UTF8.self)
            let status = child.waitUntilExit()
            guard status == 0 else {
                throw Failure(description: "scripts/services/postgres \(arguments.joined(separator: " ")) failed (status \(status)):\n\(errors)")
            }
            return output
        }
    }
}
