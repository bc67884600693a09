#!/usr/bin/env python3
"""Writes the seed corpus Fuzz/Corpus/<target>/ from the committed test vectors (which come from
an independent implementation, see Scripts/vectors/). Run from the repository root:
python3 Fuzz/make_corpus.py"""
import json
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VECTORS = ROOT / "Tests/MailvaultCoreTests/Vectors"
CORPUS = ROOT / "Fuzz/Corpus"


def load(name):
    return json.loads((VECTORS / name).read_text())


def write(target, name, data: bytes):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def rlp_list(payload: bytes) -> bytes:
    if len(payload) < 56:
        return bytes([0xC0 + len(payload)]) + payload
    size = len(payload).to_bytes((len(payload).bit_length() + 7) // 8, "big")
    return bytes([0xF7 + len(size)]) + size + payload


envelopes = [bytes.fromhex(v["rlp"]) for v in load("envelopes.json") if "rlp" in v and len(v["rlp"]) <= 8192]
invalid = [(v["error"], bytes.fromhex(v["rlp"])) for v in load("invalid_envelopes.json")]
suite = load("rlp_suite.json")

for target in ("FuzzEnvelope", "FuzzCDecode"):
    for index, envelope in enumerate(envelopes):
        write(target, f"valid-{index:02}", envelope)
    for index, (error, data) in enumerate(invalid):
        write(target, f"invalid-{index:02}-{error}", data)

for index, case in enumerate(suite["valid"]):
    write("FuzzRLP", f"valid-{index:02}", bytes.fromhex(case["out"]))
for index, case in enumerate(suite["invalid"]):
    write("FuzzRLP", f"invalid-{index:02}", bytes.fromhex(case["out"]))

write("FuzzPacket", "empty", bytes([0xC0]))
write("FuzzPacket", "one", rlp_list(envelopes[0]))
write("FuzzPacket", "small-mixed", rlp_list(b"".join(envelopes[:12])))
write("FuzzPacket", "with-invalid", rlp_list(envelopes[1] + invalid[0][1]))

for length in (0, 1, 45, 46, 136, 137, 255):
    write("FuzzKeccakLanes", f"lengths-{length}", bytes([length % 256]) + bytes(range(256))[: length * 3 % 256])
write("FuzzKeccakLanes", "many", bytes([45, 0] * 200) + bytes(range(256)) * 4)

for name, text in [("topic", "0x0000ff06"), ("hash", "0x" + "ab" * 32), ("bloom", "0x" + "01" * 64),
                   ("upper", "0XDEADBEEF"), ("odd", "0xabc"), ("empty", "")]:
    write("FuzzHex", name, text.encode())
stream = b"".join(envelopes[:20])
write("FuzzImportStream", "raw-20", stream)
write("FuzzImportStream", "raw-truncated", stream[:-7])
write("FuzzImportStream", "raw-with-invalid", envelopes[0] + invalid[3][1] + envelopes[1])
if shutil.which("zstd"):  # the zstd command-line tool, independent of Mailvault's writer
    compressed = subprocess.run(["zstd", "-q", "-c", "-3"], input=stream, capture_output=True, check=True).stdout
    write("FuzzImportStream", "zstd-20", compressed)
    write("FuzzImportStream", "zstd-truncated", compressed[: len(compressed) // 2])

def query_seed(from_, to, topics, bloom, limit, cursor):
    out = from_.to_bytes(4, "big") + to.to_bytes(4, "big") + len(topics).to_bytes(2, "big")
    out += b"".join(topics) + bytes([len(bloom)]) + bloom + limit.to_bytes(2, "big")
    return out + bytes([len(cursor)]) + cursor

write("FuzzQueryParts", "everything", query_seed(0, 2**32 - 1, [], b"", 0, b""))
write("FuzzQueryParts", "topics", query_seed(10, 20, [bytes([1, 2, 3, i]) for i in range(10)], b"", 102, b""))
write("FuzzQueryParts", "bloom-cursor", query_seed(5, 5, [], b"\xff" * 64, 1002, bytes(range(36))))
print("corpus written")


# The HTTP API's parsers (Sources/MailvaultAPI): query strings and JSON bodies.
QUERIES = {
    "empty": "",
    "defaults": "from=0&to=4294967295",
    "topics": "from=1700000000&to=1700003600&topics=0xdeadbeef%2C0x01020304&limit=50",
    "bloom": "bloom=0x" + "ff" * 64 + "&limit=1000",
    "cursor": "cursor=0x" + "6553f100" + "ab" * 32 + "&limit=1",
    "plus-and-percent": "topics=%30xdeadbeef,01020304&limit=1%30",
    "bad-limit": "limit=1001",
    "duplicate": "limit=1&limit=2",
    "unknown": "since=5",
}
for name, text in QUERIES.items():
    write("FuzzQueryString", name, text.encode())

def envelope_json(expiry, ttl, topic, data, nonce):
    return (f'{{"expiry":{expiry},"ttl":{ttl},"topic":"0x{topic.hex()}",'
            f'"data":"0x{data.hex()}","nonce":{nonce}}}')

BODIES = {
    "vector": '{"envelopes":[' + envelope_json(0, 1, bytes(4), bytes.fromhex("deadbeef"), 276) + "]}",
    "two": '{"envelopes":[' + envelope_json(1700000050, 50, b"\xde\xad\xbe\xef", b"hello", 2**64 - 1) + ","
           + envelope_json(4294967295, 4294967295, b"\xff" * 4, b"", 0) + "]}",
    "empty": '{"envelopes":[]}',
    "wrong-type": '{"envelopes":[{"expiry":"1","ttl":1,"topic":"0x00000000","data":"0x","nonce":1}]}',
    "presence": '{"hashes":["0x' + "ab" * 32 + '"]}',
}
for name, text in BODIES.items():
    write("FuzzIngestJSON", name, text.encode())

# Store paging: five bytes pick from, to, limit, a topic subset and bloom-or-topics; a sixth,
# with its top bit set, a page byte budget.
for name, seed in {"all-topics": bytes([0, 59, 7, 0x3F, 0]), "bloom": bytes([10, 30, 3, 0x05, 0x80]),
                   "none": bytes([5, 5, 1, 0, 0]), "budget": bytes([0, 59, 30, 0x3F, 0, 0x85]),
                   "budget-bloom": bytes([0, 59, 12, 0x03, 0x80, 0xC0])}.items():
    write("FuzzStorePaging", name, seed)


# Evidence files and signed documents (Sources/MailvaultAccountability), signed with coincurve
# (an independent secp256k1) when it is installed: pip install coincurve pycryptodome.
def evidence_seeds():
    try:
        import coincurve
        from Crypto.Hash import keccak
    except ImportError:
        print("coincurve or pycryptodome missing: FuzzEvidence seeds not written")
        return

    def k256(data):
        return keccak.new(digest_bits=256, data=data).digest()

    key = coincurve.PrivateKey(bytes(range(1, 33)))
    address = "0x" + k256(key.public_key.format(compressed=False)[1:])[-20:].hex()

    def sign(kind, document):
        digest = k256(b"mailvault/v1/" + kind.encode() + b"\x00" + document)
        signature = key.sign_recoverable(digest, hasher=None)
        return {"kind": kind, "document": document.decode(), "signature": "0x" + signature.hex(), "signer": address}

    envelope = envelopes[0]
    key_hex = "0x" + (1700000000).to_bytes(4, "big").hex() + "ab" * 32
    chain = k256(b"mailvault/v1/receipt-chain")
    chain = k256(chain + bytes.fromhex(key_hex[2:]))
    receipt = {
        "commitment": "0x" + chain.hex(), "count": 1, "coverage": {"from": 0, "gaps": [], "maximumAge": 2592000,
        "minimumPoW": 0}, "descriptor": "0x" + "00" * 32, "endpoint": "hashes", "first": key_hex, "last": key_hex,
        "provider": address, "query": {"from": 0, "limit": 100, "to": 4294967295, "topics": []},
        "serverTime": 1700000000, "version": 1}
    signed = sign("receipt", json.dumps(receipt, sort_keys=True, separators=(",", ":")).encode())
    write("FuzzEvidence", "signed-receipt", json.dumps(signed).encode())
    evidence = {"receipt": signed, "keys": [key_hex], "envelope": "0x" + envelope.hex()}
    write("FuzzEvidence", "evidence", json.dumps(evidence).encode())
    write("FuzzEvidence", "evidence-no-keys", json.dumps({**evidence, "keys": []}).encode())

    # Version 2: one hash over the keys, signed in a batch of two (the receipt carries its path).
    receipt2 = {**receipt, "version": 2,
                "commitment": "0x" + k256(b"mailvault/v1/receipt-keys\x00" + bytes.fromhex(key_hex[2:])).hex()}
    document2 = json.dumps(receipt2, sort_keys=True, separators=(",", ":")).encode()
    leaf = k256(b"mailvault/v1/receipt\x00" + document2)
    sibling = k256(b"mailvault/v1/receipt\x00" + b'{"count":0}')
    root = k256(b"\x01" + leaf + sibling)
    batched = {"kind": "receipt", "document": document2.decode(), "path": [{"right": "0x" + sibling.hex()}],
               "signature": "0x" + key.sign_recoverable(root, hasher=None).hex(), "signer": address}
    write("FuzzEvidence", "batched-receipt", json.dumps(batched).encode())
    write("FuzzEvidence", "evidence-batched", json.dumps({**evidence, "receipt": batched}).encode())


evidence_seeds()


def answer_seeds():
    """Answers a client reads back: a hashes page with a receipt, an envelope page, checkpoints."""
    hash_hex = "0x" + "02" * 32
    receipt = {"document": "{}", "kind": "receipt", "path": [{"left": "0x" + "01" * 32}],
               "signature": "0x" + "00" * 65, "signer": "0x" + "00" * 20}
    hashes = {"hashes": [{"sent": 7, "hash": hash_hex, "topic": "0x01020304"}], "cursor": None, "receipt": receipt}
    write("FuzzAnswerBody", "hashes.json", json.dumps(hashes).encode())
    write("FuzzAnswerBody", "envelopes.json",
          json.dumps({"envelopes": [], "cursor": "0x00000007" + "02" * 32}).encode())
    write("FuzzAnswerBody", "checkpoints.json", json.dumps({"checkpoints": [receipt]}).encode())
    write("FuzzAnswerBody", "directory.json", json.dumps({"providers": [receipt, receipt]}).encode())


answer_seeds()


def sync_body_seeds():
    """Hash lists and announcement values as peers send them (Docs/Sync.md)."""
    write("FuzzSyncBodies", "one-hash", bytes(range(32)))
    write("FuzzSyncBodies", "two-hashes", bytes(range(32)) + bytes(reversed(range(32))))
    key = "0x" + "65f1a2b3" + "ab" * 32
    write("FuzzSyncBodies", "announcement", (key + "," + "0x" + "00" * 36).encode())
    write("FuzzSyncBodies", "bad-announcement", (key + ",0x12").encode())


sync_body_seeds()

def negentropy_seeds():
    """Negentropy messages (Sources/MailvaultSync): the Python encoder's vectors, the reference
    suite's probe, a version it does not speak, and openings over the fuzz index's time span."""
    vectors = json.loads((ROOT / "Tests/MailvaultSyncTests/Vectors/sync.json").read_text())
    for index, case in enumerate(vectors["messages"]):
        write("FuzzNegentropy", f"vector-{index}", bytes.fromhex(case["hex"]))
    write("FuzzNegentropy", "probe-full-idlist", bytes.fromhex("6100000200"))
    write("FuzzNegentropy", "version-2", bytes.fromhex("62aabbccddeeff"))
    fingerprint = bytes(range(16))
    # Skip to 1010, one fingerprint up to (1030, 0x80): the shape of a windowed opening.
    write("FuzzNegentropy", "window-opening", bytes([0x61, 0x87, 0x73, 0x00, 0x00, 21, 0x01, 0x80, 0x01]) + fingerprint)
    # Sixteen fingerprints across the index's timestamps 1000-1040, then one to infinity.
    ranges = bytes([0x87, 0x6A, 0x00, 0x01]) + fingerprint  # up to 1001
    for _ in range(15):
        ranges += bytes([0x03, 0x01, 0x5A, 0x01]) + fingerprint  # two seconds on, prefix 5a
    ranges += bytes([0x00, 0x00, 0x02, 0x01]) + bytes([0xEE] * 32)
    write("FuzzNegentropy", "split-opening", bytes([0x61]) + ranges)


negentropy_seeds()
