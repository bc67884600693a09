import ArgumentParser
import Foundation
import MailvaultCore

/// `mailvault envelope seal`: search a nonce that gives the envelope a wanted PoW.
struct EnvelopeSeal: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal",
        abstract: "Find a nonce that gives an envelope the wanted proof of work, and print it as JSON.",
        discussion: """
            Prints envelope (hex), nonce, pow, hash, attempts, seconds, rate (nonces per second),
            threads and kernel. Fails with a non-zero status if the work time runs out first.
            The search runs several nonces per step in SIMD lanes (AVX-512 or AVX2 when the CPU
            has them) on every thread.

            Example:
              mailvault envelope seal --ttl 50 --topic 0xdeadbeef --data 0x01020304 --pow 0.2
              mailvault envelope seal --ttl 50 --topic 0xdeadbeef --data 0x01020304 --pow 0.2 --packet hello.rlp
            """
    )

    @Option(help: "Time to live in seconds (at least 1).")
    var ttl: UInt32

    @Option(help: "Topic: 4 bytes as hex.")
    var topic: String

    @Option(help: "Payload as hex (may be empty).")
    var data: String

    @Option(help: "The PoW to reach (e.g. 0.2, go-ethereum's default minimum).")
    var pow: Double

    @Option(help: "Expiry, Unix seconds (default: now + TTL, as go-ethereum does).")
    var expiry: UInt32?

    @Option(name: .customLong("work-time"), help: "Give up after this many seconds.")
    var workTime: Double = 10

    @Option(help: "Searches to run in parallel (default: one per core).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .customLong("packet"), help: "Also write the sealed envelope to this file as a messages packet (an RLP list of one envelope), ready for POST /v1/envelopes.")
    var packetFile: String?

    func validate() throws {
        guard ttl > 0 else { throw ValidationError("--ttl must be at least 1") }
        guard pow > 0, pow.isFinite else { throw ValidationError("--pow must be a positive number") }
        guard workTime > 0, workTime.isFinite else { throw ValidationError("--work-time must be positive") }
        guard (1...1024).contains(threads) else { throw ValidationError("--threads must be between 1 and 1024") }
    }

    func run() async throws {
        let fields = try EnvelopeFields(topic: topic, data: data)
        let now = UInt64(Date().timeIntervalSince1970)
        let expiry = try self.expiry ?? {
            guard now + UInt64(ttl) <= UInt64(UInt32.max) else { throw CLIError("now + TTL does not fit in uint32") }
            return UInt32(now + UInt64(ttl))
        }()
        let request = SealRequest(expiry: expiry, ttl: ttl, topic: fields.topic, data: fields.data,
                                  goal: .pow(pow), workTime: .milliseconds(Int64(workTime * 1000)))
        let result: SealResult
        do {
            result = try await LaneSealer(threads: threads).seal(request)
        } catch {
            throw CLIError("seal failed: \(error)")
        }
        var json = JSONObject()
        json.add("envelope", Hex.encode(result.envelope.encoded, prefix: true))
        json.add("nonce", result.envelope.nonce)
        json.add("pow", result.pow)
        json.add("hash", result.envelope.hash.description)
        json.add("attempts", result.attempts)
        json.add("seconds", result.seconds)
        json.add("rate", result.rate)
        json.add("threads", threads)
        json.add("kernel", KeccakKernel.best.implementation.rawValue)
        if let packetFile {
            do {
                try Data(Envelope.encodePacket([result.envelope])).write(to: URL(fileURLWithPath: packetFile))
            } catch {
                throw CLIError("cannot write \(packetFile): \(error.localizedDescription)")
            }
        }
        print(json.text)
    }
}
