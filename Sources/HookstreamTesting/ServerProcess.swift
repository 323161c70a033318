import Foundation
import Synchronization

/// The real `hookstream` executable run as a child process — for what an in-process server
/// cannot show: SIGKILL and SIGTERM, start-up output, the CLI.
public final class ServerProcess: @unchecked Sendable {
    public let process: ChildProcess
    public let port: Int
    public let baseURL: String
    public let output: String
    public let dataDirectory: String

    /// The built executable: `$HOOKSTREAM_BIN`, else `.build/debug/hookstream` in the package.
    public static var executable: String {
        if let path = ProcessInfo.processInfo.environment["HOOKSTREAM_BIN"], !path.isEmpty { return path }
        return packageRoot + "/.build/debug/hookstream"
    }

    public static var packageRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    private init(process: ChildProcess, port: Int, baseURL: String, output: String, dataDirectory: String) {
        self.process = process
        self.port = port
        self.baseURL = baseURL
        self.output = output
        self.dataDirectory = dataDirectory
    }

    /// Starts `hookstream serve --port <port>` on `dataDirectory` and waits until it listens.
    /// On PostgreSQL test runs (`TestStore`), the server uses the data directory's database.
    public static func start(dataDirectory: String, port: Int = 0, arguments: [String] = [], environment: [String: String] = [:]) async throws -> ServerProcess {
        var arguments = arguments
        if !arguments.contains("--database-url"), let url = try await TestStore.databaseURL(for: dataDirectory) {
            arguments += ["--database-url", url, "--database-pool-size", String(TestStore.poolSize)]
        }
        return try await offload { [arguments] in try startBlocking(dataDirectory: dataDirectory, port: port, arguments: arguments, environment: environment) }
    }

    static func startBlocking(dataDirectory: String, port: Int, arguments: [String], environment: [String: String]) throws -> ServerProcess {
        let process = try ChildProcess.spawn(
            executable, ["serve", "--port", String(port), "--data-dir", dataDirectory, "--log-level", "warning"] + arguments,
            environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }, stdout: .pipe)
        // A server that never prints its banner must fail the test, not hang it: the reads
        // below block, so the deadline is enforced by ending the child, which ends its output.
        let banner = BannerWatch()
        let child = process.pid
        DispatchQueue.global().asyncAfter(deadline: .now() + 30) {
            if !banner.seen.load(ordering: .acquiring) { Foundation.kill(child, SIGKILL) }
        }
        // Read the banner line by line until the listening line appears.
        var collected = Data()
        let deadline = Date().addingTimeInterval(30)
        let handle = process.standardOutput!
        while Date() < deadline {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            collected.append(chunk)
            let text = String(decoding: collected, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.contains("listening on") }),
                let range = line.range(of: "(port "), let end = line[range.upperBound...].firstIndex(of: ")"),
                let port = Int(line[range.upperBound..<end]), text.contains("\n")
            {
                banner.seen.store(true, ordering: .releasing)
                let baseURL = String(line.split(separator: " ")[4])
                // Keep draining stdout so the child never blocks on a full pipe.
                Thread.detachNewThread { while !handle.availableData.isEmpty {} }
                return ServerProcess(process: process, port: port, baseURL: baseURL, output: String(decoding: collected, as: UTF8.self), dataDirectory: dataDirectory)
            }
        }
        process.signal(SIGTERM)
        throw TestServerError("hookstream serve did not start: \(String(decoding: collected, as: UTF8.self))")
    }

    public func kill(signal: Int32 = SIGKILL) {
        process.signal(signal)
    }

    /// Waits for the process to exit and returns its status.
    @discardableResult
    public func waitForExit(timeout: TimeInterval = 30) async -> Int32? {
        await process.waitForExit(timeout: .milliseconds(Int(timeout * 1000)))
    }
}

/// Runs the `hookstream` CLI to completion and captures what it printed.
public struct CLIRun: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    public static func run(_ arguments: [String], environment: [String: String] = [:], input: String? = nil) async throws -> CLIRun {
        try await offload { try runBlocking(arguments, environment: environment, input: input) }
    }

    /// Starts the `hookstream` executable with `arguments`, in this process's environment
    /// without the CLI's own settings (a developer's key must not leak into a test) plus
    /// `environment`.
    static func spawn(_ arguments: [String], environment: [String: String], stdin: ChildProcess.Stream) throws -> ChildProcess {
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "HOOKSTREAM_API_KEY")
        env.removeValue(forKey: "HOOKSTREAM_BASE_URL")
        return try ChildProcess.spawn(
            ServerProcess.executable, arguments, environment: env.merging(environment) { $1 }, stdin: stdin, stdout: .pipe, stderr: .pipe)
    }

    static func runBlocking(_ arguments: [String], environment: [String: String], input: String?) throws -> CLIRun {
        let process = try spawn(arguments, environment: environment, stdin: .pipe)
        let stdin = process.standardInput!
        if let input { stdin.write(Data(input.utf8)) }
        try? stdin.close()
        // stderr is read on a thread of its own: a child that fills one pipe while we wait
        // on the other would block forever.
        let stderr = Mutex(Data())
        let stderrDone = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let data = process.standardError!.readDataToEndOfFile()
            stderr.withLock { $0 = data }
            stderrDone.signal()
        }
        let stdout = process.standardOutput!.readDataToEndOfFile()
        stderrDone.wait()
        let status = process.waitUntilExit()
        return CLIRun(
            status: status, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr.withLock { $0 }, as: UTF8.self))
    }
}

/// Runs blocking work (waiting on a child process, reading its pipes) on a thread of its own,
/// never on the cooperative pool: blocking those few threads would stall the in-process
/// server the child is talking to.
public func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}

/// Whether a starting server printed its banner, for the watchdog that ends one that does not.
private final class BannerWatch: Sendable {
    let seen = Atomic<Bool>(false)
}
