import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A loopback TCP connection with a receive deadline (generous: the condition is awaited, not
/// timed). Its blocking socket calls run on a dispatch queue, never on the cooperative pool: a
/// test blocked in `recv` there would starve the server it is talking to.
public final class RawHTTPConnection: Sendable {
    private let fd: Int32

    public static func open(port: Int) async throws -> RawHTTPConnection {
        try await offPool { try RawHTTPConnection(port: port) }
    }

    public func send(_ bytes: [UInt8]) async throws {
        try await Self.offPool { try self.sendBlocking(bytes) }
    }

    /// Reads until the text received so far contains `marker` (or the peer closes).
    public func receive(until marker: String) async throws -> String {
        try await receive { $0.contains(marker) }
    }

    /// Reads until `done` holds for the text received so far (or the peer closes).
    public func receive(until done: @escaping @Sendable (String) -> Bool) async throws -> String {
        try await Self.offPool { try self.receiveBlocking(until: done) }
    }

    private static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result(catching: work)) }
        }
    }

    private init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestServerError("socket() failed") }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw TestServerError("connect() failed: \(errno)") }
    }

    private func sendBlocking(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw TestServerError("send() failed: \(errno)") }
            offset += sent
        }
    }

    private func receiveBlocking(until done: (String) -> Bool) throws -> String {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !done(String(decoding: received, as: UTF8.self)) {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { break }
            guard count > 0 else { throw TestServerError("no answer within the deadline; got: \(String(decoding: received, as: UTF8.self))") }
            received += buffer[..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    public func close() { _ = Glibc.close(fd) }
}
