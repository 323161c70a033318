import Foundation
import HookstreamCore
import HookstreamDelivery
import HookstreamStore
import Hummingbird
import JSONValue

/// `/v1/destinations`: create, list, read, update and delete destinations, the template
/// catalogue, and each destination's circuit breaker.
struct DestinationsRoutes {
    let deps: ServerDependencies

    func register(on router: Router<AppRequestContext>) {
        router.get("/v1/destinations/templates") { _, _ in JSON.object(["templates": .array(DestinationTemplate.all.map(\.json))]) }
        router.get("/v1/destinations", use: list)
        router.post("/v1/destinations", use: create)
        router.get("/v1/destinations/:id", use: get)
        router.patch("/v1/destinations/:id", use: update)
        router.delete("/v1/destinations/:id", use: delete)
        router.get("/v1/destinations/:id/circuit", use: circuit)
        router.post("/v1/destinations/:id/circuit/reset", use: resetCircuit)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let q = request.uri.queryParameters
        let paging = try Paging(q, defaultLimit: 20)
        let status = try QueryValue.oneOf(q, "status", Destination.Status.allCases.map(\.rawValue)).flatMap(Destination.Status.init(rawValue:))
        let type = try QueryValue.oneOf(q, "type", DestinationTypes.known + DestinationTypes.aliases.keys.sorted()).flatMap(DestinationTypes.canonical)
        let page = try await deps.store.destinations(tenant: identity.tenant, status: status, type: type, beforeID: paging.afterID, limit: paging.limit)
        return .json(page.listBody("destinations", render: render))
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let body = try await JSONBody.read(request, context: context, limit: deps.configuration.maxAPIBodyBytes, fields: DestinationSettings.fields)
        let name = try body.requiredString("name", maxLength: 200)
        let now = Timestamp.millis(Date())
        var destination = Destination(
            id: ResourceID.make(.destination), tenant: identity.tenant, name: name,
            slug: try body.string("slug", maxLength: 100) ?? Slug.make(from: name), createdAt: now, updatedAt: now)
        try DestinationSettings(deps: deps).apply(body, to: &destination, creating: true)
        do {
            try await deps.store.createDestination(destination)
        } catch StoreError.conflict where !body.has("slug") {
            destination.slug = Slug.make(from: name) + "-" + destination.id.suffix(6)
            try await deps.store.createDestination(destination)
        }
        return .json(render(destination), status: .created)
    }

    @Sendable func get(_ request: Request, context: AppRequestContext) async throws -> Response {
        .json(render(try await load(request, context)))
    }

    @Sendable func update(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await JSONBody.read(request, context: context, limit: deps.configuration.maxAPIBodyBytes, fields: DestinationSettings.fields)
        var destination = try await load(request, context)
        if body.has("name") { destination.name = try body.requiredString("name", maxLength: 200) }
        if body.has("slug") { destination.slug = try body.requiredString("slug", maxLength: 100) }
        try DestinationSettings(deps: deps).apply(body, to: &destination, creating: false)
        destination.updatedAt = Timestamp.millis(Date())
        try await deps.store.updateDestination(destination)
        deps.delivery.destinationChanged(destination.id)
        return .json(render(destination))
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.caller
        let id = try context.parameters.require("id")
        do {
            try await deps.store.deleteDestination(id: id, tenant: identity.tenant, at: Timestamp.millis(Date()))
        } catch StoreError.notFound {
            throw APIError.notFound("Destination")
        }
        deps.delivery.destinationChanged(id)
        return .json(["success": true])
    }

    @Sendable func circuit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let destination = try await load(request, context)
        return .json(try await deps.delivery.circuit(of: destination).statusJSON(destinationID: destination.id))
    }

    @Sendable func resetCircuit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let destination = try await load(request, context)
        try await JSONBody.requireNone(request, context: context, limit: deps.configuration.maxAPIBodyBytes)
        let circuit = try await deps.delivery.resetCircuit(destination: destination)
        return .json(circuit.statusJSON(destinationID: destination.id))
    }

    private func load(_ request: Request, _ context: AppRequestContext) async throws -> Destination {
        let identity = try context.caller
        let id = try context.parameters.require("id")
        guard let destination = try await deps.store.destination(id: id, tenant: identity.tenant) else { throw APIError.notFound("Destination") }
        return destination
    }

    func render(_ d: Destination) -> JSON {
        var headers = JSONObject()
        if let sealed = d.sealedHeaders, let opened = try? deps.secrets.open(sealed), case .object(let plain)? = try? JSON(parsing: opened) {
            for (name, value) in plain {
                headers[name] = SensitiveHeaders.isSensitive(name) ? .string(SecretBox.mask(value.stringValue ?? "")) : value
            }
        }
        var signing: JSON = .null
        if let sealed = d.sealedSigningConfig, let opened = try? deps.secrets.open(sealed), case .object(var config)? = try? JSON(parsing: opened) {
            config["secret"] = .string(SecretBox.mask(config["secret"]?.stringValue ?? ""))
            signing = .object(config)
        }
        var config: JSONObject = [
            "url": d.url.map(JSON.string) ?? .null, "method": .string(d.method), "headers": .object(headers),
            "timeout": .number(d.timeoutSeconds), "follow_redirects": .bool(d.followRedirects), "signing_config": signing,
            "provider_config": d.providerConfig ?? .null,
        ]
        if d.type == WebSocketProvider.type { config["channel_name"] = d.providerConfig?["channel_name"] ?? .null }
        // A provider type's settings stand flat in `config`, as its spec page writes them, and
        // in `provider_config`; never with a credential in clear.
        if let provider = DestinationSettings(deps: deps).maskedProviderConfig(d) {
            for (key, value) in provider { config[key] = value }
            config["provider_config"] = .object(provider)
        }
        var o: JSONObject = ["id": .string(d.id), "name": .string(d.name), "slug": .string(d.slug), "type": .string(d.type)]
        for (key, value) in config { o[key] = value }
        o["config"] = .object(config)
        for (key, value) in d.retry.jsonFields { o[key] = value }
        o["status"] = .string(d.status.rawValue)
        o["enabled"] = .bool(d.status == .active)
        o["max_concurrency"] = d.maxConcurrency.map { .number(Double($0)) } ?? .null
        o["circuit_state"] = .string(d.circuit.state.rawValue)
        o["delivery_count"] = .number(Double(d.deliveryCount))
        o["created_at"] = .string(Timestamp.iso(millis: d.createdAt))
        o["updated_at"] = .string(Timestamp.iso(millis: d.updatedAt))
        return .object(o)
    }
}

/// Pre-filled HTTP destinations for common services (`GET /v1/destinations/templates`).
struct DestinationTemplate: Sendable {
    let id: String
    let name: String
    let description: String
    let configTemplate: JSON

    var json: JSON {
        ["id": .string(id), "name": .string(name), "type": "http", "description": .string(description), "config_template": configTemplate]
    }

    static let all: [DestinationTemplate] = [
        DestinationTemplate(
            id: "slack", name: "Slack", description: "Send webhook events to a Slack channel via an Incoming Webhook URL.",
            configTemplate: ["url": "", "method": "POST", "headers": ["Content-Type": "application/json"]]),
        DestinationTemplate(
            id: "discord", name: "Discord", description: "Post webhook events to a Discord channel webhook.",
            configTemplate: ["url": "", "method": "POST", "headers": ["Content-Type": "application/json"]]),
        DestinationTemplate(
            id: "pagerduty", name: "PagerDuty", description: "Trigger PagerDuty incidents through the Events API v2.",
            configTemplate: ["url": "https://events.pagerduty.com/v2/enqueue", "method": "POST", "headers": ["Content-Type": "application/json"]]),
        DestinationTemplate(
            id: "datadog", name: "Datadog", description: "Send events to Datadog's Events API (set your DD-API-KEY header).",
            configTemplate: ["url": "https://api.datadoghq.com/api/v1/events", "method": "POST", "headers": ["DD-API-KEY": ""]]),
        DestinationTemplate(
            id: "zapier", name: "Zapier", description: "Trigger a Zap through its Catch Hook URL.",
            configTemplate: ["url": "", "method": "POST", "headers": [:]]),
        DestinationTemplate(
            id: "linear", name: "Linear", description: "Create Linear issues through the GraphQL API (set your Authorization header).",
            configTemplate: ["url": "https://api.linear.app/graphql", "method": "POST", "headers": ["Authorization": ""]]),
    ]
}
