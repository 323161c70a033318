import HookstreamCore
import Testing

@Suite struct ArchiveDayTests {
    // 2026-03-01T00:00:00Z
    let march1: Int64 = 1_772_323_200_000

    @Test(arguments: [
        (0, "1970-01-01"), (86_399_999, "1970-01-01"), (86_400_000, "1970-01-02"), (-1, "1969-12-31"),
        (1_772_323_200_000, "2026-03-01"), (1_772_323_199_999, "2026-02-28"),
    ] as [(Int64, String)])
    func theDayOfAnInstantIsItsUTCDate(millis: Int64, expected: String) {
        #expect(ArchiveDay(containing: millis).text == expected)
    }

    @Test func parsingAcceptsOnlyRealCalendarDates() throws {
        #expect(ArchiveDay(parsing: "2026-03-01")?.startMillis == march1)
        #expect(ArchiveDay(parsing: "2024-02-29") != nil, "a leap day is real")
        for bad in ["2026-02-30", "2025-02-29", "2026-13-01", "2026-00-10", "2026-3-1", "2026-03-01T00:00:00Z", "20260301", "", "abcd-ef-gh", "2026-03-01 "] {
            #expect(ArchiveDay(parsing: bad) == nil, "\(bad) must be refused")
        }
    }

    @Test func aDayEndsWhereTheNextBegins() throws {
        let day = try #require(ArchiveDay(parsing: "2026-03-01"))
        #expect(ArchiveDay(containing: day.endMillis).text == "2026-03-02")
        #expect(ArchiveDay(containing: day.endMillis - 1) == day)
    }
}

@Suite struct RetentionPolicyTests {
    let march1: Int64 = 1_772_323_200_000
    let hour: Int64 = 3_600_000

    @Test func theCutoffIsMidnightOfTheDayRetentionEnds() {
        let policy = RetentionPolicy(retentionDays: 30)
        // 31 March 10:00 minus 30 days = 1 March 10:00 → everything before 1 March is due.
        let now = march1 + 30 * ArchiveDay.millisPerDay + 10 * hour
        #expect(policy.cutoff(now: now) == march1)
        // One millisecond past midnight of 31 March still gives 1 March.
        #expect(policy.cutoff(now: march1 + 30 * ArchiveDay.millisPerDay) == march1)
        #expect(policy.cutoff(now: march1 + 30 * ArchiveDay.millisPerDay - 1) == march1 - ArchiveDay.millisPerDay)
    }

    @Test func fractionalRetentionIsHonoured() {
        let policy = RetentionPolicy(retentionDays: 0.5)
        #expect(policy.retentionMillis == 12 * hour)
        #expect(policy.cutoff(now: march1 + 13 * hour) == march1)
        #expect(policy.cutoff(now: march1 + 11 * hour) == march1 - ArchiveDay.millisPerDay)
        #expect(policy.restoredBefore(now: march1 + 13 * hour) == march1 + hour)
    }

    @Test func aWindowIsOneOrganizationAndDayBoundedByTheCutoff() {
        let policy = RetentionPolicy(retentionDays: 30, batchSize: 7)
        let candidate = ArchiveCandidate(organizationID: "org_a", receivedAt: march1 + 5 * hour)
        let whole = policy.window(for: candidate, cutoff: march1 + 3 * ArchiveDay.millisPerDay)
        #expect(whole == ArchiveWindow(organizationID: "org_a", day: ArchiveDay(containing: march1), from: march1, until: march1 + ArchiveDay.millisPerDay, limit: 7))
        // The cutoff is always a midnight, but the window never reaches past it either way.
        let clipped = policy.window(for: candidate, cutoff: march1 + 6 * hour)
        #expect(clipped.until == march1 + 6 * hour)
    }

    @Test(arguments: [
        ([], 0), ([10, 10, 10], 3), ([40, 40, 40], 2), ([100], 1), ([150, 1], 1), ([50, 50, 1], 2), ([0, 0, 0, 100], 4),
        ([100, 0], 2),
    ] as [([Int], Int)])
    func aBatchStopsAtItsByteBudgetButNeverEmpty(sizes: [Int], expected: Int) {
        let policy = RetentionPolicy(retentionDays: 1, batchSize: 10, maximumBatchBytes: 100)
        #expect(policy.batchLength(bodySizes: sizes) == expected)
    }
}

@Suite struct RetentionRunTests {
    let march1: Int64 = 1_772_323_200_000
    let policy = RetentionPolicy(retentionDays: 30, batchSize: 2, maximumBatchesPerRun: 5)
    var now: Int64 { march1 + 31 * ArchiveDay.millisPerDay + 3_600_000 }

    @Test func anEmptyRunRecoversSearchesOnceAndFinishes() {
        var run = RetentionRun(policy: policy, now: now)
        #expect(run.start() == .recoverInterruptedBatches)
        #expect(run.recovered() == .findOldest(cutoff: march1 + ArchiveDay.millisPerDay, restoredBefore: now - 30 * ArchiveDay.millisPerDay))
        #expect(run.found(nil) == .finished(.init()))
    }

    @Test func aFullBatchStaysOnItsDayAndAShortOneSearchesAgain() {
        var run = RetentionRun(policy: policy, now: now)
        _ = run.start()
        _ = run.recovered()
        let day = ArchiveDay(containing: march1)
        let window = ArchiveWindow(organizationID: "org_a", day: day, from: march1, until: day.endMillis, limit: 2)
        #expect(run.found(ArchiveCandidate(organizationID: "org_a", receivedAt: march1 + 10)) == .archive(window))
        #expect(run.batchFinished(.archived(count: 2, exhausted: false)) == .archive(window))
        guard case .findOldest = run.batchFinished(.archived(count: 1, exhausted: true)) else {
            Issue.record("a short batch must search again")
            return
        }
        #expect(run.found(nil) == .finished(.init(batches: 2, archivedEvents: 3)))
    }

    /// The table: outcome sequences and where each leaves the run.
    @Test(arguments: [
        // A batch trimmed by its byte budget is not exhausted: stay on the day.
        ([RetentionRun.BatchOutcome.archived(count: 1, exhausted: false)], "archive"),
        // Nothing archived (the events stopped being due between search and fetch): search again.
        ([.archived(count: 0, exhausted: false)], "find"),
        ([.archived(count: 0, exhausted: true)], "find"),
        // A conflict plans again from a fresh search, never by retrying the same window blindly.
        ([.conflicted], "find"),
        // The budget of 5 batches ends the run, conflicts included.
        ([.archived(count: 2, exhausted: false), .archived(count: 2, exhausted: false), .conflicted, .archived(count: 2, exhausted: false), .archived(count: 2, exhausted: false)], "stopped"),
    ])
    func outcomesDecideTheNextStep(outcomes: [RetentionRun.BatchOutcome], expected: String) {
        var run = RetentionRun(policy: policy, now: now)
        _ = run.start()
        _ = run.recovered()
        var action = run.found(ArchiveCandidate(organizationID: "org_a", receivedAt: march1))
        for outcome in outcomes {
            if case .findOldest = action { action = run.found(ArchiveCandidate(organizationID: "org_a", receivedAt: march1)) }
            action = run.batchFinished(outcome)
        }
        switch (action, expected) {
        case (.archive, "archive"), (.findOldest, "find"): break
        case (.finished(let summary), "stopped"):
            #expect(summary.stoppedEarly)
            #expect(summary.batches == 5)
            #expect(summary.conflicts == 1)
            #expect(summary.archivedEvents == 8)
        default: Issue.record("expected \(expected), got \(action)")
        }
    }

    @Test func theCutoffIsFixedForTheWholeRun() {
        let run = RetentionRun(policy: RetentionPolicy(retentionDays: 1), now: march1 + ArchiveDay.millisPerDay + 5)
        #expect(run.cutoff == march1)
        #expect(run.restoredBefore == march1 + 5)
    }
}
