/*
 * mailvault.h — the Mailvault C API (Whisper v6 / Waku v1 envelopes, PoW, offline-message store).
 *
 * One header, C99, no Swift types. Build and link: Docs/CAPI.md.
 *
 * Conventions (they hold for every function unless its comment says otherwise):
 *
 * - Return value: an `int` status, MV_OK (0) on success or one of the MV_ERR_* codes.
 *   Nothing aborts on bad input: a NULL pointer is MV_ERR_NULL, a wrong length or an out-of-range
 *   value is MV_ERR_INVALID_ARGUMENT, a call on a closed store is MV_ERR_CLOSED.
 * - Error messages: every failing call stores a human-readable sentence in a thread-local slot,
 *   read with mv_last_error_message(). Calls on a store also keep the sentence on the handle
 *   (mv_store_error_message()).
 * - Out-parameters are written only when the call returns MV_OK (per-item result arrays of
 *   batch calls are written in full when the call returns MV_OK).
 * - Ownership: every handle returned through an out-parameter (`mv_envelope`, `mv_store`,
 *   `mv_result`, `mv_cancel`) belongs to the caller, who releases it exactly once with the
 *   matching *_free function. Pointers *returned by* the library into a handle (`data`,
 *   `encoded`, `bytes`, entries) are borrowed: valid until that handle is freed, never freed by
 *   the caller. Input buffers are only read during the call; the library keeps no pointer to
 *   them.
 * - Byte strings: hashes are 32 bytes, topics 4, blooms 64, cursors 36 (BE32 sent ++ hash),
 *   all in wire order.
 * - Thread safety is stated per function. "Any thread" means the call may run concurrently with
 *   any other call, including on the same handle.
 *
 * ABI: symbols are prefixed mv_ and MV_; within one MV_API_VERSION_MAJOR only additive changes
 * are made (new functions, new codes, new fields at the end of structs that carry
 * `struct_size`). See Docs/CAPI.md.
 */
#ifndef MAILVAULT_H
#define MAILVAULT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- version */

#define MV_API_VERSION_MAJOR 1
#define MV_API_VERSION_MINOR 0
/** The version this header describes: major << 16 | minor. */
#define MV_API_VERSION ((MV_API_VERSION_MAJOR << 16) | MV_API_VERSION_MINOR)

/** The API version of the linked library (major << 16 | minor). A program built against
 *  major M runs with any library whose major is M and whose minor is at least the header's.
 *  Any thread. */
uint32_t mv_api_version(void);

/** The library's version as a static NUL-terminated string ("1.0.0"); never freed. Any thread. */
const char *mv_version_string(void);

/* ---------------------------------------------------------------- status codes */

#define MV_OK 0
/** A required pointer argument was NULL. */
#define MV_ERR_NULL 1
/** A length, count, range or option is outside what the function accepts. */
#define MV_ERR_INVALID_ARGUMENT 2
/** Bytes are not a strictly canonical envelope (see Docs/Protocol.md). */
#define MV_ERR_DECODE 3
/** The store handle was closed. */
#define MV_ERR_CLOSED 4
/** No envelope with that hash. */
#define MV_ERR_NOT_FOUND 5
/** Sealing was cancelled through its mv_cancel handle. */
#define MV_ERR_CANCELLED 6
/** Sealing used its whole time budget without reaching the target PoW. */
#define MV_ERR_TARGET_NOT_REACHED 7
/** A file-system call failed (permissions, missing directory, ...). */
#define MV_ERR_IO 8
/** The database does not decode: damaged outside LMDB's guarantees. */
#define MV_ERR_CORRUPT 9
/** The store directory is held by another process in a conflicting mode. */
#define MV_ERR_BUSY 10
/** The disk is full; the batch was not stored, earlier data is intact. */
#define MV_ERR_DISK_FULL 11
/** The database was written by a newer Mailvault schema. */
#define MV_ERR_UNSUPPORTED_SCHEMA 12
/** Any other storage failure (an LMDB or zstd error); see the message. */
#define MV_ERR_STORE 13
/** A result index beyond the result's count. */
#define MV_ERR_OUT_OF_RANGE 14

/** A static name for a status code ("MV_ERR_NULL", ...; "MV_ERR_UNKNOWN" for others). Any thread. */
const char *mv_status_name(int status);

/** The message of the most recent failing mv_ call on the calling thread ("" when none).
 *  The pointer stays valid until the next failing mv_ call on this thread; copy it to keep it.
 *  Successful calls do not clear it, so read it only after a call returned an error.
 *  Any thread (each thread has its own slot). */
const char *mv_last_error_message(void);

/* ---------------------------------------------------------------- envelopes */

/** A decoded envelope (immutable). Created by mv_envelope_decode, mv_seal, mv_store_get;
 *  released by mv_envelope_free. */
typedef struct mv_envelope mv_envelope;

/** An envelope's fields. The pointers borrow from the envelope handle. */
typedef struct mv_envelope_fields {
    uint32_t expiry;         /* Unix seconds */
    uint32_t ttl;            /* seconds */
    uint32_t sent;           /* expiry - ttl (uint32 arithmetic, as go-ethereum) */
    uint8_t topic[4];
    uint64_t nonce;
    size_t size;             /* go-ethereum's size: 20 + data_length */
    const uint8_t *data;     /* payload, data_length bytes (borrowed) */
    size_t data_length;
    const uint8_t *encoded;  /* the canonical RLP as received, encoded_length bytes (borrowed) */
    size_t encoded_length;
} mv_envelope_fields;

/** What checking an envelope's proof of work gives. */
typedef struct mv_work {
    int32_t status;                     /* MV_OK, or MV_ERR_DECODE for a batch item that is not an envelope */
    uint32_t rlp_without_nonce_length;  /* the PoW's divisor */
    double pow;                         /* 2^lz / rlp_without_nonce_length / ttl (diff 0); +inf for TTL 0 */
    uint8_t hash[32];                   /* keccak256 of the envelope: its identity */
    uint8_t pow_hash[32];               /* keccak256(rlpWithoutNonce ++ BE64 nonce) */
} mv_work;

/** Strictly decodes one envelope from `length` bytes (copied; the caller keeps `bytes`).
 *  Trailing bytes, non-canonical integers, wrong item counts, 4-byte topic violations and
 *  length bombs are MV_ERR_DECODE. `bytes` may be NULL only when `length` is 0 (which is then
 *  MV_ERR_DECODE). On success `*out` is a new handle for mv_envelope_free.
 *  This is the entry point to fuzz. Any thread. */
int mv_envelope_decode(const uint8_t *bytes, size_t length, mv_envelope **out);

/** Releases an envelope handle. NULL is ignored. Call once per handle, when no other thread
 *  uses it; borrowed pointers obtained from it become invalid. */
void mv_envelope_free(mv_envelope *envelope);

/** Reads the envelope's fields (pointers borrowed from `envelope`). Any thread. */
int mv_envelope_get_fields(const mv_envelope *envelope, mv_envelope_fields *out);

/** keccak256 of the envelope's encoding into `out_hash` (32 bytes). Any thread. */
int mv_envelope_hash(const mv_envelope *envelope, uint8_t *out_hash);

/** Both hashes and the PoW of one envelope. Any thread. */
int mv_envelope_work(const mv_envelope *envelope, mv_work *out);

/** The 64-byte bloom of the envelope's topic into `out_bloom`. Any thread. */
int mv_envelope_bloom(const mv_envelope *envelope, uint8_t *out_bloom);

/** Decodes and checks `count` envelopes in one call, hashing several at once in SIMD lanes.
 *  `envelopes[i]` points to `lengths[i]` bytes. `results` has room for `count` items; item i
 *  gets status MV_OK with hashes and PoW, or MV_ERR_DECODE (the others are still checked).
 *  Returns MV_OK when the arguments are valid, whatever the items' statuses. `count` 0 is
 *  MV_OK and the arrays may then be NULL. Any thread. */
int mv_verify_batch(const uint8_t *const *envelopes, const size_t *lengths, size_t count, mv_work *results);

/* ---------------------------------------------------------------- ingest policy */

#define MV_MODE_LIVE 0     /* a live node: every rule, clock included */
#define MV_MODE_ARCHIVE 1  /* bulk import / sync: format, size, PoW and bloom only */

#define MV_ACCEPTED 0
#define MV_REJECT_ZERO_TTL 1
#define MV_REJECT_FUTURE 2
#define MV_REJECT_TOO_OLD 3
#define MV_REJECT_EXPIRED 4      /* silent drop in go-ethereum, not a peer's fault */
#define MV_REJECT_TOO_LARGE 5
#define MV_REJECT_LOW_POW 6
#define MV_REJECT_BLOOM_MISMATCH 7

/** A node's acceptance rules (go-ethereum's add()). */
typedef struct mv_policy {
    double minimum_pow;      /* e.g. 0.2 (go-ethereum) or 0.000002 (status-go mailservers) */
    uint64_t maximum_size;   /* 20 + data length; 0 means 1 MiB; clamped to 10 MiB */
    const uint8_t *bloom;    /* the node's filter, 64 bytes, or NULL for "every topic" */
    size_t bloom_length;     /* 64 when bloom is set, else 0 */
} mv_policy;

/** Applies `policy` at Unix time `now` in `mode`. Returns MV_OK and sets `*out_rejection` to
 *  MV_ACCEPTED or an MV_REJECT_* reason; `out_pow` (may be NULL) gets the PoW the rules used
 *  (0 when the check stopped before computing it). Any thread. */
int mv_policy_check(const mv_envelope *envelope, const mv_policy *policy, uint32_t now, int mode,
                    int *out_rejection, double *out_pow);

/* ---------------------------------------------------------------- topics and blooms */

/** The 64-byte bloom of a 4-byte topic (go-ethereum's TopicToBloom) into `out_bloom`. Any thread. */
int mv_topic_bloom(const uint8_t *topic, uint8_t *out_bloom);

/** The union of `count` topics' blooms (`topics` holds 4 * count bytes) into `out_bloom`:
 *  the filter of a node interested in exactly these topics. Any thread. */
int mv_topics_bloom(const uint8_t *topics, size_t count, uint8_t *out_bloom);

/** Sets `*out_match` to 1 when the 64-byte `filter` accepts the 64-byte `sample`
 *  ((f | s) == f byte by byte; an all-0xFF filter accepts everything), else 0. Any thread. */
int mv_bloom_match(const uint8_t *filter, const uint8_t *sample, int *out_match);

/* ---------------------------------------------------------------- sealing */

/** A cancellation flag shared between a sealing call and the threads that may stop it. */
typedef struct mv_cancel mv_cancel;

/** A new, untriggered cancel handle (NULL only if memory is exhausted). Free with mv_cancel_free. */
mv_cancel *mv_cancel_new(void);

/** Triggers the handle: every mv_seal using it returns MV_ERR_CANCELLED soon (within a
 *  millisecond or so), and later seals with it return MV_ERR_CANCELLED at once. Idempotent.
 *  Any thread, concurrently with mv_seal. NULL is ignored. */
void mv_cancel_trigger(mv_cancel *cancel);

/** 1 if the handle was triggered, else 0 (also 0 for NULL). Any thread. */
int mv_cancel_is_triggered(const mv_cancel *cancel);

/** Releases the handle. NULL is ignored. Only after every mv_seal using it has returned. */
void mv_cancel_free(mv_cancel *cancel);

/** What to seal. Initialise with mv_seal_options_init, then set the fields. */
typedef struct mv_seal_options {
    uint32_t struct_size;    /* sizeof(mv_seal_options); set by mv_seal_options_init */
    uint32_t expiry;
    uint32_t ttl;            /* at least 1 */
    uint8_t topic[4];
    const uint8_t *data;     /* payload; may be NULL when data_length is 0 */
    size_t data_length;
    double target_pow;       /* stop at the first nonce reaching this (positive, finite) */
    uint32_t maximize;       /* non-zero: ignore target_pow, search the whole budget, keep the best */
    uint32_t work_time_ms;   /* time budget; default 1000 */
    uint32_t threads;        /* searching threads; 0 = one per core */
} mv_seal_options;

/** What sealing cost. */
typedef struct mv_seal_stats {
    double pow;              /* PoW reached (the best one when the target was not reached) */
    uint64_t attempts;       /* nonces tried */
    double seconds;          /* wall time */
} mv_seal_stats;

/** Fills `options` with defaults (struct_size, ttl 50, work_time_ms 1000, threads 0, rest 0). */
void mv_seal_options_init(mv_seal_options *options);

/** Searches a nonce (midstate hashing, SIMD lanes, `threads` threads) and returns the sealed
 *  envelope in `*out` (free with mv_envelope_free). Blocks the calling thread.
 *  Errors: MV_ERR_INVALID_ARGUMENT (TTL 0, bad or unreachable target, data too long),
 *  MV_ERR_TARGET_NOT_REACHED (budget spent; `out_stats` still gets the best PoW and attempts),
 *  MV_ERR_CANCELLED (`cancel` triggered). `cancel` and `out_stats` may be NULL. Any thread. */
int mv_seal(const mv_seal_options *options, mv_cancel *cancel, mv_envelope **out, mv_seal_stats *out_stats);

/* ---------------------------------------------------------------- store */

/** An open envelope store (LMDB + zstd in one directory). */
typedef struct mv_store mv_store;

/** One PoW-priced retention tier: envelopes with at least minimum_pow are kept maximum_age s. */
typedef struct mv_retention_tier {
    double minimum_pow;
    uint32_t maximum_age;
} mv_retention_tier;

/** How a store is opened. Initialise with mv_store_options_init, then set the fields. */
typedef struct mv_store_options {
    uint32_t struct_size;         /* sizeof(mv_store_options); set by mv_store_options_init */
    int32_t compression_level;    /* zstd level 1..19, 0 = store raw; default 3 */
    uint32_t retention_max_age;   /* seconds after sent time; default 30 days */
    uint32_t read_only;           /* non-zero: no ingest or sweep */
    uint64_t retention_max_bytes; /* size cap on stored records; 0 = none */
    uint64_t initial_map_bytes;   /* first LMDB map size (grows by itself); default 64 MiB */
    const mv_retention_tier *tiers; /* may be NULL when tier_count is 0; copied at open */
    size_t tier_count;            /* at most 255 */
} mv_store_options;

/** Fills `options` with the defaults. */
void mv_store_options_init(mv_store_options *options);

/** Opens (creating if needed) the store in `directory` (a NUL-terminated path). `options`
 *  may be NULL for the defaults. On success `*out` is a new handle: close it with
 *  mv_store_close (optional) and release it with mv_store_free (required). Any thread. */
int mv_store_open(const char *directory, const mv_store_options *options, mv_store **out);

/** Finishes queued writes and closes the store. The handle stays valid: later calls on it
 *  return MV_ERR_CLOSED, and so does a second mv_store_close. Calls already running on other
 *  threads finish normally. Any thread. */
int mv_store_close(mv_store *store);

/** Closes the store if needed and releases the handle. NULL is ignored. Call once per handle,
 *  when no other thread uses it. Results from mv_store_query stay valid (they own their data). */
void mv_store_free(mv_store *store);

/** Copies the message of the most recent failing call on `store` (from any thread) into
 *  `buffer` (NUL-terminated, truncated to `capacity`) and returns its full length, like
 *  snprintf; "" when none. `buffer` may be NULL when `capacity` is 0. 0 for a NULL store.
 *  Any thread. */
size_t mv_store_error_message(const mv_store *store, char *buffer, size_t capacity);

#define MV_INGEST_STORED 0     /* newly stored, durable when mv_store_ingest returned */
#define MV_INGEST_DUPLICATE 1  /* already in the store (same hash); nothing written */
#define MV_INGEST_INVALID 2    /* not a canonical envelope; skipped */

/** What became of one envelope of an ingested batch. */
typedef struct mv_ingest_result {
    int32_t status;          /* MV_INGEST_* */
    uint8_t hash[32];        /* the envelope's hash (zero for MV_INGEST_INVALID) */
} mv_ingest_result;

/** Decodes and stores `count` envelopes (`envelopes[i]` is `lengths[i]` bytes) in one durable
 *  commit; `results` gets one item per envelope, in input order. Invalid items are reported and
 *  skipped, the others stored. The store applies no PoW or clock rule: apply mv_policy_check
 *  first. `count` 0 is MV_OK and the arrays may then be NULL. Blocks until the commit is
 *  durable. Any thread; concurrent ingests are grouped into one commit. */
int mv_store_ingest(mv_store *store, const uint8_t *const *envelopes, const size_t *lengths, size_t count,
                    mv_ingest_result *results);

/** A history query (status-go mailserver semantics). Initialise with mv_query_init. */
typedef struct mv_query {
    uint32_t struct_size;    /* sizeof(mv_query); set by mv_query_init */
    uint32_t from;           /* first sent time, inclusive; default 0 */
    uint32_t to;             /* last sent time, inclusive; default UINT32_MAX */
    uint32_t limit;          /* page size 1..1000; default 100 */
    const uint8_t *topics;   /* 4 * topic_count bytes, or NULL; when present the bloom is ignored */
    size_t topic_count;      /* at most 1000 */
    const uint8_t *bloom;    /* 64 bytes, or NULL for every topic */
    size_t bloom_length;     /* 64 when bloom is set, else 0 */
    const uint8_t *cursor;   /* 36 bytes from mv_result_next_cursor, or NULL for the first page */
    size_t cursor_length;    /* 36 when cursor is set, else 0 */
} mv_query;

/** Fills `query` with the defaults (everything, 100 per page, first page). */
void mv_query_init(mv_query *query);

/** One page of a query's answer, owned by the caller (mv_result_free). Immutable. */
typedef struct mv_result mv_result;

/** One envelope of a page. Every pointer borrows from the result. */
typedef struct mv_result_entry {
    uint32_t sent;
    uint8_t topic[4];
    uint8_t hash[32];
    const uint8_t *bytes;    /* the envelope's RLP; NULL for a hashes-only page */
    size_t length;           /* 0 for a hashes-only page */
} mv_result_entry;

/** Runs one page of `query`; `*out` is a new result. Any thread (reads run on snapshots that
 *  writers never block). */
int mv_store_query(mv_store *store, const mv_query *query, mv_result **out);

/** Like mv_store_query but returns (sent, topic, hash) only, decoding no envelope: a cheap
 *  page for cross-checking providers. Any thread. */
int mv_store_query_hashes(mv_store *store, const mv_query *query, mv_result **out);

/** The number of entries in the page (0 for NULL). Any thread. */
size_t mv_result_count(const mv_result *result);

/** Points `*out_entry` at entry `index` inside the result (no copy; valid until
 *  mv_result_free). MV_ERR_OUT_OF_RANGE when index >= count. Any thread. */
int mv_result_entry_at(const mv_result *result, size_t index, const mv_result_entry **out_entry);

/** Copies the cursor for the next page into `out_cursor` (36 bytes) and sets `*out_has_more`
 *  to 1; when the query is complete sets `*out_has_more` to 0 and leaves `out_cursor` alone.
 *  Any thread. */
int mv_result_next_cursor(const mv_result *result, uint8_t *out_cursor, int *out_has_more);

/** Releases a result. NULL is ignored. Once, when no other thread uses it. */
void mv_result_free(mv_result *result);

/** The envelope with this 32-byte hash into `*out` (a new handle for mv_envelope_free), or
 *  MV_ERR_NOT_FOUND. `hash_length` must be 32. Any thread. */
int mv_store_get(mv_store *store, const uint8_t *hash, size_t hash_length, mv_envelope **out);

/** For each of `count` hashes (`hashes` holds 32 * count bytes) sets `out_present[i]` to 1 if
 *  the store holds it, else 0; one snapshot for the whole list. Any thread. */
int mv_store_presence(mv_store *store, const uint8_t *hashes, size_t count, uint8_t *out_present);

/** Counts and sizes of a store. */
typedef struct mv_store_stats {
    uint64_t envelopes;
    uint64_t topics;             /* distinct topics */
    uint64_t raw_bytes;          /* sum of envelope RLP sizes */
    uint64_t stored_bytes;       /* after compression */
    uint64_t file_bytes;         /* data.mdb size */
    uint64_t used_bytes;         /* pages in use */
    uint64_t compressed_envelopes;
    uint64_t blocks;
    uint64_t map_bytes;
    double compression_ratio;    /* raw / stored (1 when empty) */
    uint32_t schema_version;
    uint32_t has_envelopes;      /* 0 when empty: oldest_sent and newest_sent are then 0 */
    uint32_t oldest_sent;
    uint32_t newest_sent;
} mv_store_stats;

/** Counts and sizes from one snapshot. Any thread. */
int mv_store_stats_get(mv_store *store, mv_store_stats *out);

/** What a retention sweep did. */
typedef struct mv_sweep_report {
    uint64_t expired;        /* removed for age */
    uint64_t evicted;        /* removed, oldest first, for the size cap */
    uint64_t relocated;      /* live envelopes moved out of mostly-dead blocks */
    uint64_t blocks_freed;
    uint64_t transactions;
} mv_sweep_report;

/** Applies the retention policy at Unix time `now`, in small transactions so that readers and
 *  ingest interleave. `out_report` may be NULL. Blocks until done. Any thread. */
int mv_store_sweep(mv_store *store, uint32_t now, mv_sweep_report *out_report);

/** Writes a compacted copy of the store's current snapshot into `destination` (a directory
 *  that must not hold a database). The store stays usable meanwhile. Any thread. */
int mv_store_compact(mv_store *store, const char *destination);

#ifdef __cplusplus
}
#endif

#endif /* MAILVAULT_H */
