import Foundation
@testable import HookstreamServer
import Testing

@Suite struct MaintenanceScheduleTests {
    let start = Date(timeIntervalSince1970: 1_000_000)

    @Test func everyJobRunsAtStartExceptRetentionWhichWaitsAMinute() {
        // (The deleted-collection purge runs with the dedup purge, every minute from the start.)
        var schedule = MaintenanceSchedule(start: start, issueAutoResolveSeconds: 1800, retention: true)
        #expect(schedule.takeDue(at: start) == [.dedupPurge, .issueAutoResolve, .collectionPurge, .testSessionPurge])
        // Auto-resolve checks every 30 s at most (1800 / 4 is capped), dedup every 60 s.
        #expect(schedule.nextWake == start.addingTimeInterval(30))
        #expect(schedule.takeDue(at: start.addingTimeInterval(30)) == [.issueAutoResolve])
        #expect(schedule.takeDue(at: start.addingTimeInterval(59.9)) == [])
        #expect(
            schedule.takeDue(at: start.addingTimeInterval(60)) == [.dedupPurge, .issueAutoResolve, .collectionPurge, .testSessionPurge, .retention])
        // Then hourly.
        #expect(schedule.takeDue(at: start.addingTimeInterval(3600)).contains(.retention) == false)
        #expect(schedule.takeDue(at: start.addingTimeInterval(3660)).contains(.retention))
    }

    @Test func aClockThatJumpsRunsEachJobOnceAndSchedulesFromTheNewTime() {
        var schedule = MaintenanceSchedule(start: start, issueAutoResolveSeconds: 1, retention: true)
        _ = schedule.takeDue(at: start)
        let later = start.addingTimeInterval(31 * 86_400)
        #expect(schedule.takeDue(at: later) == [.dedupPurge, .issueAutoResolve, .collectionPurge, .testSessionPurge, .retention])
        #expect(schedule.takeDue(at: later) == [])
        #expect(schedule.nextWake == later.addingTimeInterval(0.25))
    }

    @Test func withoutRetentionItIsNeverDue() {
        var schedule = MaintenanceSchedule(start: start, issueAutoResolveSeconds: 1800, retention: false)
        #expect(!schedule.takeDue(at: start.addingTimeInterval(365 * 86_400)).contains(.retention))
    }

    @Test func expiredTestSessionsArePurgedWithinAQuarterOfAShortTTLAndAtLeastEveryMinute() {
        var short = MaintenanceSchedule(start: start, issueAutoResolveSeconds: 1800, retention: false, testSessionTTLSeconds: 2)
        _ = short.takeDue(at: start)
        #expect(short.takeDue(at: start.addingTimeInterval(0.5)) == [.testSessionPurge])
        var long = MaintenanceSchedule(start: start, issueAutoResolveSeconds: 1800, retention: false, testSessionTTLSeconds: 1_209_600)
        _ = long.takeDue(at: start)
        #expect(long.takeDue(at: start.addingTimeInterval(60)).contains(.testSessionPurge))
    }
}
