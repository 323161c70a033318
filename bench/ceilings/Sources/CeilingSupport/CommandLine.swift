#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `--port N` both ceiling servers take (the only argument; they always bind 127.0.0.1).
/// Exits with a usage line on anything else, so a typo in `bench/run` fails loudly instead of
/// measuring a server on a port nobody loads.
public func portArgument(program: String) -> Int {
    let arguments = Array(CommandLine.arguments.dropFirst())
    if arguments.count == 2, arguments[0] == "--port", let port = Int(arguments[1]), (0...65535).contains(port) {
        return port
    }
    exit(status: 2, "usage: \(program) --port N")
}

/// Prints the reason on stderr and exits: a port already taken is an answer for `bench/run`'s
/// log, not a crash with a backtrace (what an error thrown at top level gives).
public func exit(status: Int32, _ message: String) -> Never {
    // write(2) rather than fputs: libc's `stderr` is a global var Swift 6 will not read.
    let line = message + "\n"
    _ = line.withCString { write(STDERR_FILENO, $0, strlen($0)) }
    exit(status)
}
