import Foundation
import MailvaultBench
import MailvaultCore
import MailvaultStore

// Crash-test helper: `StoreCrashProbe DIRECTORY SEED` ingests batches of envelopes forever and,
// after each `ingest` returned (the commit is durable), prints every stored hash on its own line.
// The test kills it with SIGKILL at a random moment, reopens the store and checks that every
// printed hash is present and intact. Batches are submitted by several tasks at once so that
// group commit is exercised too. With MIGRATION_STEP, an older store in DIRECTORY is migrated at
// open in steps of that many envelopes (the test kills the probe during the migration).

let arguments = CommandLine.arguments
guard arguments.count == 3 || arguments.count == 4, let seed = UInt64(arguments[2]),
      let step = arguments.count == 4 ? Int(arguments[3]) : 500_000 else {
    FileHandle.standardError.write(Data("usage: StoreCrashProbe DIRECTORY SEED [MIGRATION_STEP]\n".utf8))
    exit(2)
}

let store: EnvelopeStore
do {
    store = try EnvelopeStore.open(at: arguments[1], configuration: StoreConfiguration(initialMapBytes: 1 << 20,
                                                                                       migrationStep: step))
} catch {
    FileHandle.standardError.write(Data("StoreCrashProbe: \(error)\n".utf8))
    exit(1)
}

await withTaskGroup(of: Void.self) { group in
    for lane in 0..<3 {
        group.addTask {
            var generator = SplitMix64(seed: seed &* 31 &+ UInt64(lane))
            var sent: UInt32 = 1_700_000_000
            while true {
                let count = Int(generator.next() % 40) + 1
                var batch: [Envelope] = []
                for _ in 0..<count {
                    sent &+= UInt32(generator.next() % 3)
                    let length = Int(generator.next() % 1500)
                    let compressible = generator.next() % 2 == 0
                    let data = (0..<length).map { index in
                        compressible ? UInt8(truncatingIfNeeded: index / 7) : UInt8(truncatingIfNeeded: generator.next())
                    }
                    let topic = Topic(rawValue: UInt32(truncatingIfNeeded: generator.next() % 16))
                    batch.append(Envelope(expiry: sent &+ 50, ttl: 50, topic: topic, data: data, nonce: generator.next()))
                }
                do {
                    let results = try await store.ingest(batch)
                    let lines = results.map { $0.hash.description + "\n" }.joined()
                    FileHandle.standardOutput.write(Data(lines.utf8))
                } catch {
                    FileHandle.standardError.write(Data("StoreCrashProbe: \(error)\n".utf8))
                    exit(1)
                }
            }
        }
    }
}
