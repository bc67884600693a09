#ifndef STORE_BASELINES_H
#define STORE_BASELINES_H

#include <stddef.h>
#include <stdint.h>

/// The plain C loop the archive's ingest is compared with: puts `count` key/value pairs into a
/// fresh LMDB environment in `directory`, `batch` per durable transaction (default flags, so
/// each commit fsyncs). Values are `values[offsets[i] ..< offsets[i + 1]]`. Returns 0 or an
/// LMDB error code.
int baseline_lmdb_ingest(const char *directory, const uint8_t *keys, size_t key_size,
                         const uint8_t *values, const size_t *offsets, size_t count, size_t batch);

/// SQLite with nwaku's store schema (one row per message, primary key the message hash, an index
/// on the timestamp), WAL journal and synchronous=FULL so each commit is durable. Returns 0 or
/// an SQLite error code.
int baseline_sqlite_ingest(const char *path, const uint8_t *hashes, const uint32_t *topics,
                           const uint32_t *timestamps, const uint8_t *values, const size_t *offsets,
                           size_t count, size_t batch);

/// status-go's mailserver layout: key BE32(sent) ++ hash(32) ++ topic(4), value the RLP, in
/// a fresh LMDB environment. Returns 0 or an LMDB error code.
int baseline_statusgo_build(const char *directory, const uint8_t *keys40, const uint8_t *values,
                            const size_t *offsets, size_t count, size_t batch);

/// status-go's query: scan every key with from <= sent <= to, keep those whose topic is one
/// of `topics`, read their values, stop after `limit`. Returns the number returned, or -1.
long baseline_statusgo_query(const char *directory, uint32_t from, uint32_t to, const uint32_t *topics,
                             size_t topic_count, size_t limit, size_t *bytes_read);

/// Closes the environment kept open by baseline_statusgo_query.
void baseline_statusgo_close(void);

/// Prints the pages each named database of the LMDB environment in `directory` uses, as bytes
/// per envelope (`per` envelopes), and the file's pages and free-list pages. mdb_stat does not
/// count the pages of sorted-duplicate sub-databases; they show as the file's unaccounted rest.
int baseline_lmdb_print_pages(const char *directory, const char *const *names, size_t name_count,
                              double per);

#endif
