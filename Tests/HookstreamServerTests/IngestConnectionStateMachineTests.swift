import HTTPTypes
@testable import HookstreamServer
import NIOCore
import NIOHTTPTypes
import Testing

/// Who answers which request on one connection, and in what order: the fast path takes an
/// ingest request only when nothing is outstanding, holds what is pipelined behind its answer,
/// and leaves everything else (and everything behind a router request) to the router.
@Suite struct IngestConnectionStateMachineTests {
    typealias Machine = IngestConnectionStateMachine

    static func machine(limit: Int = 10) -> Machine {
        Machine(maxBodyBytes: limit) { head in
            guard let path = head.path, path.hasPrefix("/v1/ingest/") else { return nil }
            return .ingest(sourceID: String(path.dropFirst("/v1/ingest/".count)))
        }
    }

    static func head(_ path: String, _ method: HTTPRequest.Method = .post, connection: String? = nil) -> HTTPRequest {
        var head = HTTPRequest(method: method, scheme: nil, authority: "127.0.0.1", path: path)
        if let connection { head.headerFields[.connection] = connection }
        return head
    }

    static func body(_ text: String) -> HTTPRequestPart { .body(ByteBuffer(string: text)) }

    static func ingest(_ source: String, body: String?, closeAfter: Bool = false, connection: String? = nil) -> Machine.Action {
        .answer(
            Machine.Ingest(
                head: head("/v1/ingest/\(source)", connection: connection), route: .ingest(sourceID: source), body: body.map { ByteBuffer(string: $0) },
                closeAfter: closeAfter))
    }

    @Test func anIngestRequestIsCollectedThenAnswered() {
        var m = Self.machine()
        #expect(m.received(.head(Self.head("/v1/ingest/src_1"))) == [])
        #expect(m.received(Self.body("{\"a\":")) == [])
        #expect(m.received(Self.body("1}")) == [])
        #expect(m.mayRead() == true)
        #expect(m.received(.end(nil)) == [Self.ingest("src_1", body: "{\"a\":1}")])
        // Nothing pipelined yet: reading goes on (no epoll change per request).
        #expect(m.mayRead() == true)
        #expect(m.answered() == [])
    }

    @Test func readingPausesOnceSomethingIsPipelinedBehindAnAnswer() {
        var m = Self.machine()
        _ = m.received(.head(Self.head("/v1/ingest/src_1")))
        _ = m.received(.end(nil))
        _ = m.received(.head(Self.head("/v1/health", .get)))
        #expect(m.mayRead() == false)
        #expect(m.answered() == [.forward(.head(Self.head("/v1/health", .get))), .read])
        #expect(m.mayRead() == true)
    }

    @Test func otherRequestsGoToTheRouterPartByPart() {
        var m = Self.machine()
        let head = HTTPRequestPart.head(Self.head("/v1/sources"))
        #expect(m.received(head) == [.forward(head)])
        #expect(m.received(Self.body("{}")) == [.forward(Self.body("{}"))])
        #expect(m.received(.end(nil)) == [.forward(.end(nil))])
        #expect(m.routerAnswered() == [])
    }

    @Test func anIngestRequestBehindAnUnansweredRouterRequestGoesToTheRouterToo() {
        var m = Self.machine()
        _ = m.received(.head(Self.head("/v1/sources", .get)))
        _ = m.received(.end(nil))
        let ingest = HTTPRequestPart.head(Self.head("/v1/ingest/src_1"))
        // The router still owes the first answer: the ingest request must not overtake it.
        #expect(m.received(ingest) == [.forward(ingest)])
        #expect(m.received(.end(nil)) == [.forward(.end(nil))])
        _ = m.routerAnswered()
        _ = m.routerAnswered()
        // Both answered: the next ingest request is the fast path's again.
        #expect(m.received(.head(Self.head("/v1/ingest/src_2"))) == [])
        #expect(m.received(.end(nil)) == [Self.ingest("src_2", body: "")])
    }

    @Test func requestsPipelinedBehindAnIngestAnswerWaitForItThenReplayInOrder() {
        var m = Self.machine()
        _ = m.received(.head(Self.head("/v1/ingest/src_1")))
        #expect(m.received(.end(nil)) == [Self.ingest("src_1", body: "")])
        let list = HTTPRequestPart.head(Self.head("/v1/events", .get))
        #expect(m.received(list) == [])
        #expect(m.received(.end(nil)) == [])
        #expect(m.received(.head(Self.head("/v1/ingest/src_3"))) == [])
        #expect(m.received(.end(nil)) == [])
        #expect(m.mayRead() == false)
        // The held GET goes to the router, and the ingest behind it follows it there.
        #expect(
            m.answered() == [
                .forward(list), .forward(.end(nil)), .forward(.head(Self.head("/v1/ingest/src_3"))), .forward(.end(nil)), .read,
            ])
    }

    @Test func anIngestRequestPipelinedBehindAnotherIsAnsweredNext() {
        var m = Self.machine()
        _ = m.received(.head(Self.head("/v1/ingest/src_1")))
        _ = m.received(.end(nil))
        _ = m.received(.head(Self.head("/v1/ingest/src_2")))
        _ = m.received(Self.body("x"))
        _ = m.received(.end(nil))
        #expect(m.mayRead() == false)
        // Nothing is held behind the second answer, so reading resumes while it is prepared.
        #expect(m.answered() == [Self.ingest("src_2", body: "x"), .read])
        #expect(m.answered() == [])
    }

    @Test func aBodyOverTheLimitIsAnsweredAtOnceTheRestDroppedThenTheConnectionCloses() {
        var m = Self.machine(limit: 4)
        _ = m.received(.head(Self.head("/v1/ingest/src_1")))
        #expect(m.received(Self.body("1234")) == [])
        #expect(m.received(Self.body("5")) == [Self.ingest("src_1", body: nil, closeAfter: true)])
        // The rest of the body is read (closing on unread data would reset the connection
        // under the 413) and dropped; the connection closes once both are done.
        #expect(m.mayRead() == true)
        #expect(m.received(Self.body("6789")) == [])
        #expect(m.answered() == [])
        #expect(m.mayRead() == true)
        #expect(m.received(.end(nil)) == [.close])
        #expect(m.received(.head(Self.head("/v1/ingest/src_1"))) == [])

        var early = Self.machine(limit: 1)
        _ = early.received(.head(Self.head("/v1/ingest/src_1")))
        _ = early.received(Self.body("12"))
        #expect(early.received(.end(nil)) == [])
        #expect(early.mayRead() == false)
        #expect(early.answered() == [.close])
    }

    @Test func connectionCloseIsHonoured() {
        var m = Self.machine()
        _ = m.received(.head(Self.head("/v1/ingest/src_1", connection: "close")))
        #expect(m.received(.end(nil)) == [Self.ingest("src_1", body: "", closeAfter: true, connection: "close")])
        #expect(m.answered() == [.close])
    }

    @Test func shutdownWaitsForTheAnswerInPreparation() {
        var m = Self.machine()
        _ = m.received(.head(Self.head("/v1/ingest/src_1")))
        _ = m.received(.end(nil))
        #expect(m.quiesce() == [])
        _ = m.received(.head(Self.head("/v1/ingest/src_2")))
        #expect(m.answered() == [.quiesce])
    }

    @Test func shutdownWhileIdlePassesOnAtOnceAndLaterRequestsAreTheRouters() {
        var m = Self.machine()
        #expect(m.quiesce() == [.quiesce])
        let head = HTTPRequestPart.head(Self.head("/v1/ingest/src_1"))
        #expect(m.received(head) == [.forward(head)])
    }

    @Test func shutdownWhileABodyIsCollectedClosesAfterItsAnswer() {
        var m = Self.machine()
        _ = m.received(.head(Self.head("/v1/ingest/src_1")))
        #expect(m.quiesce() == [])
        #expect(m.received(.end(nil)) == [Self.ingest("src_1", body: "", closeAfter: true)])
        #expect(m.answered() == [.close])
    }
}
