## Mailvault's C API for Nim (Nim 1.6+).
##
## Two layers in one module:
##
## - The C API as declared in `mailvault.h`, one-to-one (`mv_*` procs, `Mv*` types, `MV_*`
##   constants). Types and prototypes come from the header itself (`importc` + `header`), so the
##   C compiler checks every call; the constants are repeated here for `case` and checked against
##   the header with `_Static_assert` at C compile time.
## - A thin idiomatic layer: `MailvaultError`, `Envelope`, `Store`, `Cancel`, `seq[byte]` /
##   `openArray[byte]` in and out. Everything the library owns is copied out before its handle is
##   freed. Handles are released explicitly (`free`, `close`), no destructors: a handle is a `ref`
##   whose pointer is set to nil when freed, so a second `free` is a no-op and a call on a freed
##   handle raises `MailvaultError` (MV_ERR_NULL) instead of touching freed memory.
##
## Build: pass the header's directory with `--passC:"-I..."` and the library with `--passL`;
## the full command lines are at the top of `example.nim`.
##
## Threads: every `mv_*` call may run on any Nim thread. The error message is thread-local and is
## read by the wrapper right after the failing call, on the same thread. `seal` and `sweep` block
## the calling thread while Swift's thread pool works; call them from plain Nim threads.

import std/[options, strutils]

export options

const mvHeader = "mailvault.h"

# ---------------------------------------------------------------- constants

template mvConst(name: untyped, value: int) =
  const name* = cint(value)
  {.emit: "_Static_assert(" & astToStr(name) & " == " & $value &
    ", \"mailvault.nim: " & astToStr(name) & " differs from mailvault.h\");".}

mvConst(MV_API_VERSION_MAJOR, 1)
mvConst(MV_API_VERSION_MINOR, 0)

mvConst(MV_OK, 0)
mvConst(MV_ERR_NULL, 1)
mvConst(MV_ERR_INVALID_ARGUMENT, 2)
mvConst(MV_ERR_DECODE, 3)
mvConst(MV_ERR_CLOSED, 4)
mvConst(MV_ERR_NOT_FOUND, 5)
mvConst(MV_ERR_CANCELLED, 6)
mvConst(MV_ERR_TARGET_NOT_REACHED, 7)
mvConst(MV_ERR_IO, 8)
mvConst(MV_ERR_CORRUPT, 9)
mvConst(MV_ERR_BUSY, 10)
mvConst(MV_ERR_DISK_FULL, 11)
mvConst(MV_ERR_UNSUPPORTED_SCHEMA, 12)
mvConst(MV_ERR_STORE, 13)
mvConst(MV_ERR_OUT_OF_RANGE, 14)

mvConst(MV_MODE_LIVE, 0)
mvConst(MV_MODE_ARCHIVE, 1)

mvConst(MV_ACCEPTED, 0)
mvConst(MV_REJECT_ZERO_TTL, 1)
mvConst(MV_REJECT_FUTURE, 2)
mvConst(MV_REJECT_TOO_OLD, 3)
mvConst(MV_REJECT_EXPIRED, 4)
mvConst(MV_REJECT_TOO_LARGE, 5)
mvConst(MV_REJECT_LOW_POW, 6)
mvConst(MV_REJECT_BLOOM_MISMATCH, 7)

mvConst(MV_INGEST_STORED, 0)
mvConst(MV_INGEST_DUPLICATE, 1)
mvConst(MV_INGEST_INVALID, 2)

# ---------------------------------------------------------------- C types

type
  # Opaque handles: only ever used behind `ptr`.
  MvEnvelope* {.importc: "mv_envelope", header: mvHeader, incompleteStruct.} = object
  MvCancel* {.importc: "mv_cancel", header: mvHeader, incompleteStruct.} = object
  MvStore* {.importc: "mv_store", header: mvHeader, incompleteStruct.} = object
  MvResult* {.importc: "mv_result", header: mvHeader, incompleteStruct.} = object

  # Nim has no `const`, and C does not convert `T**` to `const T**` or `const T* const*`
  # (-Wincompatible-pointer-types, an error from GCC 14). These two stand for the C pointer
  # types themselves so that `ptr MvConstBytes` is `const uint8_t **` in the generated C;
  # convert with `cast`.
  MvConstBytes* {.importc: "const uint8_t *", nodecl.} = object          ## a `const uint8_t *`
  MvConstEntry* {.importc: "const mv_result_entry *", nodecl.} = object  ## a `const mv_result_entry *`

  MvEnvelopeFields* {.importc: "mv_envelope_fields", header: mvHeader, bycopy.} = object
    expiry*: uint32
    ttl*: uint32
    sent*: uint32
    topic*: array[4, uint8]
    nonce*: uint64
    size*: csize_t
    data*: ptr UncheckedArray[uint8]      ## borrowed from the envelope
    data_length*: csize_t
    encoded*: ptr UncheckedArray[uint8]   ## borrowed from the envelope
    encoded_length*: csize_t

  MvWork* {.importc: "mv_work", header: mvHeader, bycopy.} = object
    status*: int32
    rlp_without_nonce_length*: uint32
    pow*: float64
    hash*: array[32, uint8]
    pow_hash*: array[32, uint8]

  MvPolicy* {.importc: "mv_policy", header: mvHeader, bycopy.} = object
    minimum_pow*: float64
    maximum_size*: uint64
    bloom*: ptr uint8
    bloom_length*: csize_t

  MvSealOptions* {.importc: "mv_seal_options", header: mvHeader, bycopy.} = object
    struct_size*: uint32
    expiry*: uint32
    ttl*: uint32
    topic*: array[4, uint8]
    data*: ptr uint8
    data_length*: csize_t
    target_pow*: float64
    maximize*: uint32
    work_time_ms*: uint32
    threads*: uint32

  MvSealStats* {.importc: "mv_seal_stats", header: mvHeader, bycopy.} = object
    pow*: float64
    attempts*: uint64
    seconds*: float64

  MvRetentionTier* {.importc: "mv_retention_tier", header: mvHeader, bycopy.} = object
    minimum_pow*: float64
    maximum_age*: uint32

  MvStoreOptions* {.importc: "mv_store_options", header: mvHeader, bycopy.} = object
    struct_size*: uint32
    compression_level*: int32
    retention_max_age*: uint32
    read_only*: uint32
    retention_max_bytes*: uint64
    initial_map_bytes*: uint64
    tiers*: ptr MvRetentionTier
    tier_count*: csize_t

  MvIngestResult* {.importc: "mv_ingest_result", header: mvHeader, bycopy.} = object
    status*: int32
    hash*: array[32, uint8]

  MvQuery* {.importc: "mv_query", header: mvHeader, bycopy.} = object
    struct_size*: uint32
    fromSent* {.importc: "from".}: uint32   # `from` is a Nim keyword
    to*: uint32
    limit*: uint32
    topics*: ptr uint8
    topic_count*: csize_t
    bloom*: ptr uint8
    bloom_length*: csize_t
    cursor*: ptr uint8
    cursor_length*: csize_t

  MvResultEntry* {.importc: "mv_result_entry", header: mvHeader, bycopy.} = object
    sent*: uint32
    topic*: array[4, uint8]
    hash*: array[32, uint8]
    bytes*: ptr UncheckedArray[uint8]     ## borrowed from the result; nil for a hashes-only page
    length*: csize_t

  MvStoreStats* {.importc: "mv_store_stats", header: mvHeader, bycopy.} = object
    envelopes*: uint64
    topics*: uint64
    raw_bytes*: uint64
    stored_bytes*: uint64
    file_bytes*: uint64
    used_bytes*: uint64
    compressed_envelopes*: uint64
    blocks*: uint64
    map_bytes*: uint64
    compression_ratio*: float64
    schema_version*: uint32
    has_envelopes*: uint32
    oldest_sent*: uint32
    newest_sent*: uint32

  MvSweepReport* {.importc: "mv_sweep_report", header: mvHeader, bycopy.} = object
    expired*: uint64
    evicted*: uint64
    relocated*: uint64
    blocks_freed*: uint64
    transactions*: uint64

# ---------------------------------------------------------------- C functions

{.push importc, header: mvHeader, cdecl.}

proc mv_api_version*(): uint32
proc mv_version_string*(): cstring
proc mv_status_name*(status: cint): cstring
proc mv_last_error_message*(): cstring

proc mv_envelope_decode*(bytes: ptr uint8, length: csize_t, output: ptr ptr MvEnvelope): cint
proc mv_envelope_free*(envelope: ptr MvEnvelope)
proc mv_envelope_get_fields*(envelope: ptr MvEnvelope, output: ptr MvEnvelopeFields): cint
proc mv_envelope_hash*(envelope: ptr MvEnvelope, outHash: ptr uint8): cint
proc mv_envelope_work*(envelope: ptr MvEnvelope, output: ptr MvWork): cint
proc mv_envelope_bloom*(envelope: ptr MvEnvelope, outBloom: ptr uint8): cint
proc mv_verify_batch*(envelopes: ptr MvConstBytes, lengths: ptr csize_t, count: csize_t,
                      results: ptr MvWork): cint

proc mv_policy_check*(envelope: ptr MvEnvelope, policy: ptr MvPolicy, now: uint32, mode: cint,
                      outRejection: ptr cint, outPow: ptr float64): cint

proc mv_topic_bloom*(topic: ptr uint8, outBloom: ptr uint8): cint
proc mv_topics_bloom*(topics: ptr uint8, count: csize_t, outBloom: ptr uint8): cint
proc mv_bloom_match*(filter: ptr uint8, sample: ptr uint8, outMatch: ptr cint): cint

proc mv_cancel_new*(): ptr MvCancel
proc mv_cancel_trigger*(cancel: ptr MvCancel)
proc mv_cancel_is_triggered*(cancel: ptr MvCancel): cint
proc mv_cancel_free*(cancel: ptr MvCancel)

proc mv_seal_options_init*(options: ptr MvSealOptions)
proc mv_seal*(options: ptr MvSealOptions, cancel: ptr MvCancel, output: ptr ptr MvEnvelope,
              outStats: ptr MvSealStats): cint

proc mv_store_options_init*(options: ptr MvStoreOptions)
proc mv_store_open*(directory: cstring, options: ptr MvStoreOptions, output: ptr ptr MvStore): cint
proc mv_store_close*(store: ptr MvStore): cint
proc mv_store_free*(store: ptr MvStore)
proc mv_store_error_message*(store: ptr MvStore, buffer: cstring, capacity: csize_t): csize_t
proc mv_store_ingest*(store: ptr MvStore, envelopes: ptr MvConstBytes, lengths: ptr csize_t,
                      count: csize_t, results: ptr MvIngestResult): cint

proc mv_query_init*(query: ptr MvQuery)
proc mv_store_query*(store: ptr MvStore, query: ptr MvQuery, output: ptr ptr MvResult): cint
proc mv_store_query_hashes*(store: ptr MvStore, query: ptr MvQuery, output: ptr ptr MvResult): cint
proc mv_result_count*(result: ptr MvResult): csize_t
proc mv_result_entry_at*(result: ptr MvResult, index: csize_t, outEntry: ptr MvConstEntry): cint
proc mv_result_next_cursor*(result: ptr MvResult, outCursor: ptr uint8, outHasMore: ptr cint): cint
proc mv_result_free*(result: ptr MvResult)

proc mv_store_get*(store: ptr MvStore, hash: ptr uint8, hashLength: csize_t,
                   output: ptr ptr MvEnvelope): cint
proc mv_store_presence*(store: ptr MvStore, hashes: ptr uint8, count: csize_t,
                        outPresent: ptr uint8): cint
proc mv_store_stats_get*(store: ptr MvStore, output: ptr MvStoreStats): cint
proc mv_store_sweep*(store: ptr MvStore, now: uint32, outReport: ptr MvSweepReport): cint
proc mv_store_compact*(store: ptr MvStore, destination: cstring): cint

{.pop.}

# ================================================================ idiomatic layer

type
  MailvaultError* = object of CatchableError
    ## A failing `mv_*` call: its status code (`MV_ERR_*`), the C function's name and the
    ## library's message (`mv_last_error_message`, read right after the call on its thread).
    code*: int
    function*: string
    detail*: string

  Topic* = array[4, byte]
  Bloom* = array[64, byte]
  EnvelopeHash* = array[32, byte]
  Cursor* = array[36, byte]   ## BE32(sent) ++ hash, status-go's format

  Work* = MvWork              ## status, rlpWithoutNonceLength, pow, hash, powHash
  SealStats* = MvSealStats    ## pow, attempts, seconds
  IngestResult* = MvIngestResult  ## status (MV_INGEST_*), hash
  RetentionTier* = MvRetentionTier
  StoreStats* = MvStoreStats
  SweepReport* = MvSweepReport

  Envelope* = ref object
    ## A decoded envelope (immutable). Release with `free`.
    handle: ptr MvEnvelope

  EnvelopeFields* = object
    expiry*, ttl*, sent*: uint32
    topic*: Topic
    nonce*: uint64
    size*: int
    data*: seq[byte]      ## copied out of the envelope
    encoded*: seq[byte]   ## the canonical RLP, copied out of the envelope

  Cancel* = ref object
    ## Stops a running `seal` from any thread. Release with `free` after every seal using it returned.
    handle: ptr MvCancel

  SealOptions* = object
    expiry*, ttl*: uint32
    topic*: Topic
    data*: seq[byte]
    targetPow*: float
    maximize*: bool
    workTimeMs*: uint32
    threads*: uint32      ## 0 = one per core

  StoreOptions* = object
    compressionLevel*: int32
    retentionMaxAge*: uint32
    readOnly*: bool
    retentionMaxBytes*: uint64
    initialMapBytes*: uint64
    tiers*: seq[RetentionTier]

  Store* = ref object
    ## An open store. `close` is optional, `free` is required.
    handle: ptr MvStore

  Query* = object
    fromSent*, toSent*: uint32   ## inclusive sent-time range
    limit*: uint32               ## page size 1..1000
    topics*: seq[Topic]          ## when not empty the bloom is ignored
    bloom*: Option[Bloom]        ## none: every topic
    cursor*: Option[Cursor]      ## none: the first page

  Entry* = object
    sent*: uint32
    topic*: Topic
    hash*: EnvelopeHash
    bytes*: seq[byte]            ## the envelope's RLP (copied); empty for a hashes-only page

  Page* = object
    entries*: seq[Entry]
    hasMore*: bool
    next*: Cursor                ## the next page's cursor, when hasMore

proc statusName*(code: int): string =
  ## "MV_ERR_CLOSED", ...; "MV_ERR_UNKNOWN" for codes this library does not know.
  $mv_status_name(cint(code))

proc raiseMailvault(status: cint, call: string) {.noinline.} =
  # The thread-local message first: nothing else may run an mv_ call in between.
  let detail = $mv_last_error_message()
  var function = call
  let paren = call.find('(')
  if paren > 0: function.setLen(paren)
  let e = newException(MailvaultError, function & ": " & statusName(status) & ": " & detail)
  e.code = status
  e.function = function
  e.detail = detail
  raise e

template check(call: untyped) =
  let status = call
  if status != MV_OK: raiseMailvault(status, astToStr(call))

var emptyByte: uint8   # what empty inputs point at: the wrapper never passes NULL for data

proc bytesPtr(bytes: openArray[byte]): ptr uint8 {.inline.} =
  if bytes.len == 0: addr emptyByte else: unsafeAddr bytes[0]

proc constBytes(bytes: openArray[byte]): MvConstBytes {.inline.} =
  if bytes.len == 0: cast[MvConstBytes](addr emptyByte)
  else: cast[MvConstBytes](unsafeAddr bytes[0])

proc copyBytes(p: ptr UncheckedArray[uint8], length: csize_t): seq[byte] =
  result = newSeq[byte](int(length))
  if length > 0: copyMem(addr result[0], p, int(length))

# ---------------------------------------------------------------- version

proc apiVersion*(): tuple[major, minor: int] =
  let v = mv_api_version()
  (int(v shr 16), int(v and 0xffff))

proc versionString*(): string = $mv_version_string()

proc isCompatible*(): bool =
  ## The linked library's API has this module's major version and at least its minor.
  let (major, minor) = apiVersion()
  major == MV_API_VERSION_MAJOR and minor >= MV_API_VERSION_MINOR

# ---------------------------------------------------------------- envelopes

proc raw*(envelope: Envelope): ptr MvEnvelope = (if envelope.isNil: nil else: envelope.handle)

proc free*(envelope: Envelope) =
  ## Releases the handle; a second call does nothing.
  if envelope != nil and envelope.handle != nil:
    mv_envelope_free(envelope.handle)
    envelope.handle = nil

proc decode*(bytes: openArray[byte]): Envelope =
  ## Strictly decodes one envelope; MailvaultError MV_ERR_DECODE when not canonical.
  var handle: ptr MvEnvelope
  check mv_envelope_decode(bytesPtr(bytes), csize_t(bytes.len), addr handle)
  Envelope(handle: handle)

proc fields*(envelope: Envelope): EnvelopeFields =
  var f: MvEnvelopeFields
  check mv_envelope_get_fields(envelope.raw, addr f)
  EnvelopeFields(expiry: f.expiry, ttl: f.ttl, sent: f.sent, topic: f.topic, nonce: f.nonce,
                 size: int(f.size), data: copyBytes(f.data, f.data_length),
                 encoded: copyBytes(f.encoded, f.encoded_length))

proc encoded*(envelope: Envelope): seq[byte] =
  var f: MvEnvelopeFields
  check mv_envelope_get_fields(envelope.raw, addr f)
  copyBytes(f.encoded, f.encoded_length)

proc hash*(envelope: Envelope): EnvelopeHash =
  check mv_envelope_hash(envelope.raw, addr result[0])

proc work*(envelope: Envelope): Work =
  check mv_envelope_work(envelope.raw, addr result)

proc bloom*(envelope: Envelope): Bloom =
  check mv_envelope_bloom(envelope.raw, addr result[0])

proc verifyBatch*(envelopes: openArray[seq[byte]]): seq[Work] =
  ## Decodes and checks every item; item i has status MV_OK (hashes, PoW) or MV_ERR_DECODE.
  if envelopes.len == 0: return @[]
  var pointers = newSeq[MvConstBytes](envelopes.len)
  var lengths = newSeq[csize_t](envelopes.len)
  for i, bytes in envelopes:
    pointers[i] = constBytes(bytes)
    lengths[i] = csize_t(bytes.len)
  result = newSeq[Work](envelopes.len)
  check mv_verify_batch(addr pointers[0], addr lengths[0], csize_t(envelopes.len), addr result[0])

# ---------------------------------------------------------------- topics and blooms

proc topicBloom*(topic: Topic): Bloom =
  check mv_topic_bloom(unsafeAddr topic[0], addr result[0])

proc topicsBloom*(topics: openArray[Topic]): Bloom =
  ## The union of the topics' blooms (all zero for no topic).
  if topics.len == 0: return
  check mv_topics_bloom(unsafeAddr topics[0][0], csize_t(topics.len), addr result[0])

proc bloomMatch*(filter, sample: Bloom): bool =
  var match: cint
  check mv_bloom_match(unsafeAddr filter[0], unsafeAddr sample[0], addr match)
  match != 0

# ---------------------------------------------------------------- sealing

proc newCancel*(): Cancel =
  let handle = mv_cancel_new()
  if handle == nil: raise newException(OutOfMemDefect, "mv_cancel_new returned NULL")
  Cancel(handle: handle)

proc raw*(cancel: Cancel): ptr MvCancel =
  ## The C handle, e.g. for `mv_cancel_trigger` from another thread (a `ref` stays on its thread).
  if cancel.isNil: nil else: cancel.handle

proc trigger*(cancel: Cancel) =
  mv_cancel_trigger(cancel.raw)

proc isTriggered*(cancel: Cancel): bool =
  mv_cancel_is_triggered(cancel.raw) != 0

proc free*(cancel: Cancel) =
  if cancel != nil and cancel.handle != nil:
    mv_cancel_free(cancel.handle)
    cancel.handle = nil

proc initSealOptions*(): SealOptions =
  ## The library's defaults (ttl 50, workTimeMs 1000, threads 0, rest 0).
  var c: MvSealOptions
  mv_seal_options_init(addr c)
  SealOptions(expiry: c.expiry, ttl: c.ttl, topic: c.topic, targetPow: c.target_pow,
              maximize: c.maximize != 0, workTimeMs: c.work_time_ms, threads: c.threads)

proc seal*(options: SealOptions, cancel: Cancel, stats: var SealStats): Envelope =
  ## Searches a nonce; blocks the calling thread. `stats` is written also when the call raises
  ## MV_ERR_TARGET_NOT_REACHED. `cancel` may be nil.
  var c: MvSealOptions
  mv_seal_options_init(addr c)
  c.expiry = options.expiry
  c.ttl = options.ttl
  c.topic = options.topic
  c.data = bytesPtr(options.data)
  c.data_length = csize_t(options.data.len)
  c.target_pow = options.targetPow
  c.maximize = uint32(ord(options.maximize))
  c.work_time_ms = options.workTimeMs
  c.threads = options.threads
  var handle: ptr MvEnvelope
  check mv_seal(addr c, cancel.raw, addr handle, addr stats)
  Envelope(handle: handle)

proc seal*(options: SealOptions, cancel: Cancel = nil): Envelope =
  var stats: SealStats
  seal(options, cancel, stats)

# ---------------------------------------------------------------- store

proc initStoreOptions*(): StoreOptions =
  ## The library's defaults (zstd 3, 30 days, 64 MiB first map).
  var c: MvStoreOptions
  mv_store_options_init(addr c)
  StoreOptions(compressionLevel: c.compression_level, retentionMaxAge: c.retention_max_age,
               readOnly: c.read_only != 0, retentionMaxBytes: c.retention_max_bytes,
               initialMapBytes: c.initial_map_bytes)

proc open*(T: typedesc[Store], directory: string, options = initStoreOptions()): Store =
  ## Opens (creating if needed) the store in `directory`.
  var c: MvStoreOptions
  mv_store_options_init(addr c)
  c.compression_level = options.compressionLevel
  c.retention_max_age = options.retentionMaxAge
  c.read_only = uint32(ord(options.readOnly))
  c.retention_max_bytes = options.retentionMaxBytes
  c.initial_map_bytes = options.initialMapBytes
  if options.tiers.len > 0:
    c.tiers = unsafeAddr options.tiers[0]
    c.tier_count = csize_t(options.tiers.len)
  var handle: ptr MvStore
  check mv_store_open(directory.cstring, addr c, addr handle)
  Store(handle: handle)

proc raw*(store: Store): ptr MvStore = (if store.isNil: nil else: store.handle)

proc close*(store: Store) =
  ## Finishes queued writes and closes; a second close raises MV_ERR_CLOSED.
  check mv_store_close(store.raw)

proc free*(store: Store) =
  ## Closes if needed and releases the handle; a second call does nothing.
  if store != nil and store.handle != nil:
    mv_store_free(store.handle)
    store.handle = nil

proc errorMessage*(store: Store): string =
  ## The message of the most recent failing call on this store, from any thread.
  let length = mv_store_error_message(store.raw, nil, 0)
  if length == 0: return ""
  var buffer = newString(int(length))   # newString adds room for the NUL
  let written = mv_store_error_message(store.raw, buffer.cstring, length + 1)
  buffer.setLen(min(int(written), int(length)))
  buffer

proc ingestPointers(store: Store, pointers: var seq[MvConstBytes],
                    lengths: var seq[csize_t]): seq[IngestResult] =
  result = newSeq[IngestResult](pointers.len)
  check mv_store_ingest(store.raw, addr pointers[0], addr lengths[0], csize_t(pointers.len),
                        addr result[0])

proc ingest*(store: Store, envelopes: openArray[seq[byte]]): seq[IngestResult] =
  ## Stores the envelopes in one durable commit; one result per item, in order
  ## (MV_INGEST_STORED, MV_INGEST_DUPLICATE, MV_INGEST_INVALID). No call for an empty batch.
  if envelopes.len == 0: return @[]
  var pointers = newSeq[MvConstBytes](envelopes.len)
  var lengths = newSeq[csize_t](envelopes.len)
  for i, bytes in envelopes:
    pointers[i] = constBytes(bytes)
    lengths[i] = csize_t(bytes.len)
  ingestPointers(store, pointers, lengths)

proc ingest*(store: Store, envelopes: openArray[Envelope]): seq[IngestResult] =
  ## The same for decoded envelopes: their encoding is passed without a copy.
  if envelopes.len == 0: return @[]
  var pointers = newSeq[MvConstBytes](envelopes.len)
  var lengths = newSeq[csize_t](envelopes.len)
  for i, envelope in envelopes:
    var f: MvEnvelopeFields
    check mv_envelope_get_fields(envelope.raw, addr f)
    pointers[i] = cast[MvConstBytes](f.encoded)
    lengths[i] = f.encoded_length
  ingestPointers(store, pointers, lengths)

proc initQuery*(): Query =
  ## Everything, 100 per page, first page (the library's defaults).
  var c: MvQuery
  mv_query_init(addr c)
  Query(fromSent: c.fromSent, toSent: c.to, limit: c.limit)

proc runQuery(store: Store, query: Query, hashesOnly: bool): Page =
  var c: MvQuery
  mv_query_init(addr c)
  c.fromSent = query.fromSent
  c.to = query.toSent
  c.limit = query.limit
  if query.topics.len > 0:
    c.topics = unsafeAddr query.topics[0][0]
    c.topic_count = csize_t(query.topics.len)
  var bloom: Bloom     # local copies, alive for the call
  var cursor: Cursor
  if query.bloom.isSome:
    bloom = query.bloom.get
    c.bloom = addr bloom[0]
    c.bloom_length = csize_t(bloom.len)
  if query.cursor.isSome:
    cursor = query.cursor.get
    c.cursor = addr cursor[0]
    c.cursor_length = csize_t(cursor.len)
  var res: ptr MvResult
  if hashesOnly: check mv_store_query_hashes(store.raw, addr c, addr res)
  else: check mv_store_query(store.raw, addr c, addr res)
  try:
    let count = int(mv_result_count(res))
    result.entries = newSeq[Entry](count)
    for i in 0 ..< count:
      var p: MvConstEntry
      check mv_result_entry_at(res, csize_t(i), addr p)
      let entry = cast[ptr MvResultEntry](p)
      result.entries[i] = Entry(sent: entry.sent, topic: entry.topic, hash: entry.hash,
                                bytes: copyBytes(entry.bytes, entry.length))
    var more: cint
    check mv_result_next_cursor(res, addr result.next[0], addr more)
    result.hasMore = more != 0
  finally:
    mv_result_free(res)

proc query*(store: Store, query: Query): Page =
  ## One page of `query`; continue with `query.cursor = some(page.next)` while `page.hasMore`.
  runQuery(store, query, hashesOnly = false)

proc queryHashes*(store: Store, query: Query): Page =
  ## Like `query` but (sent, topic, hash) only: entries' `bytes` are empty.
  runQuery(store, query, hashesOnly = true)

iterator pages*(store: Store, first: Query): Page =
  ## Every page of the query, following the cursor from `first.cursor`.
  var q = first
  while true:
    let page = store.query(q)
    yield page
    if not page.hasMore: break
    q.cursor = some(page.next)

proc get*(store: Store, hash: EnvelopeHash): Envelope =
  ## The stored envelope with this hash; MailvaultError MV_ERR_NOT_FOUND when absent.
  var handle: ptr MvEnvelope
  check mv_store_get(store.raw, unsafeAddr hash[0], 32, addr handle)
  Envelope(handle: handle)

proc presence*(store: Store, hashes: openArray[EnvelopeHash]): seq[bool] =
  ## For each hash, whether the store holds it (one snapshot). No call for an empty list.
  if hashes.len == 0: return @[]
  var present = newSeq[uint8](hashes.len)
  check mv_store_presence(store.raw, unsafeAddr hashes[0][0], csize_t(hashes.len), addr present[0])
  result = newSeq[bool](hashes.len)
  for i, p in present: result[i] = p != 0

proc stats*(store: Store): StoreStats =
  check mv_store_stats_get(store.raw, addr result)

proc sweep*(store: Store, now: uint32): SweepReport =
  ## Applies the retention policy at Unix time `now`; blocks until done.
  check mv_store_sweep(store.raw, now, addr result)

proc compact*(store: Store, destination: string) =
  check mv_store_compact(store.raw, destination.cstring)
