import Foundation
import HookstreamCore
import Hummingbird
import JSONValue
import JSONata

/// `POST /v1/transforms/test`: the JSONata playground. Users try an expression on a sample
/// payload before saving it on a connection; errors carry the JSONata code and position.
struct TransformsRoutes {
    let deps: ServerDependencies

    func register(on router: Router<AppRequestContext>) {
        router.post("/v1/transforms/test", use: test)
    }

    @Sendable func test(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try context.caller
        let body = try await JSONBody.read(
            request, context: context, limit: deps.configuration.maxAPIBodyBytes, fields: ["expression", "payload", "bindings", "headers"])
        let expression = try body.requiredString("expression", maxLength: 100_000)
        let payload = body.members["payload"]
        var bindings: [String: JSON] = [:]
        switch body.members["bindings"] {
        case nil, .null?: break
        case .object(let extra)?: for (name, value) in extra { bindings[name] = value }
        default: throw APIError.badRequest("'bindings' must be an object")
        }
        switch body.members["headers"] {
        case nil, .null?: break
        case .object(let headers)?:
            // Header names are matched case-insensitively everywhere else; bind them lower-cased.
            var lowered = JSONObject()
            for (name, value) in headers { lowered[name.lowercased()] = value }
            bindings["headers"] = .object(lowered)
        default: throw APIError.badRequest("'headers' must be an object")
        }
        let compiled = try Self.compile(expression)
        do {
            if let result = try compiled.evaluate(payload, bindings: bindings) {
                return .json(["result": result])
            }
            return .json(["result": .null, "undefined": true])
        } catch let error as JSONataError {
            throw Self.apiError(error, prefix: "Transform failed")
        }
    }

    /// Compiles an expression or answers 400 with the JSONata code and position.
    @discardableResult
    static func compile(_ expression: String) throws -> JSONata {
        do {
            return try JSONata(expression)
        } catch let error as JSONataError {
            throw apiError(error, prefix: "Invalid JSONata expression")
        }
    }

    static func apiError(_ error: JSONataError, prefix: String) -> APIError {
        var extra: JSONObject = ["code": .string(error.code)]
        extra["position"] = error.position.map { .number(Double($0)) } ?? .null
        return APIError(.badRequest, "\(prefix): \(error.message) (\(error.code))", extra: extra)
    }
}
