import Foundation
import NIOCore
import NIOPosix

/// The address `hookstream serve` listens on, checked before anything is created.
///
/// On a fresh data directory the first start creates an admin key and prints it once the
/// listener is up. If the bind then failed, the key was stored but never shown. So the address
/// is bound (and released) first; a bind that still fails later — another process took the
/// port in between — is reported with the key (see `HookstreamServer.run`).
enum ListenAddress {
    /// Binds and releases `host:port`. Port 0 always binds (the system picks a free port).
    /// - Throws: `ServerStartError` saying which address is taken and which flag changes it.
    static func probe(host: String, port: Int) async throws {
        guard port != 0 else { return }
        do {
            let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .bind(host: host, port: port).get()
            try await channel.close()
        } catch {
            throw startError(error, host: host, port: port) ?? error
        }
    }

    /// A bind failure in words a user can act on, instead of NIO's
    /// `bind(descriptor:ptr:bytes:): Address already in use (errno: 98)`; `nil` for other errors.
    static func startError(_ error: any Error, host: String, port: Int) -> ServerStartError? {
        let address = "\(HookstreamServer.urlHost(host)):\(port)"
        if error is SocketAddressError {
            return ServerStartError("Cannot listen on \(address): '\(host)' is not an address of this machine. Choose another with --host (HOOKSTREAM_HOST).")
        }
        guard let io = error as? IOError else { return nil }
        switch io.errnoCode {
        case EADDRINUSE:
            return ServerStartError(
                "Cannot listen on \(address): the address is already in use (is another hookstream running?). "
                    + "Choose another port with --port (HOOKSTREAM_PORT; 0 picks a free one) or another address with --host.")
        case EACCES:
            return ServerStartError("Cannot listen on \(address): permission denied (ports below 1024 need privileges). Choose another port with --port (HOOKSTREAM_PORT).")
        case EADDRNOTAVAIL:
            return ServerStartError("Cannot listen on \(address): no interface of this machine has that address. Choose another with --host (HOOKSTREAM_HOST).")
        default:
            return nil
        }
    }
}
