// `bench/run websocket`'s subscribers: CLIENTS WebSocket clients on one hub URL, counting the
// `event` messages each receives.
//
//     WebSocketFanout ws://127.0.0.1:18930/v1/ws?token=… 100 [quiet-seconds]
//
// Prints `ready N` once N clients have their welcome (the bench then starts ingesting). From
// the first event on, it stops once no client has received anything for `quiet-seconds`
// (default 3) and prints one line: `clients dropped min max total first last` — how many
// clients were connected, how many the server disconnected, the fewest and most events one
// client got, the events all of them got, and the monotonic seconds of the first and last
// event received.
//
// The clients share the server's machine, so they must cost it as little as possible: each is
// a bare NIO channel on one event-loop thread that parses frame headers out of whole socket
// reads (what a WebSocket library does per frame — an async stream element, a task wake-up —
// would otherwise be measured as the server's cost). Pings are answered with pongs.
import Foundation
import NIOCore
import NIOPosix
import Synchronization

let arguments = CommandLine.arguments
guard arguments.count >= 3, let clients = Int(arguments[2]), clients > 0,
    let url = URL(string: arguments[1]), let host = url.host, let port = url.port
else {
    FileHandle.standardError.write(Data("usage: WebSocketFanout ws://HOST:PORT/PATH CLIENTS [QUIET_SECONDS]\n".utf8))
    exit(2)
}
let target = url.path + (url.query.map { "?" + $0 } ?? "")
let quiet = arguments.count > 3 ? Double(arguments[3]) ?? 3 : 3

struct Tally {
    var welcomed = 0
    var dropped = 0
    var counts: [Int]
    var first: ContinuousClock.Instant?
    var last: ContinuousClock.Instant?
}

/// What every client adds to, and the main loop reads.
final class SharedTally: Sendable {
    let state: Mutex<Tally>
    init(clients: Int) { state = Mutex(Tally(counts: Array(repeating: 0, count: clients))) }
    func withLock<R>(_ body: (inout Tally) -> R) -> R { state.withLock { body(&$0) } }
}

let tally = SharedTally(clients: clients)

/// One client: the upgrade request, then frames parsed out of the bytes as they arrive.
final class FanoutClient: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    // Publications start `{"type":"event"`: matching the prefix is all the work per message.
    static let eventPrefix = Array(#"{"type":"event""#.utf8)
    static let welcomePrefix = Array(#"{"type":"welcome""#.utf8)

    let index: Int
    let upgradeRequest: String
    let tally: SharedTally
    private var pending = ByteBuffer()
    private var upgraded = false

    init(index: Int, host: String, port: Int, target: String, tally: SharedTally) {
        self.index = index
        self.tally = tally
        let key = Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        upgradeRequest =
            "GET \(target) HTTP/1.1\r\nHost: \(host):\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n"
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(NIOAny(ByteBuffer(string: upgradeRequest)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        pending.writeBuffer(&incoming)
        if !upgraded {
            let view = pending.readableBytesView
            guard let end = view.firstRange(of: Array("\r\n\r\n".utf8)) else { return }
            guard view.starts(with: Array("HTTP/1.1 101".utf8)) else {
                context.close(promise: nil)
                return
            }
            pending.moveReaderIndex(forwardBy: end.upperBound - view.startIndex)
            upgraded = true
        }
        var events = 0
        var welcomed = false
        while let (opcode, payload) = nextFrame() {
            switch opcode {
            case 0x1:
                if payload.readableBytesView.starts(with: Self.eventPrefix) {
                    events += 1
                } else if payload.readableBytesView.starts(with: Self.welcomePrefix) {
                    welcomed = true
                }
            case 0x9: context.writeAndFlush(NIOAny(Self.maskedFrame(opcode: 0xA, payload: payload)), promise: nil)
            case 0x8: context.close(promise: nil)
            default: break
            }
        }
        if pending.readerIndex > 1 << 16 { pending.discardReadBytes() }
        guard events > 0 || welcomed else { return }
        let now = ContinuousClock.now
        tally.withLock { t in
            if welcomed { t.welcomed += 1 }
            guard events > 0 else { return }
            t.counts[index] += events
            if t.first == nil { t.first = now }
            t.last = now
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        tally.withLock { $0.dropped += 1 }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// The next complete frame (server frames are never masked), or nil until more arrives.
    private func nextFrame() -> (UInt8, ByteBuffer)? {
        guard let b0 = pending.getInteger(at: pending.readerIndex, as: UInt8.self),
            let b1 = pending.getInteger(at: pending.readerIndex + 1, as: UInt8.self)
        else { return nil }
        var header = 2
        var length = Int(b1 & 0x7F)
        if length == 126 {
            guard let extended = pending.getInteger(at: pending.readerIndex + 2, as: UInt16.self) else { return nil }
            header += 2
            length = Int(extended)
        } else if length == 127 {
            guard let extended = pending.getInteger(at: pending.readerIndex + 2, as: UInt64.self) else { return nil }
            header += 8
            length = Int(extended)
        }
        guard pending.readableBytes >= header + length else { return nil }
        pending.moveReaderIndex(forwardBy: header)
        let payload = pending.readSlice(length: length)!
        return (b0 & 0x0F, payload)
    }

    /// A client frame (clients must mask; a zero key leaves the payload as it is).
    static func maskedFrame(opcode: UInt8, payload: ByteBuffer) -> ByteBuffer {
        var frame = ByteBuffer()
        frame.writeInteger(0x80 | opcode)
        frame.writeInteger(UInt8(0x80 | min(payload.readableBytes, 125)))
        frame.writeInteger(UInt32(0))
        frame.writeImmutableBuffer(payload.getSlice(at: payload.readerIndex, length: min(payload.readableBytes, 125))!)
        return frame
    }
}

let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let origin = ContinuousClock.now
for index in 0..<clients {
    let bootstrap = ClientBootstrap(group: group)
        .channelOption(.tcpOption(.tcp_nodelay), value: 1)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(FanoutClient(index: index, host: host, port: port, target: target, tally: tally)) }
        }
    do {
        _ = try await bootstrap.connect(host: host, port: port).get()
    } catch {
        FileHandle.standardError.write(Data("client \(index): \(error)\n".utf8))
        tally.withLock { $0.dropped += 1 }
    }
}

func seconds(_ instant: ContinuousClock.Instant?) -> String {
    guard let instant else { return "0" }
    let d = (instant - origin).components
    return String(format: "%.6f", Double(d.seconds) + Double(d.attoseconds) / 1e18)
}

// Everyone welcomed (or gone), within a minute.
let connectDeadline = ContinuousClock.now + .seconds(60)
while tally.withLock({ $0.welcomed + $0.dropped }) < clients, ContinuousClock.now < connectDeadline {
    try await Task.sleep(for: .milliseconds(20))
}
FileHandle.standardOutput.write(Data("ready \(tally.withLock { $0.welcomed })\n".utf8))

// Then until the stream has gone quiet (at most 10 minutes).
let runDeadline = ContinuousClock.now + .seconds(600)
while ContinuousClock.now < runDeadline {
    try await Task.sleep(for: .milliseconds(200))
    let (last, gone) = tally.withLock { ($0.last, $0.dropped) }
    if gone == clients { break }
    if let last, ContinuousClock.now - last > .seconds(quiet) { break }
}
let t = tally.withLock { $0 }
let summary = [clients, t.dropped, t.counts.min() ?? 0, t.counts.max() ?? 0, t.counts.reduce(0, +)].map(String.init) + [seconds(t.first), seconds(t.last)]
FileHandle.standardOutput.write(Data((summary.joined(separator: " ") + "\n").utf8))
exit(0)
