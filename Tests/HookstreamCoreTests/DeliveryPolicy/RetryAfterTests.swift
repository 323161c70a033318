import Foundation
import HookstreamCore
import Testing

@Suite struct RetryAfterTests {
    /// 1994-11-06T08:49:37Z, the RFC's example instant.
    static let rfcExample = Date(timeIntervalSince1970: 784_111_777)

    @Test(arguments: [
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
        "sun, 06 nov 1994 08:49:37 gmt",
        "Sun, 6 Nov 1994 08:49:37 GMT",
    ])
    func parsesTheThreeHTTPDateForms(_ text: String) {
        #expect(HTTPDate.parse(text) == Self.rfcExample)
    }

    @Test(arguments: [
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 1_445_412_480.0),
        ("Tue, 29 Feb 2028 23:59:59 GMT", 1_835_481_599.0),
        ("Fri, 31 Dec 1999 23:59:59 GMT", 946_684_799.0),
        ("Saturday, 01-Jan-00 00:00:00 GMT", 946_684_800.0),
        ("Wed, 31 Dec 2008 23:59:60 GMT", 1_230_768_000.0),
    ])
    func computesTheInstant(_ text: String, _ epoch: Double) {
        #expect(HTTPDate.parse(text)?.timeIntervalSince1970 == epoch)
    }

    @Test(arguments: [
        "", "GMT", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 PST", "Sun, 31 Nov 1994 08:49:37 GMT",
        "Sun, 29 Feb 1900 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT", "Xyz, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 06 Nov 1994 8:49:37 GMT",
        "Sun, 00 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 94 08:49:37 GMT x", "2015-10-21T07:28:00Z",
    ])
    func rejectsMalformedDates(_ text: String) {
        #expect(HTTPDate.parse(text) == nil)
    }

    @Test func deltaSecondsAndDates() {
        let now = Self.rfcExample
        #expect(RetryAfter.delay(headerValue: "120", now: now) == 120)
        #expect(RetryAfter.delay(headerValue: " 0 ", now: now) == 0)
        #expect(RetryAfter.delay(headerValue: "Sun, 06 Nov 1994 08:51:37 GMT", now: now) == 120)
        #expect(RetryAfter.delay(headerValue: "Sun, 06 Nov 1994 08:00:00 GMT", now: now) == 0)
        #expect(RetryAfter.delay(headerValue: "99999999999999999999", now: now) == 1e20)
        for bad in ["", "-5", "1.5", "soon", "120s", "+5"] {
            #expect(RetryAfter.delay(headerValue: bad, now: now) == nil, "\(bad)")
        }
    }

    @Test(arguments: [(429, true), (503, true), (500, false), (502, false), (301, false), (200, false), (408, false)])
    func honouredOnlyOn429And503(_ status: Int, _ honoured: Bool) {
        #expect(RetryAfter.applies(toStatus: status) == honoured)
        #expect((RetryAfter.delay(statusCode: status, headerValue: "60", now: .now) != nil) == honoured)
    }

    @Test func absentHeaderMeansNoRequest() {
        #expect(RetryAfter.delay(statusCode: 429, headerValue: nil, now: .now) == nil)
    }
}
