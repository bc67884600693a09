import Foundation

/// The store's single writer: a thread that drains a queue of write jobs and commits them.
///
/// Consecutive ingest jobs are applied in one write transaction and committed together (group
/// commit): one fsync serves every caller waiting in the queue, and each caller is resumed
/// with its job's result only after that commit returned, so an acknowledged envelope is on
/// disk. Maintenance jobs (sweep steps, index rebuilds) run in transactions of their own
/// between groups.
///
/// `@unchecked Sendable` because its queue and flags are shared between callers and the writer
/// thread under `condition`, which the compiler cannot see.
final class StoreWriter: @unchecked Sendable {
    /// What a job leaves to do once its transaction is durable: resume its caller with the result.
    private typealias Delivery = @Sendable () -> Void

    private struct Job {
        /// Applies the job inside the write transaction; the delivery it returns runs after the commit.
        let apply: @Sendable (WriteContext) throws(StoreError) -> Delivery
        /// Resumes the caller with the error that aborted the job's transaction.
        let fail: @Sendable (StoreError) -> Void
        /// Envelopes carried (0 for maintenance, which never joins a group).
        let weight: Int
    }

    /// A group stops growing at this many envelopes, to bound one transaction's dirty pages.
    static let maximumGroupWeight = 50_000

    private let environment: Environment
    private let makeContext: (Transaction) throws(StoreError) -> WriteContext
    private let condition = NSCondition()
    private var queue: [Job] = []
    private var stopping = false
    private var stopped = false
    /// Signalled by the thread once it let go of the writer, so that `stop` returns only when
    /// nothing but its owners holds the writer (and its environment): the owner's last release
    /// then closes the environment at once, not whenever the thread ends.
    private let finished = DispatchSemaphore(value: 0)

    init(environment: Environment, makeContext: @escaping (Transaction) throws(StoreError) -> WriteContext) {
        self.environment = environment
        self.makeContext = makeContext
        let thread = Thread { [unowned self, finished] in
            self.run()
            finished.signal()
        }
        thread.name = "mailvault.store.writer"
        thread.start()
    }

    /// Queues a job and returns its result once its commit is durable.
    ///
    /// The job may run more than once (a group that fails is retried job by job); only the
    /// result of the run that committed is returned.
    func submit<T: Sendable>(weight: Int, _ work: @escaping @Sendable (WriteContext) throws(StoreError) -> T)
        async throws(StoreError) -> T
    {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, StoreError>, Never>) in
            enqueue(Job(apply: { (context) throws(StoreError) -> Delivery in
                let value = try work(context)
                return { continuation.resume(returning: .success(value)) }
            }, fail: { continuation.resume(returning: .failure($0)) }, weight: weight))
        }
        return try result.get()
    }

    /// `submit` for synchronous callers: blocks the calling thread until the commit.
    func submitAndWait<T: Sendable>(weight: Int, _ work: @escaping @Sendable (WriteContext) throws(StoreError) -> T)
        throws(StoreError) -> T
    {
        let finished = DispatchSemaphore(value: 0)
        // Written once by the writer thread before it signals, read here only after the wait:
        // the semaphore orders the two, which the compiler cannot check.
        nonisolated(unsafe) var result: Result<T, StoreError>?
        enqueue(Job(apply: { (context) throws(StoreError) -> Delivery in
            let value = try work(context)
            return {
                result = .success(value)
                finished.signal()
            }
        }, fail: { error in
            result = .failure(error)
            finished.signal()
        }, weight: weight))
        finished.wait()
        guard let result else { throw .closed }
        return try result.get()
    }

    private func enqueue(_ job: Job) {
        condition.lock()
        if stopping {
            condition.unlock()
            job.fail(.closed)
            return
        }
        queue.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Finishes the queued jobs, then stops the thread.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !stopped { condition.wait() }
        condition.unlock()
        // Wait for the thread to be done with the writer; signal again for later calls.
        finished.wait()
        finished.signal()
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty {
                stopped = true
                condition.broadcast()
                condition.unlock()
                return
            }
            var group = [queue.removeFirst()]
            if group[0].weight > 0 {
                var weight = group[0].weight
                while let next = queue.first, next.weight > 0, weight + next.weight <= StoreWriter.maximumGroupWeight {
                    group.append(queue.removeFirst())
                    weight += next.weight
                }
            }
            condition.unlock()
            switch commit(group) {
            case .success(let deliveries):
                for deliver in deliveries { deliver() }
            case .failure(let error) where group.count > 1 && error != .diskFull:
                // One job's failure must not fail the others: retry each on its own.
                for job in group {
                    switch commit([job]) {
                    case .success(let deliveries): for deliver in deliveries { deliver() }
                    case .failure(let error): job.fail(error)
                    }
                }
            case .failure(let error):
                for job in group { job.fail(error) }
            }
        }
    }

    /// Applies a group in one write transaction; its jobs' deliveries, to run once it is durable.
    private func commit(_ group: [Job]) -> Result<[Delivery], StoreError> {
        do throws(StoreError) {
            var finished: WriteContext?
            let deliveries = try environment.write { (txn) throws(StoreError) -> [Delivery] in
                let context = try makeContext(txn)
                var deliveries: [Delivery] = []
                deliveries.reserveCapacity(group.count)
                for job in group { deliveries.append(try job.apply(context)) }
                try context.finish()
                finished = context
                return deliveries
            }
            finished?.didCommit()
            return .success(deliveries)
        } catch {
            return .failure(error)
        }
    }
}
