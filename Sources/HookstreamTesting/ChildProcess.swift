import Foundation
import Synchronization

/// A child process the tests start: the `hookstream` binary, a Node receiver, a shell tool.
///
/// Spawned with `posix_spawn` directly rather than Foundation's `Process`: on Linux,
/// `Process.run()` lists this process's open descriptors and adds one close action per
/// descriptor, and it crashed (SIGSEGV) whenever the test process held more than about a
/// thousand — which a full test run, with a thousand WebSocket clients in one test and many
/// in-process servers in others, reaches at moments no gate can predict. Here the child
/// closes every inherited descriptor above stderr with one `closefrom` action, whatever
/// their number.
public final class ChildProcess: Sendable {
    /// Where one of the child's standard streams goes.
    public enum Stream: Sendable {
        /// `/dev/null`.
        case null
        /// A pipe whose other end this process holds.
        case pipe
        /// This process's own stream.
        case inherit
    }

    public let pid: pid_t
    /// The writing end of the child's stdin, when it is a pipe.
    public let standardInput: FileHandle?
    /// The reading end of the child's stdout, when it is a pipe.
    public let standardOutput: FileHandle?
    /// The reading end of the child's stderr, when it is a pipe.
    public let standardError: FileHandle?
    private let status = Mutex<Int32?>(nil)

    private init(pid: pid_t, standardInput: FileHandle?, standardOutput: FileHandle?, standardError: FileHandle?) {
        self.pid = pid
        self.standardInput = standardInput
        self.standardOutput = standardOutput
        self.standardError = standardError
    }

    /// Starts `executable` (an absolute path) with `arguments` and exactly `environment`, in a
    /// process group of its own (a signal to the test's group does not reach it).
    public static func spawn(
        _ executable: String, _ arguments: [String], environment: [String: String],
        stdin: Stream = .null, stdout: Stream = .null, stderr: Stream = .null
    ) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // The child's ends, closed here once it has them; our ends, kept.
        var childEnds: [Int32] = []
        defer { for fd in childEnds { close(fd) } }
        var ours: [Int32?] = [nil, nil, nil]
        for (target, stream) in [stdin, stdout, stderr].enumerated() {
            let fd: Int32
            switch stream {
            case .inherit:
                continue
            case .null:
                fd = open("/dev/null", target == 0 ? O_RDONLY : O_WRONLY)
                guard fd >= 0 else { throw SpawnError("open /dev/null", errno) }
            case .pipe:
                var ends: [Int32] = [0, 0]
                guard pipe(&ends) == 0 else { throw SpawnError("pipe", errno) }
                // Our end must not leak into children spawned later from other threads.
                _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
                _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
                fd = target == 0 ? ends[0] : ends[1]
                ours[target] = target == 0 ? ends[1] : ends[0]
            }
            childEnds.append(fd)
            try check(posix_spawn_file_actions_adddup2(&actions, fd, Int32(target)), "dup2")
        }
        try check(closeFrom(&actions, 3), "closefrom")

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        try check(posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP)), "setflags")
        try check(posix_spawnattr_setpgroup(&attributes, 0), "setpgroup")

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid = pid_t()
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            for fd in ours.compactMap({ $0 }) { close(fd) }
            throw SpawnError("posix_spawn \(executable)", result)
        }
        let handle = { (fd: Int32?) in fd.map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) } }
        return ChildProcess(pid: pid, standardInput: handle(ours[0]), standardOutput: handle(ours[1]), standardError: handle(ours[2]))
    }

    /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34+) is declared only for
    /// `_GNU_SOURCE`, which the Glibc module does not import; it is looked up once.
    private static let closeFrom: @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32 = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else {
            fatalError("posix_spawn_file_actions_addclosefrom_np is missing: glibc 2.34 or later is required")
        }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    private static func check(_ result: Int32, _ what: String) throws {
        if result != 0 { throw SpawnError(what, result) }
    }

    /// The exit status — the exit code, or the signal's number when a signal ended it — once
    /// the child has exited; `nil` while it runs. Reaps the child.
    public var exitStatus: Int32? {
        status.withLock { known in
            if let known { return known }
            var raw: Int32 = 0
            guard waitpid(pid, &raw, WNOHANG) == pid else { return nil }
            // WIFEXITED / WEXITSTATUS / WTERMSIG, which are macros Swift does not import.
            let signal = raw & 0x7f
            known = signal == 0 ? (raw >> 8) & 0xff : signal
            return known
        }
    }

    public var isRunning: Bool { exitStatus == nil }

    public func signal(_ number: Int32) { _ = kill(pid, number) }

    /// Blocks until the child exits and returns its status. Call it from a thread of its own.
    public func waitUntilExit() -> Int32 {
        while true {
            if let exitStatus { return exitStatus }
            usleep(2_000)
        }
    }

    /// Waits for the child to exit; `nil` when it still runs at the deadline.
    public func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let exitStatus { return exitStatus }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return exitStatus
    }
}

/// A spawn step that failed, with its errno.
public struct SpawnError: Error, CustomStringConvertible {
    public let description: String
    init(_ what: String, _ code: Int32) { description = "\(what): \(String(cString: strerror(code)))" }
}
