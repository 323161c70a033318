// Evaluations per second of the benchmark transforms, each beside the rate of a plain JSON
// parse + serialize of the same payload (the ceiling a transform is compared with).
//
// Usage: JSONataBenchmark [cases.json] [--case NAME] [--seconds S | --iterations N] [--results] [--json]
//   cases.json  default bench/transforms/cases.json relative to the current directory
//   --case      only the named case (bench/run interleaves cases with jsonata-js's)
//   --iterations  run each measured body exactly N times instead of for a time budget: with
//               `perf stat -e instructions` this gives a cost per call that a busy machine
//               does not move, for comparing two builds
//   --results   print "<case>\t<result as JSON>" instead of timing, to compare with jsonata-js
//   --json      time only JSON parse + serialize of each payload (text as JSON.stringify
//               writes it), printing "<payload> <rate> parse+serialize/s  parse <rate>/s
//               serialize <rate>/s", to compare with V8 (bench/transforms/json-v8.js)
import Foundation
import JSONValue
import JSONata

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("JSONataBenchmark: \(message)\n".utf8))
    exit(2)
}

var path = "bench/transforms/cases.json"
var only: String?
var secondsPerCase = 1.0
var resultsOnly = false
var jsonOnly = false
var fixedIterations: Int?
var remaining = CommandLine.arguments.dropFirst()
while let argument = remaining.popFirst() {
    switch argument {
    case "--case":
        guard let name = remaining.popFirst() else { fail("--case needs a name") }
        only = name
    case "--seconds":
        guard let seconds = remaining.popFirst().flatMap(Double.init) else { fail("--seconds needs a number") }
        secondsPerCase = seconds
    case "--iterations":
        guard let count = remaining.popFirst().flatMap(Int.init), count > 0 else { fail("--iterations needs a positive number") }
        fixedIterations = count
    case "--results": resultsOnly = true
    case "--json": jsonOnly = true
    default:
        if argument.hasPrefix("--") { fail("unknown option \(argument)") }
        path = argument
    }
}

guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)") }
let file = try JSON(parsing: data)
guard case .object(let payloads)? = file["payloads"], case .array(let cases)? = file["cases"] else {
    fail("\(path): expected {payloads, cases}")
}

/// Runs `body` repeatedly for about `seconds` and returns calls per second.
@MainActor func rate(seconds: Double, _ body: () throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    if let fixedIterations {
        let start = clock.now
        for _ in 0..<fixedIterations { try body() }
        let (s, attoseconds) = (clock.now - start).components
        return Double(fixedIterations) / (Double(s) + Double(attoseconds) / 1e18)
    }
    // Warm up caches and lazily initialised tables before timing.
    for _ in 0..<100 { try body() }
    var iterations = 0
    var batch = 64
    let start = clock.now
    let budget = Duration.milliseconds(Int(seconds * 1000))
    while true {
        for _ in 0..<batch { try body() }
        iterations += batch
        let elapsed = clock.now - start
        if elapsed >= budget {
            let (s, attoseconds) = elapsed.components
            return Double(iterations) / (Double(s) + Double(attoseconds) / 1e18)
        }
        if batch < 65536 { batch *= 2 }
    }
}

func format(_ value: Double) -> String { String(Int(value.rounded())) }

if jsonOnly {
    var sink = 0
    for (name, payload) in payloads {
        let bytes = payload.serializedBytes()
        let roundTrip = try rate(seconds: secondsPerCase) { sink &+= try JSON(parsing: bytes).serializedBytes().count }
        let parse = try rate(seconds: secondsPerCase) { if case .object = try JSON(parsing: bytes) { sink &+= 1 } }
        let serialize = rate(seconds: secondsPerCase) { sink &+= payload.serializedBytes().count }
        print("\(name) \(format(roundTrip)) parse+serialize/s  parse \(format(parse))/s  serialize \(format(serialize))/s\(sink == 42 ? " " : "")")
    }
    exit(0)
}

var matched = false
for item in cases {
    guard let name = item["name"]?.stringValue, let payloadName = item["payload"]?.stringValue,
          let expressionText = item["expression"]?.stringValue, let payload = payloads[payloadName] else {
        fail("malformed case \(item)")
    }
    if let only, name != only { continue }
    matched = true
    let expression = try JSONata(expressionText)
    if resultsOnly {
        print("\(name)\t\(try expression.evaluate(payload)?.serialized() ?? "undefined")")
        continue
    }
    let bytes = payload.serializedBytes()
    var sink = 0
    let evaluations = try rate(seconds: secondsPerCase) {
        if let result = try expression.evaluate(payload) { sink &+= result.typeName.count }
    }
    let baseline = try rate(seconds: secondsPerCase) {
        let parsed = try JSON(parsing: bytes)
        sink &+= parsed.serializedBytes().count
    }
    let ratio = evaluations / baseline
    print("\(name) \(format(evaluations)) evals/s  baseline \(format(baseline)) parse+serialize/s  (\(String(format: "%.2f", ratio))x baseline)\(sink == 42 ? " " : "")")
}
if let only, !matched { fail("no case named \(only) in \(path)") }
