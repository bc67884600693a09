/// One application of the retention policy, in write transactions of at most `budget` removals
/// each, so that readers and ingest interleave with a long sweep.
///
/// Each step removes what outlived its age, then (once nothing more has expired) the oldest
/// while the store is over its size cap, then frees the blocks it emptied and moves the live
/// records out of mostly-dead ones. The sweep ends with the first step that removes fewer than
/// `budget`.
struct RetentionSweep {
    /// The time the retention ages are measured from.
    let now: UInt32
    /// The most removals one transaction makes.
    let budget: Int

    /// Runs the steps through `writer`; a step's figures count only once its commit succeeded.
    func run(on writer: StoreWriter) async throws(StoreError) -> SweepReport {
        var report = SweepReport()
        while true {
            let step = try await writer.submit(weight: 0) { [self] (context) throws(StoreError) in try self.step(context) }
            report.expired += step.expired
            report.evicted += step.evicted
            report.relocated += step.relocated
            report.blocksFreed += step.blocksFreed
            report.transactions += 1
            if step.expired + step.evicted < budget { return report }
        }
    }

    /// One transaction's worth of the sweep.
    func step(_ context: WriteContext) throws(StoreError) -> SweepReport {
        var step = SweepReport()
        step.expired = try context.expire(now: now, budget: budget)
        // The size cap applies to what the ages leave, so it waits for expiry to finish.
        if step.expired < budget { step.evicted = try context.evict(budget: budget - step.expired) }
        step.relocated = try context.reclaimTouchedBlocks()
        step.blocksFreed = context.blocks.blocksFreed
        return step
    }
}
