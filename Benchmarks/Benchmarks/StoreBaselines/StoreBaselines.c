#include "StoreBaselines.h"

#include <lmdb.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

int baseline_lmdb_ingest(const char *directory, const uint8_t *keys, size_t key_size,
                         const uint8_t *values, const size_t *offsets, size_t count, size_t batch) {
    MDB_env *env;
    int rc = mdb_env_create(&env);
    if (rc) return rc;
    mdb_env_set_mapsize(env, (size_t)1 << 36);
    rc = mdb_env_open(env, directory, 0, 0644);
    if (rc) { mdb_env_close(env); return rc; }
    MDB_dbi dbi;
    for (size_t start = 0; start < count; start += batch) {
        MDB_txn *txn;
        rc = mdb_txn_begin(env, NULL, 0, &txn);
        if (rc) break;
        if (start == 0 && (rc = mdb_dbi_open(txn, NULL, 0, &dbi))) { mdb_txn_abort(txn); break; }
        size_t end = start + batch < count ? start + batch : count;
        for (size_t i = start; i < end && !rc; i++) {
            MDB_val k = { key_size, (void *)(keys + i * key_size) };
            MDB_val v = { offsets[i + 1] - offsets[i], (void *)(values + offsets[i]) };
            rc = mdb_put(txn, dbi, &k, &v, 0);
        }
        if (rc) { mdb_txn_abort(txn); break; }
        rc = mdb_txn_commit(txn);
        if (rc) break;
    }
    mdb_env_close(env);
    return rc;
}

int baseline_sqlite_ingest(const char *path, const uint8_t *hashes, const uint32_t *topics,
                           const uint32_t *timestamps, const uint8_t *values, const size_t *offsets,
                           size_t count, size_t batch) {
    sqlite3 *db;
    int rc = sqlite3_open(path, &db);
    if (rc) return rc;
    // nwaku's store: one row per message keyed by its hash, with the topics, payload and
    // timestamps, and an index for time-range queries.
    const char *schema =
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=FULL;"
        "CREATE TABLE IF NOT EXISTS messages ("
        "  messageHash BLOB PRIMARY KEY, pubsubTopic BLOB NOT NULL, contentTopic BLOB NOT NULL,"
        "  payload BLOB, version INTEGER NOT NULL, timestamp INTEGER NOT NULL, meta BLOB"
        ") WITHOUT ROWID;"
        "CREATE INDEX IF NOT EXISTS i_ts ON messages (contentTopic, pubsubTopic, timestamp);"
        "CREATE INDEX IF NOT EXISTS i_time ON messages (timestamp);";
    rc = sqlite3_exec(db, schema, NULL, NULL, NULL);
    if (rc) { sqlite3_close(db); return rc; }
    sqlite3_stmt *insert;
    rc = sqlite3_prepare_v2(db,
        "INSERT OR IGNORE INTO messages (messageHash, pubsubTopic, contentTopic, payload, version, timestamp, meta)"
        " VALUES (?, ?, ?, ?, 1, ?, NULL)", -1, &insert, NULL);
    if (rc) { sqlite3_close(db); return rc; }
    static const char pubsub[] = "/waku/2/default-waku/proto";
    for (size_t start = 0; start < count && !rc; start += batch) {
        rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        size_t end = start + batch < count ? start + batch : count;
        for (size_t i = start; i < end && !rc; i++) {
            uint8_t topic[4] = { topics[i] >> 24, topics[i] >> 16, topics[i] >> 8, topics[i] };
            sqlite3_bind_blob(insert, 1, hashes + i * 32, 32, SQLITE_STATIC);
            sqlite3_bind_blob(insert, 2, pubsub, sizeof(pubsub) - 1, SQLITE_STATIC);
            sqlite3_bind_blob(insert, 3, topic, 4, SQLITE_TRANSIENT);
            sqlite3_bind_blob(insert, 4, values + offsets[i], (int)(offsets[i + 1] - offsets[i]), SQLITE_STATIC);
            // nwaku stores nanoseconds.
            sqlite3_bind_int64(insert, 5, (sqlite3_int64)timestamps[i] * 1000000000LL);
            rc = sqlite3_step(insert) == SQLITE_DONE ? 0 : sqlite3_errcode(db);
            sqlite3_reset(insert);
        }
        if (!rc) rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    }
    sqlite3_finalize(insert);
    sqlite3_close(db);
    return rc;
}

int baseline_statusgo_build(const char *directory, const uint8_t *keys40, const uint8_t *values,
                            const size_t *offsets, size_t count, size_t batch) {
    return baseline_lmdb_ingest(directory, keys40, 40, values, offsets, count, batch);
}

static MDB_env *statusgo_env;
static MDB_dbi statusgo_dbi;

long baseline_statusgo_query(const char *directory, uint32_t from, uint32_t to, const uint32_t *topics,
                             size_t topic_count, size_t limit, size_t *bytes_read) {
    if (!statusgo_env) {
        if (mdb_env_create(&statusgo_env)) return -1;
        mdb_env_set_mapsize(statusgo_env, (size_t)1 << 36);
        if (mdb_env_open(statusgo_env, directory, MDB_RDONLY, 0644)) return -1;
        MDB_txn *txn;
        if (mdb_txn_begin(statusgo_env, NULL, MDB_RDONLY, &txn)) return -1;
        if (mdb_dbi_open(txn, NULL, 0, &statusgo_dbi)) return -1;
        mdb_txn_commit(txn);
    }
    MDB_txn *txn;
    if (mdb_txn_begin(statusgo_env, NULL, MDB_RDONLY, &txn)) return -1;
    MDB_cursor *cursor;
    mdb_cursor_open(txn, statusgo_dbi, &cursor);
    uint8_t start[4] = { from >> 24, from >> 16, from >> 8, from };
    MDB_val k = { 4, start }, v;
    long found = 0;
    size_t bytes = 0;
    int rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && (size_t)found < limit) {
        const uint8_t *key = k.mv_data;
        uint32_t sent = (uint32_t)key[0] << 24 | (uint32_t)key[1] << 16 | (uint32_t)key[2] << 8 | key[3];
        if (sent > to) break;
        uint32_t topic = (uint32_t)key[36] << 24 | (uint32_t)key[37] << 16 | (uint32_t)key[38] << 8 | key[39];
        for (size_t i = 0; i < topic_count; i++) {
            if (topics[i] == topic) {
                // status-go decoded each matching envelope; touching its bytes is the least of it.
                const uint8_t *data = v.mv_data;
                bytes += v.mv_size + data[v.mv_size - 1];
                found++;
                break;
            }
        }
        rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cursor);
    mdb_txn_abort(txn);
    if (bytes_read) *bytes_read = bytes;
    return found;
}

void baseline_statusgo_close(void) {
    if (statusgo_env) mdb_env_close(statusgo_env);
    statusgo_env = NULL;
}

int baseline_lmdb_print_pages(const char *directory, const char *const *names, size_t name_count,
                              double per) {
    MDB_env *env;
    int rc = mdb_env_create(&env);
    if (rc) return rc;
    mdb_env_set_maxdbs(env, 32);
    mdb_env_set_mapsize(env, (size_t)1 << 36);
    rc = mdb_env_open(env, directory, MDB_RDONLY, 0644);
    if (rc) { mdb_env_close(env); return rc; }
    MDB_txn *txn;
    rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
    if (rc) { mdb_env_close(env); return rc; }
    for (size_t i = 0; i < name_count && !rc; i++) {
        MDB_dbi dbi;
        MDB_stat st;
        if (mdb_dbi_open(txn, names[i], 0, &dbi)) continue;
        rc = mdb_stat(txn, dbi, &st);
        if (rc) break;
        size_t pages = st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages;
        printf("%-12s entries %9zu  depth %u  branch %7zu  leaf %7zu  overflow %8zu  bytes/envelope %8.1f\n",
               names[i], st.ms_entries, st.ms_depth, st.ms_branch_pages, st.ms_leaf_pages,
               st.ms_overflow_pages, (double)pages * st.ms_psize / per);
    }
    // Free list: database 0, transaction id -> page number list whose first word is its length.
    size_t free_pages = 0;
    MDB_cursor *cursor;
    if (mdb_cursor_open(txn, 0, &cursor) == 0) {
        MDB_val k, v;
        int c = mdb_cursor_get(cursor, &k, &v, MDB_FIRST);
        while (c == 0) {
            free_pages += *(size_t *)v.mv_data;
            c = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
        }
        mdb_cursor_close(cursor);
    }
    MDB_stat all;
    mdb_env_stat(env, &all);
    MDB_envinfo info;
    mdb_env_info(env, &info);
    printf("%-12s pages %zu  free %zu  bytes/envelope %8.1f (free %.1f)\n", "file", info.me_last_pgno + 1,
           free_pages, (double)(info.me_last_pgno + 1) * all.ms_psize / per, (double)free_pages * all.ms_psize / per);
    mdb_txn_abort(txn);
    mdb_env_close(env);
    return rc;
}
