import AsyncHTTPClient
import Foundation
import HookstreamCore
import NIOCore
import NIOHTTP1

extension OutboundHTTPClient {
    /// How many redirects one request may follow; a receiver sending more is broken or looping.
    public static let redirectLimit = 5

    /// Sends `request` as ``execute(_:timeout:audience:)`` does, then follows its redirects by
    /// hand: the client's own redirect handling would connect to the `Location` without the
    /// policy seeing it, so each hop is admitted like a new request (a redirect to the metadata
    /// service, or to a name resolving there, is refused before anything is sent to it). The
    /// answer of the last hop is returned; the bodies of the 3xx answers before it are dropped.
    /// - Throws: `OutboundRefusal` for the first request or any hop, `TooManyRedirects` after
    ///   ``redirectLimit`` hops, or the client's errors.
    public func executeFollowingRedirects(
        _ request: HTTPClientRequest, timeout: TimeAmount, audience: OutboundPolicy.Audience
    ) async throws -> HTTPClientResponse {
        var current = request
        var followed = 0
        while true {
            let response = try await execute(current, timeout: timeout, audience: audience)
            let status = Int(response.status.code)
            guard let next = OutboundRedirect.next(from: current, status: status, location: response.headers.first(name: "location")) else {
                return response
            }
            guard followed < Self.redirectLimit else { throw TooManyRedirects(limit: Self.redirectLimit, status: status, location: next.url) }
            followed += 1
            current = next
        }
    }
}

/// More redirects than ``OutboundHTTPClient/redirectLimit`` in a row; the last was not followed.
public struct TooManyRedirects: Error, CustomStringConvertible, Sendable {
    public var limit: Int
    public var status: Int
    public var location: String
    public var description: String { "stopped after \(limit) redirects: the next answer was \(status) to \(location)" }
}

/// The request a 3xx answer asks for (RFC 9110 §15.4), or `nil` when the answer is not a
/// redirect to follow.
///
/// 307 and 308 repeat the request as it was. 301 and 302 do too: the standard lets a client
/// turn a POST into a GET there, but a webhook turned into a GET without its body would be
/// lost while the receiver's 200 recorded it as delivered. 303 says the request was handled
/// and its answer is elsewhere, so that answer is fetched with a GET (HEAD stays HEAD). A hop to
/// another origin drops the credentials a browser would (`Authorization`, `Cookie`, …), as
/// AsyncHTTPClient and curl do; the webhook signature headers stay, since the new receiver
/// verifies them.
enum OutboundRedirect {
    static let statuses: Set<Int> = [301, 302, 303, 307, 308]
    static let crossOriginDropped = ["Authorization", "Proxy-Authorization", "Cookie", "Origin"]

    static func next(from request: HTTPClientRequest, status: Int, location: String?) -> HTTPClientRequest? {
        guard statuses.contains(status), let location, !location.isEmpty, let base = URL(string: request.url),
            let target = URL(string: location, relativeTo: base)?.absoluteURL.absoluteString,
            let from = OutboundURL(request.url), let to = OutboundURL(target)
        else { return nil }
        var next = request
        next.url = target
        if status == 303, request.method != .HEAD {
            next.method = .GET
            next.body = nil
            next.headers.remove(name: "Content-Type")
            next.headers.remove(name: "Content-Length")
        }
        if from.origin != to.origin {
            for name in crossOriginDropped { next.headers.remove(name: name) }
        }
        return next
    }
}
