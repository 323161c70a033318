import Foundation
import Testing

@testable import HookstreamCore

@Suite struct ResourceIDTests {
    static func isLowerHex(_ text: Substring) -> Bool {
        text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    @Test(arguments: IDPrefix.allCases)
    func madeIDsHaveThePrefixAndAUUIDv7Layout(prefix: IDPrefix) throws {
        // IDs never go back in time within a process, so the clock is the real one. Other
        // tests in the process may have made IDs ahead of it (a burst, or a clock of their
        // own set in the future): the ID then continues from theirs.
        let before = UInt64(Date().timeIntervalSince1970 * 1000)
        let newest = ResourceID.lastMillisecond
        let id = ResourceID.make(prefix)
        let after = UInt64(Date().timeIntervalSince1970 * 1000)
        let hex = try #require(id.split(separator: "_", maxSplits: 1).last)
        #expect(id.hasPrefix(prefix.rawValue + "_"))
        #expect(hex.count == 32 && Self.isLowerHex(hex))
        #expect(ResourceID.isWellFormed(id, prefix))
        // 48 bits of Unix milliseconds, the version nibble 7, the RFC 4122 variant bits 10.
        let millis = try #require(UInt64(hex.prefix(12), radix: 16))
        // A burst of more than 4096 IDs in one millisecond borrows the next; allow a few.
        #expect(millis >= before && millis <= max(after, newest) + 16)
        #expect(hex.dropFirst(12).first == "7")
        #expect("89ab".contains(hex.dropFirst(16).first!))
    }

    @Test func idsMadeInOneMillisecondStillIncrease() {
        let now = Date()
        let ids = (0..<10_000).map { _ in ResourceID.make(.event, now: now) }
        #expect(zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 })
        #expect(Set(ids).count == ids.count)
    }

    @Test(arguments: [1, 15, 16, 17, 32, 40])
    func randomIDsHaveTheAskedLength(digits: Int) throws {
        let id = ResourceID.random(.request, hexDigits: digits)
        let hex = try #require(id.split(separator: "_", maxSplits: 1).last)
        #expect(id.hasPrefix("req_") && hex.count == digits && Self.isLowerHex(hex))
        #expect(ResourceID.random(.request, hexDigits: digits) != id || digits < 8)
    }

    @Test func hexIsSixteenZeroPaddedDigits() {
        #expect(ResourceID.hex(0) == "0000000000000000")
        #expect(ResourceID.hex(0xAB) == "00000000000000ab")
        #expect(ResourceID.hex(.max) == "ffffffffffffffff")
        #expect(ResourceID.hex(0x0123_4567_89AB_CDEF) == "0123456789abcdef")
    }
}
