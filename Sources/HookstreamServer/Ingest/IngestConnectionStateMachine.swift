import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Who answers each request on one HTTP/1 connection: ``IngestFastPath`` (ingest requests,
/// answered straight from the channel) or the router behind it (everything else). No I/O: it
/// takes what happened on the channel and returns what the handler must do.
///
/// HTTP/1 answers requests in the order they came, and a client may send the next request
/// before the previous one is answered (pipelining). So the fast path only takes a request
/// when nothing is outstanding: while the router still owes an answer, every request goes to
/// the router (which serves ingest too, in order); while the fast path prepares an answer,
/// whatever arrives is held and replayed once the answer is written, and reading stops so what
/// is held stays small.
struct IngestConnectionStateMachine {
    /// The requests the fast path answers: ingest to a source, and publish to a topic with an
    /// API key (ingest without verification, whose rate should match it).
    enum Route: Equatable, Sendable {
        case ingest(sourceID: String)
        /// `topic` is the path's slug or `top_` ID.
        case publish(topic: String)
    }

    /// A fast-path request whose answer is to be prepared.
    struct Ingest: Equatable {
        var head: HTTPRequest
        var route: Route
        /// The body, or `nil` when it passed the limit (the answer is then a 413, and the
        /// connection closes once the rest of the body has been read and dropped: closing with
        /// unread data would reset the connection and could lose the 413 on its way).
        var body: ByteBuffer?
        /// The connection closes after this answer.
        var closeAfter: Bool
    }

    enum Action: Equatable {
        /// Pass the part on to the router.
        case forward(HTTPRequestPart)
        /// Prepare this answer; report ``answered()`` once it is written.
        case answer(Ingest)
        /// Resume reading from the socket (a read was held back).
        case read
        /// Pass the shutdown's quiesce event on (the router's side closes idle connections).
        case quiesce
        /// Close the connection.
        case close
    }

    private enum State {
        /// Between requests (the router may still be answering earlier ones).
        case idle
        /// The request being read belongs to the router.
        case forwarding
        /// An ingest request's body is being collected.
        case collecting(head: HTTPRequest, route: Route, body: ByteBuffer)
        /// An ingest answer is being prepared; later parts are held.
        case answering
        /// The connection closes once the answer is written and the request has ended; the
        /// rest of an over-limit body is read and dropped.
        case closing(answerWritten: Bool, requestEnded: Bool)
    }

    private var state = State.idle
    /// Requests handed to the router whose answer has not been written yet.
    private var routerOwes = 0
    /// Parts received while an answer was being prepared, in order.
    private var held: [HTTPRequestPart] = []
    private var readHeld = false
    private var quiescing = false
    private let maxBodyBytes: Int
    private let classify: @Sendable (HTTPRequest) -> Route?

    /// - Parameter classify: the fast path's route for a request head, `nil` for the router's.
    init(maxBodyBytes: Int, classify: @escaping @Sendable (HTTPRequest) -> Route?) {
        self.maxBodyBytes = maxBodyBytes
        self.classify = classify
    }

    mutating func received(_ part: HTTPRequestPart) -> [Action] {
        switch state {
        case .answering:
            held.append(part)
            return []
        case .closing(let written, let ended):
            guard !ended, case .end = part else { return [] }
            state = .closing(answerWritten: written, requestEnded: true)
            return written ? [.close] : []
        case .forwarding:
            if case .end = part { state = .idle }
            return [.forward(part)]
        case .idle:
            guard case .head(let head) = part else { return [.forward(part)] }
            if routerOwes == 0, !quiescing, let route = classify(head) {
                state = .collecting(head: head, route: route, body: ByteBuffer())
                return []
            }
            routerOwes += 1
            state = .forwarding
            return [.forward(part)]
        case .collecting(let head, let route, var body):
            switch part {
            case .head:
                // The decoder ends a request before the next head; never reached.
                return []
            case .body(var chunk):
                guard body.readableBytes + chunk.readableBytes <= maxBodyBytes else {
                    state = .closing(answerWritten: false, requestEnded: false)
                    return [.answer(Ingest(head: head, route: route, body: nil, closeAfter: true))]
                }
                state = .idle  // no copy-on-write of `body` while it is appended to
                body.writeBuffer(&chunk)
                state = .collecting(head: head, route: route, body: body)
                return []
            case .end:
                let closeAfter = quiescing || Self.asksToClose(head)
                state = closeAfter ? .closing(answerWritten: false, requestEnded: true) : .answering
                return [.answer(Ingest(head: head, route: route, body: body, closeAfter: closeAfter))]
            }
        }
    }

    /// The router wrote the end of an answer.
    mutating func routerAnswered() -> [Action] {
        routerOwes = max(0, routerOwes - 1)
        return []
    }

    /// The fast path wrote its answer.
    mutating func answered() -> [Action] {
        switch state {
        case .closing(_, let ended):
            state = .closing(answerWritten: true, requestEnded: ended)
            return ended ? [.close] : []
        case .answering:
            state = .idle
            if quiescing {
                // Shutting down: what was pipelined behind is not answered; the client sees
                // the connection close and sends it again elsewhere.
                held.removeAll()
                return [.quiesce]
            }
            var actions: [Action] = []
            let replay = held
            held.removeAll()
            for part in replay { actions += received(part) }
            if readHeld, readAllowed {
                readHeld = false
                actions.append(.read)
            }
            return actions
        case .idle, .forwarding, .collecting:
            return []
        }
    }

    /// The channel wants to read more; `false` holds the read back until the answer is out.
    /// While an answer is prepared reading goes on until something is pipelined behind it:
    /// holding every read would cost two `epoll_ctl` calls per request, and what is held stays
    /// bounded by one read's worth either way.
    mutating func mayRead() -> Bool {
        if !readAllowed { readHeld = true }
        return readAllowed
    }

    private var readAllowed: Bool {
        switch state {
        case .answering where !held.isEmpty, .closing(_, requestEnded: true): false
        case .idle, .forwarding, .collecting, .answering, .closing(_, requestEnded: false): true
        }
    }

    /// Graceful shutdown asks the connection to wind down: once the fast path's answer (if any)
    /// is written, the quiesce event goes on to the router's side.
    mutating func quiesce() -> [Action] {
        quiescing = true
        switch state {
        case .collecting, .answering, .closing: return []
        case .idle, .forwarding: return [.quiesce]
        }
    }

    static func asksToClose(_ head: HTTPRequest) -> Bool {
        head.headerFields[values: .connection].contains { $0.lowercased().contains("close") }
    }
}
