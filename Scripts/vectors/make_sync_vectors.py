#!/usr/bin/env python3
"""Writes Tests/MailvaultSyncTests/Vectors/sync.json: SHA-256 digests (hashlib), Negentropy
varints, fingerprints and messages, computed here from the protocol text
(hoytech/negentropy, docs/negentropy-protocol-v1.md) and never from the Swift code under test.
Standard library only; deterministic. Run from the repository root:
python3 Scripts/vectors/make_sync_vectors.py"""
import hashlib
import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent.parent / "Tests/MailvaultSyncTests/Vectors/sync.json"
INFINITY = 2**64 - 1


def pattern(seed, length):
    """Byte i of pattern `seed`, as Scripts/vectors/README.md defines it."""
    return bytes((i * 31 + seed * 7 + (i >> 8)) & 0xFF for i in range(length))


def pattern_id(seed, index):
    """The index-th id of a pattern set: byte j is (index * 7 + j * 13 + seed * 101 + (index >> 8) * 3) mod 256."""
    return bytes((index * 7 + j * 13 + seed * 101 + (index >> 8) * 3) & 0xFF for j in range(32))


def varint(n):
    digits = [n & 0x7F]
    n >>= 7
    while n:
        digits.append(n & 0x7F)
        n >>= 7
    digits.reverse()
    return bytes([d | 0x80 for d in digits[:-1]] + [digits[-1]])


def fingerprint(ids):
    total = sum(int.from_bytes(i, "little") for i in ids) % 2**256
    data = total.to_bytes(32, "little") + varint(len(ids))
    return total.to_bytes(32, "little"), hashlib.sha256(data).digest()[:16]


def encode_message(ranges):
    """ranges: (timestamp, prefix bytes, mode, payload) with payload a fingerprint or a list of ids."""
    out = bytearray([0x61])
    last = 0
    for timestamp, prefix, mode, payload in ranges:
        if timestamp == INFINITY:
            out += varint(0)
            last = INFINITY
        else:
            out += varint(timestamp - last + 1)
            last = timestamp
        out += varint(len(prefix)) + prefix + varint(mode)
        if mode == 1:
            out += payload
        elif mode == 2:
            out += varint(len(payload)) + b"".join(payload)
    return bytes(out)


rng = random.Random(20240611)


def random_id():
    return bytes(rng.getrandbits(8) for _ in range(32))


# SHA-256: FIPS 180-4's examples and patterned inputs around the block and padding edges.
assert hashlib.sha256(b"abc").hexdigest() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
sha = [{"seed": s, "length": n, "digest": hashlib.sha256(pattern(s, n)).hexdigest()}
       for s, n in [(0, 0), (1, 1), (2, 31), (3, 32), (4, 55), (5, 56), (6, 57), (7, 63), (8, 64), (9, 65),
                    (10, 119), (11, 120), (12, 128), (13, 1000), (14, 4096)]]

varints = [{"value": str(v), "hex": varint(v).hex()}
           for v in [0, 1, 127, 128, 129, 255, 16383, 16384, 2**21 - 1, 2**21, 1677970534, 2**32, 2**56, 2**63, INFINITY]]

fingerprints = []
for name, ids in [
    ("empty", []),
    ("one", [bytes(range(32))]),
    ("carries", [b"\xff" * 32, b"\xff" * 32, b"\x01" + b"\x00" * 31]),
    ("wraps to zero", [b"\xff" * 32, b"\x01" + b"\x00" * 31]),
    ("random 5", [random_id() for _ in range(5)]),
    ("random 200", [random_id() for _ in range(200)]),
]:
    total, fp = fingerprint(ids)
    fingerprints.append({"name": name, "ids": [i.hex() for i in ids], "sum": total.hex(), "fingerprint": fp.hex()})
for seed, count in [(1, 127), (2, 128), (3, 20000)]:
    total, fp = fingerprint([pattern_id(seed, i) for i in range(count)])
    fingerprints.append({"name": f"pattern {seed} x {count}", "patternSeed": seed, "patternCount": count,
                         "sum": total.hex(), "fingerprint": fp.hex()})

messages = []
for name, ranges in [
    ("version only", []),
    ("one fingerprint to infinity", [(INFINITY, b"", 1, fingerprint([])[1])]),
    ("empty id list to infinity", [(INFINITY, b"", 2, [])]),
    ("skip, fingerprint, id list", [
        (1677970534, b"", 0, None),
        (1677970600, b"\x12\x34", 1, fingerprint([bytes(32)])[1]),
        (1677970600, b"\x12\x35", 2, [random_id(), random_id()]),
        (INFINITY, b"", 0, None),
    ]),
    ("full 32-byte prefix and large timestamps", [
        (0, b"\x00\x01", 0, None),
        (2**40, random_id(), 1, bytes(range(16))),
        (2**63, b"", 2, [random_id()]),
    ]),
]:
    messages.append({
        "name": name,
        "hex": encode_message(ranges).hex(),
        "ranges": [{"timestamp": None if t == INFINITY else str(t), "prefix": p.hex(), "mode": m,
                    "fingerprint": pl.hex() if m == 1 else None,
                    "ids": [i.hex() for i in pl] if m == 2 else None} for t, p, m, pl in ranges],
    })

OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(json.dumps({"sha256": sha, "varints": varints, "fingerprints": fingerprints, "messages": messages},
                          indent=1) + "\n")
print(f"wrote {OUT}")
