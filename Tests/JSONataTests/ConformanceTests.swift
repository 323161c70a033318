import Foundation
import JSONValue
import JSONata
import Testing

/// Runs the reference implementation's own test suite (see the suite's README for the case
/// format) and fails when fewer cases pass than `conformance-floor.txt` records.
@Suite struct ConformanceTests {
    static let testsDirectory = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()

    static var suiteDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["HOOKSTREAM_CONFORMANCE_DIR"] {
            return URL(fileURLWithPath: dir).appendingPathComponent("jsonata")
        }
        return testsDirectory.deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/conformance/jsonata")
    }

    struct Outcome {
        var id: String
        var passed: Bool
        var detail: String
    }

    static func loadJSON(_ url: URL) throws -> JSON {
        try JSON(parsing: Data(contentsOf: url))
    }

    static func runCase(_ c: JSON, id: String, groupDir: URL, datasets: [String: JSON]) -> Outcome {
        guard case .object(let spec) = c else { return Outcome(id: id, passed: false, detail: "malformed case") }
        var expression = spec["expr"]?.stringValue
        if expression == nil, let file = spec["expr-file"]?.stringValue {
            expression = try? String(contentsOf: groupDir.appendingPathComponent(file), encoding: .utf8)
        }
        guard let expression else { return Outcome(id: id, passed: false, detail: "no expression") }
        var input: JSON? = nil
        if let data = spec["data"] {
            input = data
        } else if case .string(let name)? = spec["dataset"] {
            input = datasets[name]
        }
        var bindings: [String: JSON] = [:]
        if case .object(let b)? = spec["bindings"] { for (k, v) in b { bindings[k] = v } }
        // The reference runs cases without `timelimit` unguarded; a generous budget keeps slow
        // (debug, loaded) machines from failing them on time alone.
        var limits = JSONata.Limits(timeout: .seconds(60))
        if let ms = spec["timelimit"]?.numberValue, let depth = spec["depth"]?.numberValue {
            limits = JSONata.Limits(timeout: .milliseconds(Int(ms)), maxDepth: Int(depth))
        }
        let expectedCode = spec["code"]?.stringValue ?? spec["error"]?["code"]?.stringValue
        let compiled: JSONata
        do {
            compiled = try JSONata(expression)
        } catch let error as JSONataError {
            if let expectedCode, error.code == expectedCode, spec["token"].map({ $0.stringValue == error.token }) ?? true {
                return Outcome(id: id, passed: true, detail: "")
            }
            return Outcome(id: id, passed: false, detail: "compile error \(error)")
        } catch {
            return Outcome(id: id, passed: false, detail: "unexpected \(error)")
        }
        do {
            let result = try compiled.evaluate(input, bindings: bindings, limits: limits)
            if spec["undefinedResult"] != nil {
                return Outcome(id: id, passed: result == nil, detail: "expected undefined, got \(result.map { $0.serialized() } ?? "undefined")")
            }
            if let expected = spec["result"] {
                let ok = result.map { matches($0, expected, unordered: spec["unordered"]?.boolValue == true) } ?? false
                return Outcome(id: id, passed: ok, detail: "expected \(expected.serialized()), got \(result.map { $0.serialized() } ?? "undefined")")
            }
            return Outcome(id: id, passed: false, detail: "expected error \(expectedCode ?? "?"), got \(result.map { $0.serialized() } ?? "undefined")")
        } catch let error as JSONataError {
            guard let expectedCode, error.code == expectedCode else {
                return Outcome(id: id, passed: false, detail: "error \(error)")
            }
            if case .object(let fields)? = spec["error"] {
                for (key, value) in fields {
                    switch key {
                    case "code": continue
                    case "message": if error.message != value.stringValue { return Outcome(id: id, passed: false, detail: "message \(error.message)") }
                    case "token": if error.token != value.stringValue { return Outcome(id: id, passed: false, detail: "token \(error.token ?? "nil")") }
                    case "value": if error.value != value { return Outcome(id: id, passed: false, detail: "value \(String(describing: error.value))") }
                    default: return Outcome(id: id, passed: false, detail: "error property \(key) not reported")
                    }
                }
            }
            return Outcome(id: id, passed: true, detail: "")
        } catch {
            return Outcome(id: id, passed: false, detail: "unexpected \(error)")
        }
    }

    static func matches(_ actual: JSON, _ expected: JSON, unordered: Bool) -> Bool {
        if actual == expected { return true }
        if unordered, case .array(let a) = actual, case .array(let b) = expected, a.count == b.count {
            var remaining = b
            for item in a {
                guard let i = remaining.firstIndex(of: item) else { return false }
                remaining.remove(at: i)
            }
            return true
        }
        return false
    }

    static func runAll() throws -> [Outcome] {
        let root = suiteDirectory
        let fm = FileManager.default
        var datasets: [String: JSON] = [:]
        for file in try fm.contentsOfDirectory(atPath: root.appendingPathComponent("datasets").path) where file.hasSuffix(".json") {
            datasets[String(file.dropLast(5))] = try loadJSON(root.appendingPathComponent("datasets/\(file)"))
        }
        var outcomes: [Outcome] = []
        let groups = try fm.contentsOfDirectory(atPath: root.appendingPathComponent("groups").path).sorted()
        for group in groups {
            let dir = root.appendingPathComponent("groups/\(group)")
            for file in try fm.contentsOfDirectory(atPath: dir.path).sorted() where file.hasSuffix(".json") {
                let id = "\(group)/\(file.dropLast(5))"
                if ProcessInfo.processInfo.environment["JSONATA_TRACE"] != nil { FileHandle.standardError.write(Data("case \(id)\n".utf8)) }
                guard let parsed = try? loadJSON(dir.appendingPathComponent(file)) else {
                    outcomes.append(Outcome(id: id, passed: false, detail: "case file not valid JSON for this decoder"))
                    continue
                }
                let started = Date()
                defer {
                    let elapsed = Date().timeIntervalSince(started)
                    if elapsed > 0.5 { FileHandle.standardError.write(Data("slow \(id) \(elapsed)s\n".utf8)) }
                }
                if case .array(let cases) = parsed {
                    for (i, c) in cases.enumerated() {
                        outcomes.append(runCase(c, id: "\(id)#\(i)", groupDir: dir, datasets: datasets))
                    }
                } else {
                    outcomes.append(runCase(parsed, id: id, groupDir: dir, datasets: datasets))
                }
            }
        }
        return outcomes
    }

    @Test func referenceSuite() throws {
        let outcomes = try Self.runAll()
        let passed = outcomes.filter(\.passed).count
        let failed = outcomes.count - passed
        print("JSONata conformance: \(passed) passed, \(failed) failed")
        let known = try String(contentsOf: Self.testsDirectory.appendingPathComponent("KNOWN_FAILURES.md"), encoding: .utf8)
        let unexpected = outcomes.filter { !$0.passed && !known.contains("`\($0.id)`") }
        for o in outcomes where !o.passed {
            print("  \(unexpected.contains { $0.id == o.id } ? "UNEXPECTED " : "")FAIL \(o.id): \(o.detail.prefix(300))")
        }
        let floorText = try String(contentsOf: Self.testsDirectory.appendingPathComponent("conformance-floor.txt"), encoding: .utf8)
        let floor = try Self.conformanceFloor(floorText)
        #expect(passed >= floor, "conformance dropped below the recorded floor of \(floor)")
    }

    struct MalformedFloor: Error, CustomStringConvertible {
        var text: String
        var description: String { "conformance-floor.txt must hold one positive integer, found \"\(text)\"" }
    }

    /// The floor recorded in `conformance-floor.txt`. Anything but one positive integer is an
    /// error: a floor read as 0 would let every case fail unnoticed.
    static func conformanceFloor(_ text: String) throws -> Int {
        guard let floor = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), floor > 0 else {
            throw MalformedFloor(text: text)
        }
        return floor
    }

    @Test(arguments: ["", "\n", "0", "-3", "1287 cases", "12.5", "one"])
    func malformedFloorIsAnError(_ text: String) {
        #expect(throws: MalformedFloor.self) { try Self.conformanceFloor(text) }
    }

    @Test func floorFileParses() throws {
        #expect(try Self.conformanceFloor("1287\n") == 1287)
        let text = try String(contentsOf: Self.testsDirectory.appendingPathComponent("conformance-floor.txt"), encoding: .utf8)
        #expect(try Self.conformanceFloor(text) > 0)
    }
}
