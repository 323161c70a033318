import Foundation
import JSONValue
import JSONata
import Testing

@Suite struct JSONataAPITests {
    let order: JSON = [
        "id": "ord_1",
        "items": [
            ["sku": "a", "qty": 2, "price": 1.5],
            ["sku": "b", "qty": 1, "price": 10],
        ],
    ]

    @Test func compileOnceEvaluateMany() throws {
        let expression = try JSONata("$sum(items.(qty * price))")
        #expect(try expression.evaluate(order) == 13)
        let other: JSON = ["items": [["qty": 3, "price": 2]]]
        #expect(try expression.evaluate(other) == 6)
        #expect(try expression.evaluate(order) == 13)
    }

    @Test func concurrentEvaluationsShareOneCompiledExpression() async throws {
        let expression = try JSONata("items[qty > 1].sku")
        let input = order
        try await withThrowingTaskGroup(of: JSON?.self) { group in
            for _ in 0..<16 { group.addTask { try expression.evaluate(input) } }
            for try await result in group { #expect(result == "a") }
        }
    }

    /// `a.b[0].c` has a fast path that skips building sequences; it must give what the general
    /// path gives (forced here by a second, neutral `[true]` filter) in every case it covers
    /// or hands over.
    @Test(arguments: [
        ("a.list[0].c", 1), ("a.list[-1].c", 2), ("a.list[1.7].c", 2), ("a.list[2].c", nil), ("a.list[-3].c", nil),
        ("a.one[0].c", 3), ("a.one[-1].c", 3), ("a.one[1].c", nil), ("a.nested[0].c", 4), ("a.nums[1]", 20),
        ("a.missing[0].c", nil), ("a.list[0]", ["c": 1]),
    ] as [(String, JSON?)])
    func literalIndexesInPathsPickLikeFilters(_ path: String, _ expected: JSON?) throws {
        let document: JSON = [
            "a": [
                "list": [["c": 1], ["c": 2]], "one": ["c": 3], "nested": [[["c": 4]], [["c": 5]]], "nums": [10, 20, 30],
            ],
        ]
        let general = path.replacingOccurrences(of: "]", with: "][true]", options: [], range: path.range(of: "]"))
        #expect(try JSONata(path).evaluate(document) == expected, "\(path)")
        #expect(try JSONata(general).evaluate(document) == expected, "\(general)")
    }

    @Test func undefinedIsNilAndNullIsNull() throws {
        #expect(try JSONata("missing").evaluate(order) == nil)
        #expect(try JSONata("null").evaluate(order) == .null)
        #expect(try JSONata("$").evaluate(nil) == nil)
    }

    @Test func bindingsBecomeVariables() throws {
        let expression = try JSONata("$prefix & id")
        #expect(try expression.evaluate(order, bindings: ["prefix": "order "]) == "order ord_1")
    }

    @Test func syntaxErrorsCarryCodeAndPosition() {
        do {
            _ = try JSONata("items[")
            Issue.record("expected a syntax error")
        } catch let error as JSONataError {
            // The filter is left open: "expected `]` before the end", at the end.
            #expect(error.code == "S0203")
            #expect(error.position == 6)
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(throws: JSONataError.self) { try JSONata("\"unterminated") }
    }

    @Test func evaluationErrorsCarryCodeAndToken() throws {
        do {
            _ = try JSONata("id + 1").evaluate(order)
            Issue.record("expected a type error")
        } catch let error as JSONataError {
            #expect(error.code == "T2001")
            #expect(error.token == "+")
            #expect(error.position == 4)
            #expect(!error.message.isEmpty)
        }
    }

    @Test func userErrorsKeepTheirMessage() throws {
        do {
            _ = try JSONata("$error('boom')").evaluate(nil)
            Issue.record("expected $error to throw")
        } catch let error as JSONataError {
            #expect(error.code == "D3137")
            #expect(error.message == "boom")
        }
    }

    @Test func infiniteLoopIsStoppedByTimeout() throws {
        let expression = try JSONata("($f := function($x) { $f($x + 1) }; $f(0))")
        let limits = JSONata.Limits(timeout: .milliseconds(100), maxDepth: 1000)
        let clock = ContinuousClock()
        let start = clock.now
        #expect(throws: JSONataError.self) { try expression.evaluate(nil, limits: limits) }
        #expect(clock.now - start < .seconds(2))
    }

    @Test func deepRecursionRaisesU1001InsteadOfCrashing() throws {
        let expression = try JSONata("($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100000))")
        do {
            _ = try expression.evaluate(nil, limits: .init(timeout: .seconds(5), maxDepth: 10_000_000))
            Issue.record("expected U1001")
        } catch let error as JSONataError {
            #expect(error.code == "U1001")
        }
        do {
            _ = try expression.evaluate(nil, limits: .init(timeout: .seconds(5), maxDepth: 300))
            Issue.record("expected U1001")
        } catch let error as JSONataError {
            #expect(error.code == "U1001")
        }
    }

    @Test func tailCallsDoNotConsumeDepth() throws {
        let expression = try JSONata("($loop := function($n, $acc) { $n = 0 ? $acc : $loop($n - 1, $acc + 1) }; $loop(5000, 0))")
        #expect(try expression.evaluate(nil, limits: .init(timeout: .seconds(5), maxDepth: 100)) == 5000)
    }

    @Test func inputArraysAreNotCopiedOrChanged() throws {
        let input: JSON = [["a": 1], ["a": 2]]
        let expression = try JSONata("$ ~> |$|{'b': a * 10}|")
        #expect(try expression.evaluate(input) == [["a": 1, "b": 10], ["a": 2, "b": 20]])
        #expect(input == [["a": 1], ["a": 2]])
    }

    @Test func objectKeyOrderFollowsTheExpression() throws {
        let result = try JSONata("{'z': 1, 'a': 2, 'm': 3}").evaluate(nil)
        #expect(result?.serialized() == #"{"z":1,"a":2,"m":3}"#)
    }
}
