import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A TCP listener on loopback that reads the start of each request and then resets the
/// connection (SO_LINGER 0 + close sends RST): the receiver that crashes mid-request.
public final class ResettingReceiver: @unchecked Sendable {
    public let url: String
    private let socket: Int32
    private let thread: Thread

    public init() throws {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestServerError("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, listen(fd, 64) == 0 else { throw TestServerError("bind/listen failed") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        socket = fd
        url = "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))/"
        thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return }
                _ = read(client, &buffer, buffer.count)
                var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
                setsockopt(client, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
                close(client)
            }
        }
        thread.start()
    }

    /// Stops accepting (the accept loop ends when the listening socket is shut down).
    public func stop() {
        shutdown(socket, Int32(SHUT_RDWR))
        close(socket)
    }
}
