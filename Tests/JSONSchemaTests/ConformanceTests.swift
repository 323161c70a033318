import Foundation
import JSONSchema
import JSONValue
import Testing

/// Runs the official JSON Schema Test Suite (drafts 4, 6 and 7).
///
/// Every required test must pass. Optional tests (`optional/`, and `optional/format/` with format
/// assertion on) are counted; their pass counts may not drop below `optional-floor.json`.
/// Set `JSONSCHEMA_SHOW_FAILURES=1` to list the optional failures too.
@Suite struct ConformanceTests {
    struct Tally {
        var passed = 0
        var failed: [String] = []
    }

    static let packageRoot = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var suiteDirectory: URL {
        let base = ProcessInfo.processInfo.environment["HOOKSTREAM_CONFORMANCE_DIR"].map { URL(fileURLWithPath: $0) }
            ?? packageRoot.deletingLastPathComponent().appendingPathComponent("shared/conformance")
        return base.appendingPathComponent("json-schema")
    }

    /// Every file under `remotes/`, by the `http://localhost:1234/…` URI the suite expects.
    static func remotes() throws -> [String: JSON] {
        let root = suiteDirectory.appendingPathComponent("remotes")
        var result: [String: JSON] = [:]
        for path in try files(under: root) {
            let relative = String(path.path.dropFirst(root.path.count + 1))
            result["http://localhost:1234/" + relative] = try JSON(parsing: Data(contentsOf: path))
        }
        return result
    }

    static func files(under directory: URL, recursive: Bool = true) throws -> [URL] {
        var found: [URL] = []
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        for name in names {
            let url = directory.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
            if isDirectory.boolValue {
                if recursive { found += try files(under: url) }
            } else if name.hasSuffix(".json") {
                found.append(url)
            }
        }
        return found
    }

    /// Runs every case of the files in `directory` (not its subfolders).
    static func run(_ directory: URL, draft: JSONSchema.Draft, formats: Bool, remotes: [String: JSON]) throws -> Tally {
        var tally = Tally()
        let options = JSONSchema.Options(defaultDraft: draft, formatAssertion: formats, remoteSchemas: remotes)
        for file in try files(under: directory, recursive: false) {
            guard case .array(let cases) = try JSON(parsing: Data(contentsOf: file)) else { continue }
            for (caseIndex, testCase) in cases.enumerated() {
                let tests = testCase["tests"]?.arrayValue ?? []
                let id = "\(file.lastPathComponent)#\(caseIndex) \(testCase["description"]?.stringValue ?? "")"
                let schema: JSONSchema
                do {
                    schema = try JSONSchema(testCase["schema"] ?? .null, options: options)
                } catch {
                    tally.failed += tests.indices.map { "\(id)/\($0): schema rejected: \(error)" }
                    continue
                }
                for (testIndex, test) in tests.enumerated() {
                    let instance = test["data"] ?? .null
                    let expected = test["valid"]?.boolValue ?? false
                    let quick = schema.isValid(instance)
                    let errors = schema.validate(instance)
                    if quick == expected && errors.isEmpty == expected {
                        tally.passed += 1
                    } else {
                        let what = test["description"]?.stringValue ?? ""
                        tally.failed.append("\(id)/\(testIndex) \(what): isValid \(quick), errors \(errors)")
                    }
                }
            }
        }
        return tally
    }

    static let drafts: [(name: String, draft: JSONSchema.Draft)] = [
        ("draft4", .draft4), ("draft6", .draft6), ("draft7", .draft7),
    ]

    @Test func officialSuite() throws {
        let remotes = try Self.remotes()
        let floorURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("optional-floor.json")
        let floor = try JSON(parsing: Data(contentsOf: floorURL))
        let showOptional = ProcessInfo.processInfo.environment["JSONSCHEMA_SHOW_FAILURES"] != nil
        for (name, draft) in Self.drafts {
            let tests = Self.suiteDirectory.appendingPathComponent("tests/\(name)")
            let required = try Self.run(tests, draft: draft, formats: false, remotes: remotes)
            var optional = try Self.run(tests.appendingPathComponent("optional"), draft: draft, formats: false, remotes: remotes)
            let format = try Self.run(
                tests.appendingPathComponent("optional/format"), draft: draft, formats: true, remotes: remotes)
            optional.passed += format.passed
            optional.failed += format.failed
            print("JSON Schema \(name) required: \(required.passed) passed, \(required.failed.count) failed")
            print("JSON Schema \(name) optional: \(optional.passed) passed, \(optional.failed.count) failed")
            for failure in required.failed { print("  required failure \(name)/\(failure)") }
            if showOptional {
                for failure in optional.failed { print("  optional failure \(name)/\(failure)") }
            }
            #expect(required.failed.isEmpty, "\(name): \(required.failed.count) required tests fail")
            #expect(required.passed > 0, "\(name): no required tests ran")
            let minimum = floor[name]?["optional"]?.numberValue.map { Int($0) } ?? Int.max
            #expect(optional.passed >= minimum, "\(name): optional passes dropped to \(optional.passed) from \(minimum)")
        }
    }
}
