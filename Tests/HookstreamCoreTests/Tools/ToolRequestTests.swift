import HookstreamCore
import Testing

@Suite struct ToolRequestTests {
    @Test(arguments: [
        ("https://hooks.example.com/x?a=1", nil, [] as [String], nil, nil),
        ("http://127.0.0.1:8080/", "patch", [], nil, nil),
        ("ftp://example.com/", nil, [], nil, "http or https"),
        ("/relative", nil, [], nil, "http or https"),
        ("https://a:b@example.com/", nil, [], nil, "credentials"),
        ("https://example.com/", "TRACE", [], nil, "'method'"),
        ("https://example.com/", nil, ["Host"], nil, "Host is set by hookstream"),
        ("https://example.com/", nil, ["transfer-encoding"], nil, "set by hookstream"),
        ("https://example.com/", nil, ["X Bad"], nil, "not a valid header name"),
        ("https://example.com/", nil, ["X-Ok"], String(repeating: "x", count: 65_537), "'body' must be at most"),
    ] as [(String, String?, [String], String?, String?)])
    func validation(_ url: String, _ method: String?, _ headerNames: [String], _ body: String?, _ refusal: String?) {
        do {
            let request = try ToolRequest.validated(url: url, method: method, headers: headerNames.map { ($0, "v") }, body: body)
            #expect(refusal == nil, "accepted \(url)")
            #expect(request.method == (method ?? "POST").uppercased())
        } catch let invalid as ToolRequest.Invalid {
            #expect(refusal.map { invalid.description.contains($0) } == true, "\(invalid)")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func headerValuesAreOneLine() {
        #expect(throws: ToolRequest.Invalid.self) {
            try ToolRequest.validated(url: "https://example.com/", method: nil, headers: [("X-A", "a\r\nX-Injected: 1")], body: nil)
        }
    }
}

@Suite struct IdempotencyReportTests {
    typealias R = IdempotencyReport.Response

    @Test func aResponseEqualToAnEarlierOneIsADuplicate() {
        let report = IdempotencyReport([
            R(status: 201, body: "a", latencyMillis: 1), R(status: 200, body: "a", latencyMillis: 1), R(status: 201, body: "a", latencyMillis: 1),
            R(status: 200, body: "b", latencyMillis: 1), R(status: 200, body: "a", latencyMillis: 1),
        ])
        #expect(report.results.map(\.isDuplicate) == [false, false, true, false, true])
        #expect(report.results.map(\.attempt) == [1, 2, 3, 4, 5])
        #expect((report.uniqueResponses, report.duplicateResponses) == (3, 2))
    }

    @Test func aRequestNothingAnsweredIsNeverADuplicate() {
        let report = IdempotencyReport([R(status: nil, body: "", latencyMillis: 1, error: "refused"), R(status: nil, body: "", latencyMillis: 1, error: "refused")])
        #expect(report.results.map(\.isDuplicate) == [false, false])
        #expect((report.uniqueResponses, report.duplicateResponses) == (2, 0))
    }

    @Test(arguments: [(200, nil, ToolSchedule.Status.completed), (500, nil, .completed), (nil, "timed out", .failed), (nil, nil, .failed)] as [(Int?, String?, ToolSchedule.Status)])
    func aScheduleCompletesOnAnyAnswer(_ status: Int?, _ error: String?, _ expected: ToolSchedule.Status) {
        #expect(ToolSchedule.outcome(responseStatus: status, error: error).status == expected)
    }
}
