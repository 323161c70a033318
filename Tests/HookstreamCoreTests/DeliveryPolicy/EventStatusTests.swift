import HookstreamCore
import Testing

@Suite struct EventStatusTests {
    typealias Fact = EventStatus.AttemptFact

    static func fact(_ connection: String?, _ destination: String, _ status: DeliveryAttempt.Status) -> Fact {
        Fact(connectionID: connection, destinationID: destination, status: status)
    }

    @Test(arguments: [
        ([], Event.Status.received, "routed nowhere"),
        ([fact("con_1", "dst_1", .pending)], .processing, "first attempt waiting"),
        ([fact("con_1", "dst_1", .success)], .delivered, "delivered"),
        ([fact("con_1", "dst_1", .failed)], .failed, "failed"),
        ([fact("con_1", "dst_1", .failed), fact("con_1", "dst_1", .success)], .delivered, "a retry of the same route succeeded"),
        ([fact("con_1", "dst_1", .success), fact("con_1", "dst_1", .failed)], .failed, "the newest attempt of a route counts"),
        ([fact("con_1", "dst_1", .failed), fact("con_1", "dst_1", .pending)], .processing, "a failure being retried"),
        ([fact("con_1", "dst_1", .success), fact("con_2", "dst_2", .failed)], .failed, "one route of two failed"),
        ([fact("con_1", "dst_1", .failed), fact("con_2", "dst_2", .pending)], .processing, "pending wins over failed"),
        ([fact("con_1", "dst_1", .success), fact("con_2", "dst_1", .failed)], .failed, "two connections to one destination count apart"),
        ([fact(nil, "dst_1", .success), fact("con_1", "dst_1", .failed)], .failed, "an attempt without a connection is a route of its own"),
    ] as [([Fact], Event.Status, String)])
    func derivesTheStatusFromTheNewestAttemptOfEachRoute(_ attempts: [Fact], _ expected: Event.Status, _ scenario: String) {
        #expect(EventStatus.derive(attempts) == expected, "\(scenario)")
    }

    /// The raw values are what the API shows and the store keeps: renaming a case must not
    /// silently change either.
    @Test func rawValuesAreTheAPIStrings() {
        #expect(Event.Status.allCases.map(\.rawValue) == ["received", "held", "processing", "delivered", "failed"])
        #expect(Destination.Status.allCases.map(\.rawValue) == ["active", "paused"])
    }
}
