import Foundation
import HookstreamCore
import HookstreamDelivery
import Hummingbird
import JSONValue

/// `/v1/tools/…`: the free developer tools — a health check, scheduled webhooks and an
/// idempotency tester. Unauthenticated (a public path), limited per client IP by
/// `--tools-rate-limit`, and every request they send goes through the outbound policy as an
/// anonymous caller's, so `--public-outbound` decides what they may reach: with `off` every
/// tools endpoint answers 403; with `public` a loopback or private target is refused with a
/// 403 naming the address, before anything is sent or stored.
struct ToolsRoutes {
    let deps: ServerDependencies

    static let prefix = "/v1/tools/"

    func register(on router: Router<AppRequestContext>) {
        ToolsHealthCheckRoutes(tools: self).register(on: router)
        ToolsScheduleRoutes(tools: self).register(on: router)
        ToolsIdempotencyRoutes(tools: self).register(on: router)
    }

    var sender: ToolSender { ToolSender(client: deps.outbound) }

    /// The 403 of `--public-outbound off`, for every tools endpoint.
    func requireEnabled() throws {
        if let refusal = sender.refusal { throw APIError(.forbidden, "The tools API is turned off on this server: \(refusal)") }
    }

    static func forbidden(_ refusal: OutboundRefusal) -> APIError {
        APIError(.forbidden, "\(refusal)")
    }

    /// Reads the request a tool is to send from the body's `url`, `method`, `headers` and
    /// `body`, plus `extraHeaders` the tool itself adds (the idempotency header).
    static func toolRequest(_ body: JSONBody, extraHeaders: [(name: String, value: String)] = []) throws -> ToolRequest {
        let url = try body.requiredString("url", maxLength: ToolRequest.maxURLLength)
        let method = try body.string("method", maxLength: 16)
        var headers: [(name: String, value: String)] = []
        switch body.members["headers"] {
        case nil, .null?: break
        case .object(let object)?:
            for (name, value) in object {
                guard case .string(let text) = value else { throw APIError.badRequest("'headers': the value of \(name) must be a string") }
                headers.append((name, text))
            }
        default: throw APIError.badRequest("'headers' must be an object of header names to string values")
        }
        let extraNames = Set(extraHeaders.map { $0.name.lowercased() })
        headers.removeAll { extraNames.contains($0.name.lowercased()) }
        let text: String?
        switch body.members["body"] {
        case nil, .null?: text = nil
        case .string(let s)?: text = s
        default: throw APIError.badRequest("'body' must be a string (JSON goes in as its text)")
        }
        do {
            return try ToolRequest.validated(url: url, method: method, headers: headers + extraHeaders, body: text)
        } catch let invalid as ToolRequest.Invalid {
            throw APIError.badRequest(invalid.description)
        }
    }

    /// Refuses, before anything is sent or stored, a target the policy refuses to an
    /// anonymous caller: a literal address or `localhost` from the URL alone, a name by the
    /// addresses it resolves to now. A name that does not resolve is left to the send.
    func checkTarget(_ request: ToolRequest) async throws {
        guard let host = URLComponents(string: request.url)?.host else { return }
        let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        if let refusal = deps.outbound.policy.refusal(host: bare, for: .anonymous) {
            throw Self.forbidden(OutboundRefusal(reason: refusal))
        }
        do {
            try await sender.check(host: bare)
        } catch let refusal as OutboundRefusal {
            throw Self.forbidden(refusal)
        } catch {
            return
        }
    }

    /// The caller's address, as the rate limiter sees it (behind a trusted proxy, the one it
    /// forwarded).
    func client(_ request: Request, _ context: AppRequestContext) -> String {
        let headers = request.headers.map { (name: $0.name.canonicalName, value: $0.value) }
        return deps.clientAddresses.resolve(peer: context.peer, headers: headers)?.description ?? "unknown"
    }

    static func headersObject(_ headers: [(name: String, value: String)]) -> JSON {
        var object = JSONObject()
        for (name, value) in headers {
            if case .string(let existing)? = object[name] {
                object[name] = .string(existing + ", " + value)
            } else {
                object[name] = .string(value)
            }
        }
        return .object(object)
    }
}
