import HookstreamStore
import HTTPTypes
import Hummingbird
import JSONValue
import Logging
import Synchronization

/// The outermost middleware: gives every response its `X-Request-Id` and turns every error —
/// ours, Hummingbird's, or an unexpected one — into the standard error body. Unknown paths are
/// 404 and known paths with the wrong method are 405 with `Allow`.
struct APIErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = errorResponse(for: error, request: request, context: context)
        }
        response.headers[.requestID] = context.requestID
        return response
    }

    private func errorResponse(for error: any Error, request: Request, context: Context) -> Response {
        if let wrapped = error as? ErrorWithHeaders {
            var response = errorResponse(for: wrapped.underlying, request: request, context: context)
            for field in wrapped.headers { response.headers.append(field) }
            return response
        }
        let apiError: APIError
        if let e = error as? HTTPError, e.status == .notFound {
            // Only the router raises Hummingbird's 404: no route matched this method and path.
            let allowed = routes.methods(for: request.uri.path)
            if allowed.isEmpty {
                apiError = APIError(.notFound, "No route for \(request.method.rawValue) \(request.uri.path)")
            } else {
                var headers = HTTPFields()
                headers[.allow] = allowed.joined(separator: ", ")
                apiError = APIError(.methodNotAllowed, "Method \(request.method.rawValue) is not allowed here", headers: headers)
            }
        } else {
            apiError = APIError.answering(error, path: request.uri.path, logger: context.logger)
        }
        return Response.json(apiError.body(requestID: context.requestID), status: apiError.status, headers: apiError.headers)
    }
}

extension APIError {
    /// What any error a handler throws is answered with — ours as they are, the store's and
    /// Hummingbird's mapped to their status, anything else a logged 500 — for every path that
    /// answers requests: the router's middleware and the ingest fast path.
    static func answering(_ error: any Error, path: String, logger: Logger) -> APIError {
        switch error {
        case let e as APIError:
            return e
        case StoreError.notFound:
            return APIError(.notFound, "Not found")
        case StoreError.conflict(let message):
            return APIError(.conflict, message)
        case StoreError.storageFull:
            // Nothing was stored; a sender that retries later loses nothing.
            logger.error("storage is full: refusing writes", metadata: ["path": "\(path)"])
            var headers = HTTPFields()
            headers[.retryAfter] = "30"
            return APIError(.serviceUnavailable, "Storage is full; nothing was stored. Retry later", headers: headers)
        case StoreError.unavailable:
            // The database is down or restarting; the node reconnects by itself.
            logger.warning("the database is unavailable", metadata: ["path": "\(path)"])
            var headers = HTTPFields()
            headers[.retryAfter] = "5"
            return APIError(.serviceUnavailable, "The database is unavailable. Retry later", headers: headers)
        case let e as HTTPError:
            return APIError(e.status, e.body ?? e.status.reasonPhrase)
        default:
            logger.error("unhandled error", metadata: ["error": "\(error)", "path": "\(path)"])
            return APIError(.internalServerError, "Internal server error")
        }
    }
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-Id")!
    static let apiKey = HTTPField.Name("X-API-Key")!
    static let rateLimitLimit = HTTPField.Name("X-RateLimit-Limit")!
    static let rateLimitRemaining = HTTPField.Name("X-RateLimit-Remaining")!
    static let rateLimitReset = HTTPField.Name("X-RateLimit-Reset")!
}

/// The method sets of the router's paths, to tell a wrong method (405) from an unknown path (404).
final class RouteTable: Sendable {
    /// One path pattern: each segment a literal or a parameter (`:id`, `{id}`, `*`).
    private struct Pattern: Sendable {
        var segments: [Substring?]  // nil = any value
        var methods: Set<String>

        func matches(_ path: [Substring]) -> Bool {
            zip(segments, path).allSatisfy { pattern, actual in pattern == nil || pattern == actual }
        }
    }

    /// Patterns by segment count: a request is only compared with routes of its own length.
    /// Every authenticated request asks `knows`, so it must stay cheap.
    private let patterns = Mutex<[Int: [Pattern]]>([:])

    func load(_ routes: [(path: String, method: String)]) {
        var byPath: [String: Set<String>] = [:]
        for route in routes { byPath[route.path, default: []].insert(route.method) }
        var grouped: [Int: [Pattern]] = [:]
        for (path, methods) in byPath {
            let segments = path.split(separator: "/").map { segment -> Substring? in
                segment.hasPrefix(":") || segment.hasPrefix("{") || segment == "*" ? nil : segment
            }
            grouped[segments.count, default: []].append(Pattern(segments: segments, methods: methods))
        }
        patterns.withLock { $0 = grouped }
    }

    /// Whether some route (with any method) matches `path`.
    func knows(_ path: String) -> Bool {
        let segments = path.split(separator: "/")
        return candidates(segments.count).contains { $0.matches(segments) }
    }

    func methods(for path: String) -> [String] {
        let segments = path.split(separator: "/")
        var found: Set<String> = []
        for pattern in candidates(segments.count) where pattern.matches(segments) { found.formUnion(pattern.methods) }
        return found.sorted()
    }

    private func candidates(_ count: Int) -> [Pattern] {
        patterns.withLock { $0[count] ?? [] }
    }
}
