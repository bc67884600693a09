/*
 * Mailvault C API example: decode and verify a batch, seal envelopes, store them in a fresh
 * directory, query them two pages at a time, close. Build (Docs/CAPI.md):
 *
 *   swift build -c release --product MailvaultC
 *   cc -std=c11 -I Sources/MailvaultC/include Docs/examples/c/example.c \
 *      -L .build/release -lMailvaultC -Wl,-rpath,$PWD/.build/release -o example
 *   ./example            # one cycle, prints what it does
 *   ./example 20         # 20 open/ingest/query/close cycles (the leak check runs this)
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mailvault.h"

#define CHECK(call)                                                                        \
    do {                                                                                   \
        int status_ = (call);                                                              \
        if (status_ != MV_OK) {                                                            \
            fprintf(stderr, "%s:%d: %s -> %s: %s\n", __FILE__, __LINE__, #call,            \
                    mv_status_name(status_), mv_last_error_message());                    \
            exit(1);                                                                       \
        }                                                                                  \
    } while (0)

static void print_hex(const char *label, const uint8_t *bytes, size_t count) {
    printf("%s", label);
    for (size_t i = 0; i < count; i++) printf("%02x", bytes[i]);
    printf("\n");
}

static int remove_entry(const char *path, const struct stat *info, int flag, struct FTW *ftw) {
    (void)info; (void)flag; (void)ftw;
    return remove(path);
}

/* The public go-ethereum vector: TTL 1, expiry 0, topic 00000000, data deadbeef, nonce 276. */
static const uint8_t vector[] = {0xcf, 0x80, 0x01, 0x84, 0x00, 0x00, 0x00, 0x00,
                                 0x84, 0xde, 0xad, 0xbe, 0xef, 0x82, 0x01, 0x14};
/* The same with the nonce written with a leading zero byte: not canonical, must not decode. */
static const uint8_t non_canonical[] = {0xd0, 0x80, 0x01, 0x84, 0x00, 0x00, 0x00, 0x00, 0x84,
                                        0xde, 0xad, 0xbe, 0xef, 0x83, 0x00, 0x01, 0x14};

static void decode_and_verify(void) {
    mv_envelope *envelope = NULL;
    CHECK(mv_envelope_decode(vector, sizeof vector, &envelope));
    mv_envelope_fields fields;
    CHECK(mv_envelope_get_fields(envelope, &fields));
    mv_work work;
    CHECK(mv_envelope_work(envelope, &work));
    printf("decode: expiry=%u ttl=%u nonce=%llu data_length=%zu pow=%.17g\n", fields.expiry, fields.ttl,
           (unsigned long long)fields.nonce, fields.data_length, work.pow);
    print_hex("decode: pow_hash=", work.pow_hash, 32);
    mv_envelope_free(envelope);

    int status = mv_envelope_decode(non_canonical, sizeof non_canonical, &envelope);
    printf("decode non-canonical: %s\n", mv_status_name(status));

    const uint8_t *batch[] = {vector, non_canonical, vector};
    size_t lengths[] = {sizeof vector, sizeof non_canonical, sizeof vector};
    mv_work results[3];
    CHECK(mv_verify_batch(batch, lengths, 3, results));
    for (int i = 0; i < 3; i++) {
        printf("verify[%d]: %s pow=%.17g\n", i, mv_status_name(results[i].status),
               results[i].status == MV_OK ? results[i].pow : 0.0);
    }

    uint8_t topic[4] = {0x00, 0x00, 0xff, 0x06}, bloom[64], sample[64];
    CHECK(mv_topic_bloom(topic, bloom));
    printf("bloom: byte0=%02x byte32=%02x byte63=%02x\n", bloom[0], bloom[32], bloom[63]);
    uint8_t other[4] = {0x12, 0x34, 0x56, 0x78};
    CHECK(mv_topic_bloom(other, sample));
    int match = -1;
    CHECK(mv_bloom_match(bloom, sample, &match));
    printf("bloom: own topic filter matches another topic: %d\n", match);
}

#define ENVELOPES 10
#define SENT_BASE 1700000000u

/* Seals ENVELOPES small envelopes (one thread: deterministic nonces) on two topics. */
static void seal_batch(mv_envelope *sealed[ENVELOPES]) {
    mv_cancel *cancel = mv_cancel_new();
    for (unsigned i = 0; i < ENVELOPES; i++) {
        uint8_t payload[16];
        for (unsigned j = 0; j < sizeof payload; j++) payload[j] = (uint8_t)(i * 31 + j);
        mv_seal_options options;
        mv_seal_options_init(&options);
        options.ttl = 3600;
        options.expiry = SENT_BASE + i + options.ttl;
        options.topic[0] = 0xca;
        options.topic[3] = (uint8_t)(i % 2);
        options.data = payload;
        options.data_length = sizeof payload;
        options.target_pow = 0.002;
        options.threads = 1;
        CHECK(mv_seal(&options, cancel, &sealed[i], NULL));
    }
    mv_cancel_free(cancel);
}

static void store_cycle(mv_envelope *sealed[ENVELOPES], int verbose) {
    char directory[] = "/tmp/mailvault-example-XXXXXX";
    if (!mkdtemp(directory)) {
        perror("mkdtemp");
        exit(1);
    }
    mv_store_options options;
    mv_store_options_init(&options);
    options.retention_max_age = 7 * 24 * 3600;
    options.compression_level = 3;
    options.initial_map_bytes = 8u << 20;
    mv_store *store = NULL;
    CHECK(mv_store_open(directory, &options, &store));

    const uint8_t *bytes[ENVELOPES];
    size_t lengths[ENVELOPES];
    for (int i = 0; i < ENVELOPES; i++) {
        mv_envelope_fields fields;
        CHECK(mv_envelope_get_fields(sealed[i], &fields));
        bytes[i] = fields.encoded;
        lengths[i] = fields.encoded_length;
    }
    mv_ingest_result results[ENVELOPES];
    CHECK(mv_store_ingest(store, bytes, lengths, ENVELOPES, results));
    int stored = 0;
    for (int i = 0; i < ENVELOPES; i++) stored += results[i].status == MV_INGEST_STORED;
    CHECK(mv_store_ingest(store, bytes, lengths, 2, results));
    if (verbose) {
        printf("ingest: stored=%d again: %d %d (1 = duplicate)\n", stored, results[0].status, results[1].status);
    }

    /* Topic ca000001 only (5 envelopes), 3 per page: two pages. */
    uint8_t topic[4] = {0xca, 0x00, 0x00, 0x01};
    mv_query query;
    mv_query_init(&query);
    query.from = SENT_BASE;
    query.to = SENT_BASE + 100;
    query.topics = topic;
    query.topic_count = 1;
    query.limit = 3;
    uint8_t cursor[36];
    for (int page = 1; page <= 2; page++) {
        mv_result *result = NULL;
        CHECK(mv_store_query(store, &query, &result));
        size_t count = mv_result_count(result);
        if (verbose) printf("page %d: %zu envelopes\n", page, count);
        for (size_t i = 0; i < count; i++) {
            const mv_result_entry *entry = NULL;
            CHECK(mv_result_entry_at(result, i, &entry));
            mv_envelope *envelope = NULL;
            CHECK(mv_envelope_decode(entry->bytes, entry->length, &envelope));
            mv_envelope_fields fields;
            CHECK(mv_envelope_get_fields(envelope, &fields));
            if (verbose) {
                printf("  sent=%u topic=%02x%02x%02x%02x bytes=%zu\n", entry->sent, fields.topic[0], fields.topic[1],
                       fields.topic[2], fields.topic[3], entry->length);
            }
            mv_envelope_free(envelope);
        }
        int has_more = 0;
        CHECK(mv_result_next_cursor(result, cursor, &has_more));
        if (verbose) printf("page %d: more=%d\n", page, has_more);
        mv_result_free(result);
        query.cursor = cursor;
        query.cursor_length = sizeof cursor;
    }

    uint8_t hash[32];
    CHECK(mv_envelope_hash(sealed[0], hash));
    mv_envelope *found = NULL;
    CHECK(mv_store_get(store, hash, sizeof hash, &found));
    mv_envelope_free(found);
    uint8_t hashes[64], present[2];
    memcpy(hashes, hash, 32);
    memset(hashes + 32, 0xab, 32);
    CHECK(mv_store_presence(store, hashes, 2, present));

    mv_store_stats stats;
    CHECK(mv_store_stats_get(store, &stats));
    mv_sweep_report report;
    CHECK(mv_store_sweep(store, SENT_BASE + 7 * 24 * 3600 + 5, &report));
    if (verbose) {
        printf("lookup: found, presence=%d%d\n", present[0], present[1]);
        printf("stats: envelopes=%llu topics=%llu\n", (unsigned long long)stats.envelopes,
               (unsigned long long)stats.topics);
        printf("sweep: expired=%llu\n", (unsigned long long)report.expired);
    }

    CHECK(mv_store_close(store));
    int again = mv_store_close(store);
    if (verbose) printf("close again: %s\n", mv_status_name(again));
    mv_store_free(store);
    nftw(directory, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int main(int argc, char **argv) {
    int cycles = argc > 1 ? atoi(argv[1]) : 1;
    if (mv_api_version() >> 16 != MV_API_VERSION_MAJOR) {
        fprintf(stderr, "library API %u.%u, header %d.%d\n", mv_api_version() >> 16, mv_api_version() & 0xffff,
                MV_API_VERSION_MAJOR, MV_API_VERSION_MINOR);
        return 1;
    }
    printf("mailvault %s (API %u.%u)\n", mv_version_string(), mv_api_version() >> 16, mv_api_version() & 0xffff);
    decode_and_verify();
    mv_envelope *sealed[ENVELOPES];
    seal_batch(sealed);
    for (int cycle = 0; cycle < cycles; cycle++) store_cycle(sealed, cycle == 0);
    for (int i = 0; i < ENVELOPES; i++) mv_envelope_free(sealed[i]);
    printf("cycles: %d\n", cycles);
    return 0;
}
