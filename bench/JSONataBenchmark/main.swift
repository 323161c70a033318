// Evaluations per second of the benchmark transforms, each beside the rate of a plain JSON
// parse + serialize of the same payload (the ceiling a transform is compared with).
//
// Usage: JSONataBenchmark [cases.json] [seconds per case]
// Default path: bench/transforms/cases.json relative to the current directory.
import Foundation
import JSONValue
import JSONata

let arguments = CommandLine.arguments
let path = arguments.count > 1 ? arguments[1] : "bench/transforms/cases.json"
let secondsPerCase = arguments.count > 2 ? Double(arguments[2]) ?? 1 : 1

guard let data = FileManager.default.contents(atPath: path) else {
    FileHandle.standardError.write(Data("cannot read \(path)\n".utf8))
    exit(1)
}
let file = try JSON(parsing: data)
guard case .object(let payloads)? = file["payloads"], case .array(let cases)? = file["cases"] else {
    FileHandle.standardError.write(Data("\(path): expected {payloads, cases}\n".utf8))
    exit(1)
}

/// Runs `body` repeatedly for about `seconds` and returns calls per second.
func rate(seconds: Double, _ body: () throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
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

for item in cases {
    guard let name = item["name"]?.stringValue, let payloadName = item["payload"]?.stringValue,
          let expressionText = item["expression"]?.stringValue, let payload = payloads[payloadName] else {
        FileHandle.standardError.write(Data("skipping malformed case \(item)\n".utf8))
        continue
    }
    let expression = try JSONata(expressionText)
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
