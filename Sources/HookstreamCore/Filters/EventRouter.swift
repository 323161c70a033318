/// Routing: which of a source's connections an event goes through. A connection matches when
/// all its filter rules pass (no rules: everything passes); every match is one delivery.
public struct EventRouter: Sendable {
    public let connections: [Connection]

    public init(connections: [Connection]) {
        self.connections = connections
    }

    /// Whether some connection filters, so routing needs the event's body and request facts.
    public var inspectsEvents: Bool { connections.contains { !$0.filterRules.rules.isEmpty } }

    /// The routes of an event. `input` is built only when some connection has rules, so
    /// sources without filters never parse bodies at ingest.
    public func routes(for input: () -> FilterInput) -> [Route] {
        guard !connections.isEmpty else { return [] }
        var built: FilterInput?
        var routes: [Route] = []
        for connection in connections {
            if !connection.filterRules.rules.isEmpty {
                if built == nil { built = input() }
                guard connection.filterRules.matches(built!) else { continue }
            }
            routes.append(Route(connectionID: connection.id, destinationID: connection.destinationID))
        }
        return routes
    }
}
