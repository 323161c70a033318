import AsyncHTTPClient
import Foundation
import HookstreamCore
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Synchronization

/// Every HTTP request hookstream itself makes goes through here, so the `OutboundPolicy`
/// cannot be forgotten by a new feature: deliveries, notifications, replays to a URL, tools.
///
/// The host is resolved first and every address it resolves to is checked; one refused address
/// refuses the request (a name that also points at the metadata service is not one to trust).
/// The connection then goes to the checked address itself, so a name re-pointed between the
/// check and the connect (DNS rebinding) cannot reach anything the policy refused: plain
/// `http` has the URL's host replaced with it (the name kept in `Host`); `https` keeps the
/// name in the URL, which TLS needs for SNI and the certificate check, and is sent by a client
/// whose `dnsOverride` maps that name to the checked address (`PinnedClients`).
///
/// The client itself never follows a redirect: the place a 3xx points to was never checked.
/// Callers that may follow one (an `http` destination that opted in) use
/// `executeFollowingRedirects`, which admits every hop.
public final class OutboundHTTPClient: Sendable {
    public let policy: OutboundPolicy
    private let resolver: any HostResolver
    private let client: HTTPClient
    private let pinned: PinnedClients
    private let plain: PlainHTTPClient
    /// URLs already taken apart: parsing one with Foundation cost about 2 % of a delivery's
    /// CPU, for the same few destination URLs over and over. Emptied when it reaches
    /// `parsedURLLimit` entries, so many distinct URLs (replays to ad-hoc targets) cannot grow it.
    private let parsedURLs = Mutex<[String: OutboundURL]>([:])
    private static let parsedURLLimit = 1024

    /// - Parameter connectionsPerHost: enough for the delivery engine's concurrency, so
    ///   deliveries to one receiver are not queued inside the client.
    public init(policy: OutboundPolicy, resolver: (any HostResolver)? = nil, connectionsPerHost: Int = 8) {
        self.policy = policy
        self.resolver = resolver ?? CachingHostResolver(SystemHostResolver())
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(8, connectionsPerHost)))
        configuration.httpVersion = .http1Only
        // A refused or unresolvable receiver is a failed attempt now, not silent reconnects
        // until the timeout: the caller's retry policy decides when to try again.
        configuration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        plain = PlainHTTPClient(group: HTTPClient.defaultEventLoopGroup, idleLimit: max(8, connectionsPerHost))
        pinned = PinnedClients { [configuration] pin in
            var pinnedConfiguration = configuration
            pinnedConfiguration.dnsOverride = [pin.host: pin.address.description]
            return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: pinnedConfiguration)
        }
    }

    public func shutdown() async {
        plain.shutdown()
        try? await client.shutdown()
        await pinned.shutdown()
    }

    /// Sends `request` if the policy lets `audience` reach its host.
    /// - Throws: `OutboundRefusal` before any connection is made, or the client's errors.
    public func execute(_ request: HTTPClientRequest, timeout: TimeAmount, audience: OutboundPolicy.Audience) async throws -> HTTPClientResponse {
        let (checked, pin) = try await route(request, audience: audience)
        return try await (pin.map { pinned.client(for: $0) } ?? client).execute(checked, timeout: timeout)
    }

    /// Sends `request` if the policy lets `audience` reach its host and reads the answer whole,
    /// keeping the first `bodyLimit` bytes of its body; connecting, sending and reading all
    /// within `timeoutSeconds`. Plain `http` goes through `PlainHTTPClient` to the checked
    /// address; `https`, and requests that may follow redirects, through AsyncHTTPClient.
    /// - Throws: `OutboundRefusal` before any connection is made, `OutboundTimeout`, or the
    ///   clients' errors (`HTTPProvider.classify` names them).
    public func send(
        _ request: HTTPClientRequest, timeoutSeconds: Double, bodyLimit: Int, followRedirects: Bool = false, audience: OutboundPolicy.Audience
    ) async throws -> OutboundAnswer {
        let seconds = max(0.001, timeoutSeconds)
        let timeout = TimeAmount.nanoseconds(Int64(seconds * 1e9))
        if !followRedirects, let target = parsed(request.url), target.scheme == "http" {
            let address = try await checkedAddress(host: target.host, literal: target.literalAddress, audience: audience)
            var headers = request.headers
            if !headers.contains(name: "host") { headers.add(name: "Host", value: target.hostHeader) }
            var body: ByteBuffer?
            if let parts = request.body {
                var whole = ByteBuffer()
                for try await part in parts { whole.writeImmutableBuffer(part) }
                body = whole
            }
            return try await plain.send(
                .init(method: request.method, target: target.originForm, headers: headers, body: body),
                to: .init(address: address, port: target.port ?? 80), deadline: .now() + timeout, bodyLimit: bodyLimit)
        }
        return try await HTTPProvider.withTimeout(seconds: seconds) { [self] in
            let response =
                followRedirects
                ? try await executeFollowingRedirects(request, timeout: timeout, audience: audience)
                : try await execute(request, timeout: timeout, audience: audience)
            var body = ByteBuffer()
            // Stop reading at the limit; dropping the rest closes the connection.
            for try await part in response.body {
                let room = bodyLimit - body.readableBytes
                guard part.readableBytes <= room else {
                    body.writeImmutableBuffer(part.getSlice(at: part.readerIndex, length: max(0, room))!)
                    return OutboundAnswer(status: response.status, headers: response.headers, body: body, truncated: true)
                }
                body.writeImmutableBuffer(part)
            }
            return OutboundAnswer(status: response.status, headers: response.headers, body: body, truncated: false)
        }
    }

    /// The request as it will be sent (for `http`, addressed to the checked IP), or a refusal.
    func admit(_ request: HTTPClientRequest, audience: OutboundPolicy.Audience) async throws -> HTTPClientRequest {
        try await route(request, audience: audience).request
    }

    /// The request as it will be sent and, for `https` to a name, the checked address its
    /// connection must go to; or a refusal.
    func route(_ request: HTTPClientRequest, audience: OutboundPolicy.Audience) async throws -> (request: HTTPClientRequest, pin: PinnedClients.Pin?) {
        if let refusal = policy.refusal(for: audience) { throw OutboundRefusal(reason: refusal) }
        guard let target = parsed(request.url) else { throw OutboundRefusal(reason: "'\(request.url)' is not an http or https URL") }
        let checked = try await checkedAddress(host: target.host, audience: audience)
        guard target.literalAddress == nil else { return (request, nil) }
        guard target.scheme == "http" else { return (request, PinnedClients.Pin(host: target.host, address: checked)) }
        var sent = request
        if !sent.headers.contains(name: "host") { sent.headers.add(name: "Host", value: target.hostHeader) }
        sent.url = target.replacingHost(with: checked)
        return (sent, nil)
    }

    private func parsed(_ url: String) -> OutboundURL? {
        if let known = parsedURLs.withLock({ $0[url] }) { return known }
        guard let parsed = OutboundURL(url) else { return nil }
        parsedURLs.withLock { cache in
            if cache.count >= Self.parsedURLLimit { cache.removeAll(keepingCapacity: true) }
            cache[url] = parsed
        }
        return parsed
    }
}

extension OutboundHTTPClient {
    /// The address a connection to `host` (a name or a literal address) may go to on behalf
    /// of `audience`: every address the name resolves to is checked, one refused address
    /// refuses the host, and an IPv4 one is preferred (a receiver on "localhost" usually
    /// listens on 127.0.0.1 only). Connections that are not HTTP (the SMTP client) connect to
    /// it, so they obey the same policy as every request.
    /// - Throws: `OutboundRefusal`, or the resolver's error.
    public func checkedAddress(host: String, audience: OutboundPolicy.Audience) async throws -> IPAddress {
        try await checkedAddress(host: host, literal: IPAddress(host), audience: audience)
    }

    /// `literal`: `host` read as an address, or `nil` for a name.
    func checkedAddress(host: String, literal: IPAddress?, audience: OutboundPolicy.Audience) async throws -> IPAddress {
        if let refusal = policy.refusal(for: audience) { throw OutboundRefusal(reason: refusal) }
        let addresses: [IPAddress]
        if let literal {
            addresses = [literal]
        } else {
            addresses = try await resolver.addresses(of: host)
            guard !addresses.isEmpty else { throw OutboundRefusal(reason: "\(host) did not resolve to any address") }
        }
        for address in addresses {
            if let refusal = policy.refusal(address, for: audience) {
                throw OutboundRefusal(reason: literal == nil ? "\(host) resolves to \(refusal)" : refusal)
            }
        }
        return addresses.first(where: \.isIPv4) ?? addresses[0]
    }
}

/// A request the outbound policy did not allow; nothing was sent.
public struct OutboundRefusal: Error, CustomStringConvertible, Sendable {
    public var reason: String
    public var description: String { "refused by the outbound policy: \(reason)" }

    public init(reason: String) { self.reason = reason }
}

/// The parts of an absolute URL the policy needs, and the same URL aimed at an address.
struct OutboundURL: Sendable {
    var scheme: String
    /// As written, without IPv6 brackets.
    var host: String
    var port: Int?
    /// Everything after the authority: path, query, fragment.
    var rest: Substring
    /// The host read as an address; `nil` for a name.
    var literalAddress: IPAddress?
    /// The request target a request for this URL names: path and query, never empty.
    var originForm: String

    init?(_ text: String) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty,
            let authorityEnd = Self.authorityEnd(text)
        else { return nil }
        self.scheme = scheme
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        self.port = components.port
        self.rest = text[authorityEnd...]
        self.literalAddress = IPAddress(self.host)
        let pathAndQuery = rest.prefix(while: { $0 != "#" })
        self.originForm = pathAndQuery.hasPrefix("/") ? String(pathAndQuery) : "/" + pathAndQuery
    }

    var hostHeader: String { port.map { "\(host):\($0)" } ?? host }

    /// Scheme, host and port (the scheme's default when none is written), compared to tell
    /// whether a redirect leaves for another origin.
    var origin: String { "\(scheme)://\(host.lowercased()):\(port ?? (scheme == "https" ? 443 : 80))" }

    func replacingHost(with address: IPAddress) -> String {
        let shown = address.isIPv4 ? address.description : "[\(address)]"
        return "\(scheme)://\(shown)\(port.map { ":\($0)" } ?? "")\(rest)"
    }

    /// Where the authority ends: the first `/`, `?` or `#` after `scheme://`.
    private static func authorityEnd(_ text: String) -> String.Index? {
        guard let separator = text.range(of: "://") else { return nil }
        return text[separator.upperBound...].firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? text.endIndex
    }
}

/// Turns a host name into the addresses a connection could go to. A seam: tests answer with
/// fixed addresses so the policy can be proven without connecting anywhere.
public protocol HostResolver: Sendable {
    func addresses(of host: String) async throws -> [IPAddress]
}

/// The system resolver (`getaddrinfo`, which reads /etc/hosts too), run on NIO's thread pool
/// because it blocks.
public struct SystemHostResolver: HostResolver {
    public init() {}

    public func addresses(of host: String) async throws -> [IPAddress] {
        try await NIOThreadPool.singleton.runIfActive { try Self.lookUp(host) }
    }

    static func lookUp(_ host: String) throws -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0, let list else { throw UnresolvedHost(host: host, code: status) }
        defer { freeaddrinfo(list) }
        var found: [IPAddress] = []
        for entry in sequence(first: list, next: { $0.pointee.ai_next }) {
            guard let socketAddress = entry.pointee.ai_addr else { continue }
            switch Int32(socketAddress.pointee.sa_family) {
            case AF_INET:
                let v4 = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
                found.append(.v4(UInt32(bigEndian: v4)))
            case AF_INET6:
                let bytes = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
                }
                let high = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                let low = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                found.append(.v6(high: high, low: low))
            default: continue
            }
        }
        return Array(Set(found)).sorted { $0.description < $1.description }
    }

    public struct UnresolvedHost: Error, CustomStringConvertible {
        public var host: String
        public var code: Int32
        public var description: String { "\(host) did not resolve (\(String(cString: gai_strerror(code))))" }
    }
}

/// Answers from the last lookup of a name for a few seconds: a busy destination would
/// otherwise pay a `getaddrinfo` per delivery. Short, so a receiver moving to a new address
/// is followed quickly; bounded, so many names cannot grow it without limit.
public final class CachingHostResolver: HostResolver {
    static let lifetime: TimeInterval = 5
    static let capacity = 1024
    private let upstream: any HostResolver
    private let entries = NIOLockedValueBox([String: (addresses: [IPAddress], until: Date)]())

    public init(_ upstream: any HostResolver) { self.upstream = upstream }

    public func addresses(of host: String) async throws -> [IPAddress] {
        let now = Date()
        if let cached = entries.withLockedValue({ $0[host] }), cached.until > now { return cached.addresses }
        let fresh = try await upstream.addresses(of: host)
        entries.withLockedValue { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[host] = (fresh, now.addingTimeInterval(Self.lifetime))
        }
        return fresh
    }
}
