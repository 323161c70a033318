import Foundation
import JSONSchema
import JSONValue
import Testing

/// The structural checks at compile time must refuse exactly the schemas the draft's own
/// meta-schema rejects. Every schema of the official suite is mutated keyword by keyword into
/// values of every shape, then compiled and validated against the meta-schema; the two verdicts
/// must agree, except where compiling also resolves references (a mutation can remove the
/// target of a `$ref`, which the meta-schema cannot see).
@Suite struct MetaSchemaAgreementTests {
    static let replacements: [JSON] = [
        5, 0, -1, 1.5, "x", true, nil, [:], [], ["a"], ["a", "a"], [["type": "string"]], ["type": 5],
    ]

    @Test(arguments: ConformanceTests.drafts.map(\.name))
    func compileAgreesWithMetaSchema(_ name: String) throws {
        let draft = ConformanceTests.drafts.first { $0.name == name }!.draft
        let number = name.dropFirst("draft".count)
        let metaURI = JSON.string("http://json-schema.org/draft-0\(number)/schema#")
        // With format assertion the meta-schema also checks that patterns are regexes.
        let meta = try JSONSchema(["$ref": metaURI], options: .init(formatAssertion: true))
        let directory = ConformanceTests.suiteDirectory.appendingPathComponent("tests/\(name)")
        var disagreements: [String] = []
        var checked = 0
        for file in try ConformanceTests.files(under: directory, recursive: false) {
            guard case .array(let cases) = try JSON(parsing: Data(contentsOf: file)) else { continue }
            for testCase in cases {
                guard let schema = testCase["schema"] else { continue }
                for (path, key) in Self.memberPaths(schema) where !["$ref", "$id", "id", "$schema"].contains(key) {
                    for replacement in Self.replacements {
                        let mutated = Self.replacing(path + [.key(key)], in: schema, with: replacement)
                        let metaSays = meta.isValid(mutated)
                        var compiles = true
                        do {
                            _ = try JSONSchema(mutated, options: .init(defaultDraft: draft))
                        } catch let error as JSONSchemaError where error.message.contains("cannot be resolved") {
                            continue
                        } catch {
                            compiles = false
                        }
                        checked += 1
                        if compiles != metaSays {
                            disagreements.append(
                                "\(file.lastPathComponent): \(path.map(\.text).joined(separator: "/"))/\(key) = \(replacement): compiles \(compiles)")
                        }
                    }
                }
            }
        }
        #expect(checked > 5_000)
        #expect(disagreements.isEmpty, "\(disagreements.prefix(20))")
    }

    /// Every member of every object inside `value`, as (path of the object, member name).
    static func memberPaths(_ value: JSON, at path: [JSONPathToken] = []) -> [([JSONPathToken], String)] {
        switch value {
        case .object(let members):
            return members.flatMap { key, member in
                [(path, key)] + memberPaths(member, at: path + [.key(key)])
            }
        case .array(let items):
            return items.indices.flatMap { memberPaths(items[$0], at: path + [.index($0)]) }
        default:
            return []
        }
    }

    static func replacing(_ path: [JSONPathToken], in value: JSON, with replacement: JSON) -> JSON {
        guard let first = path.first else { return replacement }
        switch (first, value) {
        case (.key(let key), .object(var members)):
            members[key] = replacing(Array(path.dropFirst()), in: members[key] ?? .null, with: replacement)
            return .object(members)
        case (.index(let i), .array(var items)):
            items[i] = replacing(Array(path.dropFirst()), in: items[i], with: replacement)
            return .array(items)
        default:
            return value
        }
    }
}

enum JSONPathToken {
    case key(String)
    case index(Int)

    var text: String {
        switch self {
        case .key(let key): key
        case .index(let index): String(index)
        }
    }
}

/// `isValid` (stops at the first failure) and `validate` (collects every error) must reach the
/// same verdict: every draft-7 suite schema is applied to instances drawn from the whole suite.
@Suite struct EvaluationModeAgreementTests {
    @Test func stoppingAndCollectingAgree() throws {
        let directory = ConformanceTests.suiteDirectory.appendingPathComponent("tests/draft7")
        var schemas: [JSON] = []
        var instances: [JSON] = []
        for file in try ConformanceTests.files(under: directory, recursive: false) {
            guard case .array(let cases) = try JSON(parsing: Data(contentsOf: file)) else { continue }
            for testCase in cases {
                schemas.append(testCase["schema"] ?? true)
                instances += (testCase["tests"]?.arrayValue ?? []).map { $0["data"] ?? .null }
            }
        }
        let sample = Array(Set(instances.map { $0.serialized() })).sorted().compactMap { try? JSON(parsing: $0) }
        let options = JSONSchema.Options(remoteSchemas: try ConformanceTests.remotes())
        var disagreements: [String] = []
        for schema in schemas {
            let compiled = try JSONSchema(schema, options: options)
            for instance in sample where compiled.isValid(instance) != compiled.validate(instance).isEmpty {
                disagreements.append("\(schema) on \(instance)")
            }
        }
        #expect(sample.count > 250)
        #expect(disagreements.isEmpty, "\(disagreements.prefix(10))")
    }
}
