#!/usr/bin/env python3
"""Packed index runs (schema 9, Docs/Storage.md "Packed runs") and the packed primary index
(schema 10, "The packed primary index"), encoded from the formats' descriptions alone (chunks of
at most 128 bytes of topic entries, 96 of hash entries, 256 of primary entries): prints the
chunks of three fixed entry lists as hex, which Tests/MailvaultStoreTests/PackedRunsTests.swift
compares with PackedRuns.chunks(of:) (a primary chunk is stored as its first 13 bytes, the key,
and the rest, the value).

Topic entry i of 0..<160: topic (0, 1, 0x12345678, 0xFFFFFFFF)[i % 4],
sent (i * 7919 * 104729) mod 2^32, block (i * 31337) mod 2^32 when i % 5 == 0 else 1000 + i // 3,
offset (i * 40503) mod 2^16; plus (0, 0, 0, 0) and (2^32-1, 2^32-1, 2^32-1, 2^16-1); sorted, distinct.
Hash entry i of 0..<300: prefix (i * i * 13) mod 2^22, bucket (i * 2654435761) mod 2^26; plus
(0, 0) and (2^22-1, 2^26-1); sorted by (prefix, bucket), distinct.
Primary entry i of 0..<200: sent 1700000000 + (i * i * 7) mod 5000, hash prefix (3 bytes)
(i * 2654435761) mod 2^24, block (i * 7919) mod 2^32 when i % 6 == 0 else 50 + i // 7, offset
(i * 977) mod 2^16 when i % 3 == 0 else (i * 100) mod 60000; plus (0, 0, 0, 0) and
(2^32-1, 2^24-1, 2^32-1, 2^16-1); sorted by (sent, prefix, block, offset), distinct.
"""

TOPIC_CHUNK_BYTES, HASH_CHUNK_BYTES, PRIMARY_CHUNK_BYTES = 128, 96, 256


def leb128(value):
    assert 0 <= value < 1 << 35
    out = bytearray()
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def zigzag(value):
    return (value << 1) if value >= 0 else ((-value) << 1) - 1


def topic_full(e):
    topic, sent, block, offset = e
    return topic.to_bytes(4, "big") + sent.to_bytes(4, "big") + block.to_bytes(4, "big") + offset.to_bytes(2, "big")


def topic_delta(e, p):
    topic, sent, block, offset = e
    if topic == p[0]:
        head = leb128((sent - p[1]) << 1)
    else:
        head = leb128(((topic - p[0] - 1) << 1) | 1) + leb128(zigzag(sent - p[1]))
    return head + leb128(zigzag(block - p[2])) + offset.to_bytes(2, "big")


def hash_full(e):
    prefix, bucket = e
    return ((prefix << 26) | bucket).to_bytes(6, "big")


def hash_delta(e, p):
    dp = e[0] - p[0]
    head = leb128((zigzag(e[1] - p[1]) << 4) | min(dp, 15))
    return head + (leb128(dp - 15) if dp >= 15 else b"")


def primary_full(e):
    sent, prefix, block, offset = e
    return sent.to_bytes(4, "big") + prefix.to_bytes(3, "big") + block.to_bytes(4, "big") + offset.to_bytes(2, "big")


MODES = set()


def primary_delta(e, p):
    sent, prefix, block, offset = e
    ds = (sent - p[0]) << 2
    if block != p[2]:
        mode, rest = 2, leb128(zigzag(block - p[2])) + leb128(offset)
    elif offset >= p[3]:
        mode, rest = 0, leb128(offset - p[3])
    else:
        mode, rest = 1, leb128(p[3] - offset)
    MODES.add(mode)
    return leb128(ds | mode) + prefix.to_bytes(3, "big") + rest


def chunks(entries, full, delta, limit):
    out, chunk, previous = [], b"", None
    for e in entries:
        if previous is not None:
            d = delta(e, previous)
            if len(chunk) + len(d) <= limit:
                chunk += d
                previous = e
                continue
            out.append(chunk)
        chunk, previous = full(e), e
    if chunk:
        out.append(chunk)
    return out


def main():
    topics = {(0, 0, 0, 0), (2**32 - 1, 2**32 - 1, 2**32 - 1, 2**16 - 1)}
    for i in range(160):
        topics.add(((0, 1, 0x12345678, 0xFFFFFFFF)[i % 4], (i * 7919 * 104729) % 2**32,
                    (i * 31337) % 2**32 if i % 5 == 0 else 1000 + i // 3, (i * 40503) % 2**16))
    hashes = {(0, 0), (2**22 - 1, 2**26 - 1)}
    for i in range(300):
        hashes.add(((i * i * 13) % 2**22, (i * 2654435761) % 2**26))
    primary = {(0, 0, 0, 0), (2**32 - 1, 2**24 - 1, 2**32 - 1, 2**16 - 1)}
    for i in range(200):
        primary.add((1700000000 + (i * i * 7) % 5000, (i * 2654435761) % 2**24,
                     (i * 7919) % 2**32 if i % 6 == 0 else 50 + i // 7,
                     (i * 977) % 2**16 if i % 3 == 0 else (i * 100) % 60000))
    for name, entries, full, delta, limit in (("topic", sorted(topics), topic_full, topic_delta, TOPIC_CHUNK_BYTES),
                                              ("hash", sorted(hashes), hash_full, hash_delta, HASH_CHUNK_BYTES),
                                              ("primary", sorted(primary), primary_full, primary_delta,
                                               PRIMARY_CHUNK_BYTES)):
        result = chunks(entries, full, delta, limit)
        assert all(len(c) <= limit for c in result)
        assert [c[:len(full(entries[0]))] for c in result] == sorted(c[:len(full(entries[0]))] for c in result)
        print(f"{name}: {len(entries)} entries, {len(result)} chunks")
        for c in result:
            print(c.hex())
    assert MODES == {0, 1, 2}, MODES


if __name__ == "__main__":
    main()
