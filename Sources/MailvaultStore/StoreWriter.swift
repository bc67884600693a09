import Foundation

/// The store's single writer: a thread that drains a queue of write jobs and commits them.
///
/// Consecutive ingest jobs are applied in one write transaction and committed together (group
/// commit): one fsync serves every caller waiting in the queue, and each caller is resumed
/// only after that commit returned, so an acknowledged envelope is on disk. Maintenance jobs
/// (sweep steps, index rebuilds) run in transactions of their own between groups.
final class StoreWriter: @unchecked Sendable {
    typealias Work = @Sendable (WriteContext) throws(StoreError) -> Void

    private struct Job {
        let work: Work
        /// Envelopes carried (0 for maintenance, which never joins a group).
        let weight: Int
        let done: @Sendable (StoreError?) -> Void
    }

    /// A group stops growing at this many envelopes, to bound one transaction's dirty pages.
    static let maximumGroupWeight = 50_000

    private let environment: Environment
    private let makeContext: (Transaction) throws(StoreError) -> WriteContext
    private let condition = NSCondition()
    private var queue: [Job] = []
    private var stopping = false
    private var stopped = false

    init(environment: Environment, makeContext: @escaping (Transaction) throws(StoreError) -> WriteContext) {
        self.environment = environment
        self.makeContext = makeContext
        let thread = Thread { [self] in run() }
        thread.name = "mailvault.store.writer"
        thread.start()
    }

    /// Queues a job and waits for its commit.
    func submit(weight: Int, _ work: @escaping Work) async throws(StoreError) {
        let error: StoreError? = await withCheckedContinuation { continuation in
            enqueue(Job(work: work, weight: weight, done: { continuation.resume(returning: $0) }))
        }
        if let error { throw error }
    }

    /// Queues a job and blocks the calling thread until its commit (for synchronous callers).
    func submitAndWait(weight: Int, _ work: @escaping Work) throws(StoreError) {
        let finished = DispatchSemaphore(value: 0)
        let box = ErrorBox()
        enqueue(Job(work: work, weight: weight, done: { error in
            box.error = error
            finished.signal()
        }))
        finished.wait()
        if let error = box.error { throw error }
    }

    private func enqueue(_ job: Job) {
        condition.lock()
        if stopping {
            condition.unlock()
            job.done(.closed)
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
            let error = commit(group)
            if error != nil, group.count > 1, error != .diskFull {
                // One job's failure must not fail the others: retry each on its own.
                for job in group { job.done(commit([job])) }
            } else {
                for job in group { job.done(error) }
            }
        }
    }

    private func commit(_ group: [Job]) -> StoreError? {
        do throws(StoreError) {
            var finished: WriteContext?
            try environment.write { (txn) throws(StoreError) in
                let context = try makeContext(txn)
                for job in group { try job.work(context) }
                try context.finish()
                finished = context
            }
            finished?.didCommit()
            return nil
        } catch {
            return error
        }
    }
}

/// Carries an error from the writer thread to a thread blocked on a semaphore.
private final class ErrorBox: @unchecked Sendable {
    var error: StoreError?
}
