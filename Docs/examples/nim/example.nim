# Mailvault C API example in Nim (the same program as Docs/examples/c/example.c): decode and
# verify a batch, seal envelopes, store them in a fresh directory, query them two pages at a
# time, close. Over the binding in mailvault.nim (next to this file). Nim 1.6+, run from the
# package root after `swift build -c release --product MailvaultC` (or `MailvaultCStatic`):
#
# Shared library:
#
#   nim c -d:release --hints:off --nimcache:/tmp/mailvault-nim-dynamic \
#     --passC:"-I$PWD/Sources/MailvaultC/include" \
#     --passL:"-L$PWD/.build/release -lMailvaultC -Wl,-rpath,$PWD/.build/release" \
#     -o:/tmp/mailvault-nim-example Docs/examples/nim/example.nim
#
# Static library (the link flags of Docs/CAPI.md, "Linking the static library"):
#
#   SWIFT_LIB=/opt/swift/usr/lib/swift/linux
#   nim c -d:release --hints:off --nimcache:/tmp/mailvault-nim-static \
#     --passC:"-I$PWD/Sources/MailvaultC/include" \
#     --passL:"$SWIFT_LIB/x86_64/swiftrt.o $PWD/.build/release/libMailvaultCStatic.a \
#       -L$SWIFT_LIB -Wl,-rpath,$SWIFT_LIB \
#       -lswiftCore -lswift_Concurrency -lswiftSynchronization -lswift_StringProcessing \
#       -lswift_RegexParser -lswiftDispatch -ldispatch -lBlocksRuntime -lswiftGlibc \
#       -lFoundation -lFoundationEssentials -lFoundationInternationalization -l_FoundationICU \
#       -llmdb -lzstd -lstdc++ -lm -lpthread -ldl" \
#     -o:/tmp/mailvault-nim-example-static Docs/examples/nim/example.nim
#
# (An unoptimized archive, .build/debug/libMailvaultCStatic.a, also needs
# -lswiftSwiftOnoneSupport, before -lswiftCore.)
#
#   /tmp/mailvault-nim-example        # one cycle, prints what it does
#   /tmp/mailvault-nim-example 20     # 20 open/ingest/query/close cycles
#
# --nimcache keeps Nim's generated C out of the repository. Only the expected lines go to
# stdout; failures go to stderr with the C function, status name and library message.

import std/[os, strutils, tempfiles]
import mailvault

proc c_snprintf(buffer: cstring, size: csize_t, format: cstring): cint {.
  importc: "snprintf", header: "<stdio.h>", varargs.}

proc g17(x: float): string =
  ## printf's "%.17g", as the C example prints PoW (Nim's `$` gives the shortest form and
  ## formatFloat uses "%#.*g", which keeps trailing zeros).
  var buffer: array[64, char]
  let length = c_snprintf(cast[cstring](addr buffer[0]), csize_t(buffer.len), "%.17g", x)
  result = newString(length)
  copyMem(addr result[0], addr buffer[0], length)

proc hex(bytes: openArray[byte]): string =
  for b in bytes: result.add toHex(b, 2).toLowerAscii

# The public go-ethereum vector: TTL 1, expiry 0, topic 00000000, data deadbeef, nonce 276.
const vector: seq[byte] = @[0xcf'u8, 0x80, 0x01, 0x84, 0x00, 0x00, 0x00, 0x00,
                            0x84, 0xde, 0xad, 0xbe, 0xef, 0x82, 0x01, 0x14]
# The same with the nonce written with a leading zero byte: not canonical, must not decode.
const nonCanonical: seq[byte] = @[0xd0'u8, 0x80, 0x01, 0x84, 0x00, 0x00, 0x00, 0x00, 0x84,
                                  0xde, 0xad, 0xbe, 0xef, 0x83, 0x00, 0x01, 0x14]

proc decodeAndVerify() =
  let envelope = decode(vector)
  let fields = envelope.fields
  let work = envelope.work
  echo "decode: expiry=", fields.expiry, " ttl=", fields.ttl, " nonce=", fields.nonce,
    " data_length=", fields.data.len, " pow=", g17(work.pow)
  echo "decode: pow_hash=", hex(work.powHash)
  envelope.free()

  try:
    decode(nonCanonical).free()
    echo "decode non-canonical: ", statusName(MV_OK)
  except MailvaultError as e:
    echo "decode non-canonical: ", statusName(e.code)

  let results = verifyBatch([vector, nonCanonical, vector])
  for i, r in results:
    echo "verify[", i, "]: ", statusName(r.status), " pow=", g17(if r.status == MV_OK: r.pow else: 0.0)

  let bloom = topicBloom([0x00'u8, 0x00, 0xff, 0x06])
  echo "bloom: byte0=", hex([bloom[0]]), " byte32=", hex([bloom[32]]), " byte63=", hex([bloom[63]])
  let sample = topicBloom([0x12'u8, 0x34, 0x56, 0x78])
  echo "bloom: own topic filter matches another topic: ", ord(bloomMatch(bloom, sample))

const
  envelopeCount = 10
  sentBase = 1_700_000_000'u32

proc sealBatch(): seq[Envelope] =
  ## Seals envelopeCount small envelopes (one thread: deterministic nonces) on two topics.
  let cancel = newCancel()
  try:
    for i in 0 ..< envelopeCount:
      var payload = newSeq[byte](16)
      for j in 0 ..< payload.len: payload[j] = byte((i * 31 + j) and 0xff)
      var options = initSealOptions()
      options.ttl = 3600
      options.expiry = sentBase + uint32(i) + options.ttl
      options.topic = [0xca'u8, 0x00, 0x00, byte(i mod 2)]
      options.data = payload
      options.targetPow = 0.002
      options.threads = 1
      result.add seal(options, cancel)
  except CatchableError:
    for envelope in result: envelope.free()
    raise
  finally:
    cancel.free()

proc storeCycle(sealed: seq[Envelope], verbose: bool) =
  let directory = createTempDir("mailvault-example-", "")
  defer: removeDir(directory)
  var options = initStoreOptions()
  options.retentionMaxAge = 7 * 24 * 3600
  options.compressionLevel = 3
  options.initialMapBytes = 8'u64 shl 20
  let store = Store.open(directory, options)
  defer: store.free()

  let results = store.ingest(sealed)
  var stored = 0
  for r in results:
    if r.status == MV_INGEST_STORED: inc stored
  let again = store.ingest(sealed[0 .. 1])
  if verbose:
    echo "ingest: stored=", stored, " again: ", again[0].status, " ", again[1].status, " (1 = duplicate)"

  # Topic ca000001 only (5 envelopes), 3 per page: two pages.
  var query = initQuery()
  query.fromSent = sentBase
  query.toSent = sentBase + 100
  query.topics = @[[0xca'u8, 0x00, 0x00, 0x01]]
  query.limit = 3
  var pageNumber = 0
  for page in store.pages(query):
    inc pageNumber
    if verbose: echo "page ", pageNumber, ": ", page.entries.len, " envelopes"
    for entry in page.entries:
      let envelope = decode(entry.bytes)
      let fields = envelope.fields
      envelope.free()
      if verbose:
        echo "  sent=", entry.sent, " topic=", hex(fields.topic), " bytes=", entry.bytes.len
    if verbose: echo "page ", pageNumber, ": more=", ord(page.hasMore)

  let hash = sealed[0].hash
  store.get(hash).free()
  var unknown: EnvelopeHash
  for b in unknown.mitems: b = 0xab
  let present = store.presence([hash, unknown])

  let stats = store.stats
  let report = store.sweep(sentBase + 7 * 24 * 3600 + 5)
  if verbose:
    echo "lookup: found, presence=", ord(present[0]), ord(present[1])
    echo "stats: envelopes=", stats.envelopes, " topics=", stats.topics
    echo "sweep: expired=", report.expired

  store.close()
  var second = MV_OK.int
  try:
    store.close()
  except MailvaultError as e:
    second = e.code
  if verbose: echo "close again: ", statusName(second)

proc main(): int =
  let cycles = if paramCount() >= 1: parseInt(paramStr(1)) else: 1
  if not isCompatible():
    let (major, minor) = apiVersion()
    stderr.writeLine "library API ", major, ".", minor, ", binding ", MV_API_VERSION_MAJOR, ".",
      MV_API_VERSION_MINOR
    return 1
  let (major, minor) = apiVersion()
  echo "mailvault ", versionString(), " (API ", major, ".", minor, ")"
  decodeAndVerify()
  let sealed = sealBatch()
  try:
    for cycle in 0 ..< cycles: storeCycle(sealed, cycle == 0)
  finally:
    for envelope in sealed: envelope.free()
  echo "cycles: ", cycles

when isMainModule:
  try:
    quit(main())
  except MailvaultError as e:
    stderr.writeLine "example: ", e.msg
    quit(1)
  except ValueError as e:
    stderr.writeLine "usage: example [cycles]: ", e.msg
    quit(2)
