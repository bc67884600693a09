// The line protocol of Negentropy's conformance suite (test/fuzz.pl in hoytech/negentropy drives
// one harness per side): `item,<timestamp>,<64 hex id>` lines, then `seal`; `initiate` makes this
// side the client; `msg,<hex>` is a message from the peer. Answers are `msg,<hex>`, and for the
// client `have,<id>` / `need,<id>` lines followed by `msg,<hex>` or `done`. The environment
// variable FRAMESIZELIMIT sets the frame size limit (0 or absent: none). Docs/Sync.md records how
// the suite was run against the reference implementations.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MailvaultCore
import MailvaultSync

func fail(_ message: String) -> Never {
    let text = Array("mailvault-negentropy-harness: \(message)\n".utf8)
    _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(1)
}

func emit(_ line: String) {
    print(line)
    fflush(nil) // the suite waits for each line: flush through the pipe at once
}

let frameSizeLimit = getenv("FRAMESIZELIMIT").flatMap { Int(String(cString: $0)) } ?? 0
// The suite exchanges whole sets of up to 200,000 ids without a frame limit, as the references do.
let options = ReconcilerOptions(frameSizeLimit: frameSizeLimit, maxSplitsPerMessage: .max, limits: .unlimited)

var items = [SyncItem]()
var reconciler: Reconciler<SortedSyncIndex>?
var initiated = false

while let line = readLine() {
    let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    switch fields.first {
    case "item":
        guard fields.count == 3, let timestamp = UInt64(fields[1]),
              let id = try? Hash256(hex: fields[2].trimmingSpaces()) else { fail("bad item line: \(line)") }
        items.append(SyncItem(timestamp: timestamp, id: id))
    case "seal":
        do {
            reconciler = try Reconciler(index: SortedSyncIndex(items), options: options)
        } catch {
            fail("\(error)")
        }
    case "initiate":
        guard var session = reconciler else { fail("initiate before seal") }
        do {
            let message = try session.initiate(opening: .split)
            reconciler = session
            initiated = true
            if frameSizeLimit != 0 && message.count > frameSizeLimit { fail("frame size limit exceeded") }
            emit("msg,\(Hex.encode(message))")
        } catch {
            fail("\(error)")
        }
    case "msg":
        guard let session = reconciler, fields.count == 2 else { fail("msg before seal, or bad line: \(line)") }
        do {
            let bytes = try Hex.decode(fields[1])
            if initiated {
                let outcome = try session.reconcile(bytes)
                for id in outcome.have { emit("have,\(Hex.encode(id.bytes))") }
                for id in outcome.need { emit("need,\(Hex.encode(id.bytes))") }
                if let next = outcome.next {
                    if frameSizeLimit != 0 && next.count > frameSizeLimit { fail("frame size limit exceeded") }
                    emit("msg,\(Hex.encode(next))")
                } else {
                    emit("done")
                }
            } else {
                let answer = try session.respond(to: bytes)
                if frameSizeLimit != 0 && answer.count > frameSizeLimit { fail("frame size limit exceeded") }
                emit("msg,\(Hex.encode(answer))")
            }
        } catch {
            fail("\(error)")
        }
    default:
        fail("unknown command: \(line)")
    }
}

extension String {
    func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " || $0 == "\r" }).reversed())
    }
}
