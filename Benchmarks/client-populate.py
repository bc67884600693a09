#!/usr/bin/env python3
"""Posts COUNT envelopes of one topic set to the honest providers, and all but every 100th to
the withholding one: the data of Benchmarks/client-bench. Envelopes are Whisper v6 RLP
([expiry, ttl, topic, data, nonce]) with no proof of work (the providers run with --min-pow 0),
sent within the last minutes, so that they fall inside every provider's coverage.

Usage: client-populate.py COUNT TOPICS_FILE HONEST_URL [HONEST_URL ...] WITHHOLDER_URL
Writes the topics (comma-separated hex) to TOPICS_FILE and prints how many each provider got."""
import os
import random
import sys
import time
import urllib.request

TOPICS = [bytes([0xc1, 0x1e, 0x00, n]) for n in range(4)]


def rlp_bytes(data: bytes) -> bytes:
    if len(data) == 1 and data[0] < 0x80:
        return data
    return rlp_length(len(data), 0x80) + data


def rlp_int(value: int) -> bytes:
    return rlp_bytes(value.to_bytes((value.bit_length() + 7) // 8, "big") if value else b"")


def rlp_length(length: int, offset: int) -> bytes:
    if length < 56:
        return bytes([offset + length])
    encoded = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([offset + 55 + len(encoded)]) + encoded


def rlp_list(items: list) -> bytes:
    payload = b"".join(items)
    return rlp_length(len(payload), 0xC0) + payload


def envelope(index: int, now: int, rng: random.Random) -> bytes:
    ttl = 86_400
    sent = now - rng.randrange(60, 600)
    data = index.to_bytes(8, "big") + rng.randbytes(rng.randrange(100, 400))
    return rlp_list([rlp_int(sent + ttl), rlp_int(ttl), rlp_bytes(TOPICS[index % len(TOPICS)]), rlp_bytes(data),
                     rlp_int(rng.getrandbits(64))])


def post(url: str, envelopes: list) -> None:
    request = urllib.request.Request(url + "/v1/envelopes", data=rlp_list(envelopes), method="POST",
                                     headers={"Content-Type": "application/x-rlp"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        if answer.status != 200:
            raise SystemExit(f"client-populate: {url} answered {answer.status}")
        answer.read()


def main() -> None:
    if len(sys.argv) < 5:
        raise SystemExit(__doc__)
    count, topics_file, urls = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    honest, withholder = urls[:-1], urls[-1]
    rng = random.Random(int.from_bytes(os.urandom(8), "big"))
    now = int(time.time())
    envelopes = [envelope(index, now, rng) for index in range(count)]
    for start in range(0, count, 1000):
        batch = envelopes[start:start + 1000]
        for url in honest:
            post(url, batch)
        post(withholder, [e for offset, e in enumerate(batch) if (start + offset) % 100 != 99])
    with open(topics_file, "w") as out:
        out.write(",".join("0x" + topic.hex() for topic in TOPICS))
    print(f"posted {count} envelopes to {len(honest)} honest providers, {count - count // 100} to the withholder")


main()
