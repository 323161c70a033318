// `bench/run websocket`'s subscribers: CLIENTS WebSocket clients on one hub URL, counting the
// `event` messages each receives.
//
//     WebSocketFanout ws://127.0.0.1:18930/v1/ws?token=… 100 [quiet-seconds]
//
// Prints `ready` once every client has its welcome (the bench then starts ingesting). From the
// first event on, it stops once no client has received anything for `quiet-seconds` (default
// 3) and prints one line: `clients dropped min max total first last` — how many clients were
// connected, how many the server disconnected, the fewest and most events one client got, the
// events all of them got, and the monotonic seconds of the first and last event received.
import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import Synchronization

let arguments = CommandLine.arguments
guard arguments.count >= 3, let clients = Int(arguments[2]), clients > 0 else {
    FileHandle.standardError.write(Data("usage: WebSocketFanout WS_URL CLIENTS [QUIET_SECONDS]\n".utf8))
    exit(2)
}
let url = arguments[1]
let quiet = arguments.count > 3 ? Double(arguments[3]) ?? 3 : 3

struct Tally {
    var welcomed = 0
    var dropped = 0
    var counts: [Int]
    var first: ContinuousClock.Instant?
    var last: ContinuousClock.Instant?
}

let tally = Mutex(Tally(counts: Array(repeating: 0, count: clients)))
// Publications start `{"type":"event"`; matching the prefix keeps the client's CPU cost (on
// the same machine as the server) to a byte comparison per message.
let eventPrefix = Array(#"{"type":"event""#.utf8)
let welcomePrefix = Array(#"{"type":"welcome""#.utf8)
var logger = Logger(label: "ws-fanout")
logger.logLevel = .error

let origin = ContinuousClock.now
let tasks = (0..<clients).map { index in
    Task {
        var configuration = WebSocketClientConfiguration(maxFrameSize: 16 << 20)
        configuration.autoPing = .disabled
        do {
            _ = try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) { inbound, _, _ in
                for try await frame in inbound {
                    guard frame.opcode == .text else { continue }
                    let isEvent = frame.data.readableBytesView.starts(with: eventPrefix)
                    let isWelcome = !isEvent && frame.data.readableBytesView.starts(with: welcomePrefix)
                    guard isEvent || isWelcome else { continue }
                    let now = ContinuousClock.now
                    tally.withLock { t in
                        if isWelcome {
                            t.welcomed += 1
                            return
                        }
                        t.counts[index] += 1
                        if t.first == nil { t.first = now }
                        t.last = now
                    }
                }
            }
        } catch {
            FileHandle.standardError.write(Data("client \(index): \(error)\n".utf8))
        }
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
