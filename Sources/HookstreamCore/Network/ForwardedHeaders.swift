import Foundation

/// The headers of a stored request that may be sent on to another server when it is replayed
/// or forwarded: everything but the hop-by-hop headers (RFC 9110 §7.6.1), which described the
/// connection the request arrived on, not the request; `Host` and `Content-Length`, which the
/// new request gets from its own URL and body; and any header the `Connection` header named.
public enum ForwardedHeaders {
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer", "trailers",
        "transfer-encoding", "upgrade", "host", "content-length",
    ]

    public static func filter(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        let named = headers.filter { $0.name.lowercased() == "connection" }
            .flatMap { $0.value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() } }
        let dropped = hopByHop.union(named)
        return headers.filter { !dropped.contains($0.name.lowercased()) }
    }
}
