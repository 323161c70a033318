import Foundation
import HookstreamCore
import HookstreamStore

/// Rows the conformance tests build on: a tenant with a source routed to a destination.
struct StoreFixture {
    let store: any Store
    let tenant: Tenant
    var source: Source
    var destination: Destination
    var connection: Connection

    /// A fixed start for timestamps; the store never reads the wall clock for decisions the
    /// tests check, so times are given explicitly.
    static let t0: Int64 = 1_780_000_000_000

    /// The bootstrap organization's tenant.
    static func defaultTenant(_ store: any Store) async throws -> Tenant {
        let boot = try await store.bootstrap(bootstrapKey: nil)
        return Tenant(organizationID: boot.organization.id, environmentID: boot.environment.id)
    }

    /// A second organization, as signup makes it.
    static func otherTenant(_ store: any Store) async throws -> Tenant {
        let (_, org, env) = try await store.createAccount(email: "other-\(UUID().uuidString.prefix(8))@example.com", passwordHash: "x", name: nil)
        return Tenant(organizationID: org.id, environmentID: env.id)
    }

    static func make(_ store: any Store, tenant: Tenant? = nil, sourceStatus: Source.Status = .active) async throws -> StoreFixture {
        let tenant = try await Self.resolve(tenant, store)
        let source = try await makeSource(store, tenant: tenant, status: sourceStatus)
        let destination = Destination(
            id: ResourceID.make(.destination), tenant: tenant, name: "Receiver", slug: "receiver-\(UUID().uuidString.prefix(8).lowercased())",
            url: "http://127.0.0.1:9/", createdAt: t0, updatedAt: t0)
        try await store.createDestination(destination)
        let connection = Connection(
            id: ResourceID.make(.connection), tenant: tenant, name: nil, sourceID: source.id, destinationID: destination.id, createdAt: t0,
            updatedAt: t0)
        try await store.createConnection(connection)
        return StoreFixture(store: store, tenant: tenant, source: source, destination: destination, connection: connection)
    }

    private static func resolve(_ tenant: Tenant?, _ store: any Store) async throws -> Tenant {
        if let tenant { return tenant }
        return try await defaultTenant(store)
    }

    static func makeSource(_ store: any Store, tenant: Tenant, status: Source.Status = .active, slug: String? = nil) async throws -> Source {
        let source = Source(
            id: ResourceID.make(.source), tenant: tenant, name: "Shop", slug: slug ?? "shop-\(UUID().uuidString.prefix(8).lowercased())",
            status: status, createdAt: t0, updatedAt: t0)
        try await store.createSource(source)
        return source
    }

    var route: Route { Route(connectionID: connection.id, destinationID: destination.id) }

    /// An event of the fixture's source received at `at`, with `body` inline.
    func event(at: Int64 = t0, body: String = "{}") -> Event {
        Event(
            id: ResourceID.make(.event, now: Date(timeIntervalSince1970: Double(at) / 1000)), tenant: tenant, sourceID: source.id, method: "POST",
            headers: ["content-type": "application/json"], query: [:], contentType: "application/json", sourceIP: "127.0.0.1",
            bodySize: body.utf8.count, body: .inline(Array(body.utf8)), receivedAt: at)
    }

    /// Stores one routed event through the group-commit entry point.
    @discardableResult
    func ingest(at: Int64 = t0, body: String = "{}", routed: Bool = true) async throws -> (event: Event, outcome: IngestOutcome) {
        let event = event(at: at, body: body)
        let outcome = try await store.insertEvents([IncomingEvent(event: event, routes: routed ? [route] : [])])
        return (event, outcome[0])
    }

    func attempts(of eventID: String) async throws -> [DeliveryAttempt] {
        try await store.deliveryAttempts(tenant: tenant, query: AttemptQuery(eventID: eventID, limit: 100)).items.map(\.attempt)
    }
}
