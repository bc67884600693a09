#!/usr/bin/env python3
"""Generate the MailvaultAccountability test vectors with independent Python implementations.

Writes Tests/MailvaultAccountabilityTests/Vectors/signatures.json:
  keys        secret key -> uncompressed public key and Ethereum address
  signatures  (key, kind, document) -> digest and 65-byte signature r ++ s ++ v (v = recovery id 0/1)
  chains      ordered 36-byte keys -> receipt commitment, version 1 (hash chain)
  commitments ordered 36-byte keys -> receipt commitment, version 2 (one hash)
  batches     documents signed together: the Merkle root over their digests, one signature over
              it, and each document in SignedDocument JSON form with its path to the root
  receipt     one QueryReceipt (version 2) signed in a batch of three, the page's key list, and an
              envelope (RLP) that is in the page's range but missing from it: proven evidence
  rejections  the same receipt with one defect each, and the reason the check must refuse it

Two implementations sign every document and must agree byte for byte: coincurve (libsecp256k1's
deterministic RFC 6979 nonces) and eth-keys' pure-Python backend (its own RFC 6979, low-s).
Addresses come from eth-keys; the digest rule (DESIGN.md, accountability; Docs/Accountability.md)
is computed here with pycryptodome's Keccak-256:

    digest = keccak256("mailvault/v1/" ++ kind ++ 0x00 ++ document bytes)

the receipt commitment (version 2) is one hash over the keys

    commitment = keccak256("mailvault/v1/receipt-keys" ++ 0x00 ++ key1 ++ ... ++ keyn),  key = BE32(sent) ++ hash

(version 1 was the chain c0 = keccak256("mailvault/v1/receipt-chain"), ci = keccak256(c(i-1) ++ keyi)),
and a batch signs the root of a Merkle tree over the documents' digests: neighbours pair up level
by level as keccak256(0x01 ++ left ++ right), a last node without a neighbour moves up as it is.

Hex is lowercase with a 0x prefix. The output is deterministic (fixed keys and seeds).

Run from the repository root:
    pip install -r Scripts/vectors/requirements.txt coincurve==21.0.0 eth-keys==0.8.0
    python3 Scripts/vectors/make_signature_vectors.py
"""

import json
import random
from pathlib import Path

import coincurve
import rlp
from Crypto.Hash import keccak
from eth_keys import KeyAPI
from eth_keys.backends import NativeECCBackend

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "MailvaultAccountabilityTests" / "Vectors"

# secp256k1's group order (SEC 2, section 2.4.1).
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

PURE = KeyAPI(NativeECCBackend)


def keccak256(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


def hx(data: bytes) -> str:
    return "0x" + data.hex()


def digest(kind: str, document: bytes) -> bytes:
    return keccak256(b"mailvault/v1/" + kind.encode() + b"\x00" + document)


def sign(secret: bytes, message_digest: bytes) -> bytes:
    """r ++ s ++ recovery id, from coincurve, checked against eth-keys' pure-Python signer."""
    ours = coincurve.PrivateKey(secret).sign_recoverable(message_digest, hasher=None)
    theirs = PURE.PrivateKey(secret).sign_msg_hash(message_digest).to_bytes()
    assert ours == theirs, (ours.hex(), theirs.hex())
    assert int.from_bytes(ours[32:64], "big") <= N // 2, "libsecp256k1 signs with low s"
    recovered = PURE.Signature(ours).recover_public_key_from_msg_hash(message_digest)
    assert recovered == PURE.PrivateKey(secret).public_key
    return ours


def public_key(secret: bytes) -> bytes:
    uncompressed = coincurve.PrivateKey(secret).public_key.format(compressed=False)
    assert uncompressed[1:] == PURE.PrivateKey(secret).public_key.to_bytes()
    return uncompressed


def address(secret: bytes) -> bytes:
    canonical = PURE.PrivateKey(secret).public_key.to_canonical_address()
    assert canonical == keccak256(public_key(secret)[1:])[-20:]
    return canonical


def chain(keys: list) -> bytes:
    link = keccak256(b"mailvault/v1/receipt-chain")
    for key in keys:
        assert len(key) == 36
        link = keccak256(link + key)
    return link


def commitment_v2(keys: list) -> bytes:
    assert all(len(k) == 36 for k in keys)
    return keccak256(b"mailvault/v1/receipt-keys\x00" + b"".join(keys))


def merkle(leaves: list) -> tuple:
    """The root over `leaves` and, for each leaf, its path: [(side of the sibling, sibling)]."""
    paths = [[] for _ in leaves]
    level = [(leaf, [i]) for i, leaf in enumerate(leaves)]
    while len(level) > 1:
        up = []
        for i in range(0, len(level), 2):
            if i + 1 == len(level):
                up.append(level[i])
                continue
            (left, under_left), (right, under_right) = level[i], level[i + 1]
            for leaf in under_left:
                paths[leaf].append(("right", right))
            for leaf in under_right:
                paths[leaf].append(("left", left))
            up.append((keccak256(b"\x01" + left + right), under_left + under_right))
        level = up
    return level[0][0], paths


def signed_batch(secret: bytes, items: list) -> list:
    """Signs [(kind, document)] with one signature over their Merkle root."""
    root, paths = merkle([digest(kind, document) for kind, document in items])
    signature = sign(secret, root)
    out = []
    for (kind, document), path in zip(items, paths):
        entry = {"kind": kind, "document": document.decode("utf-8"), "signature": hx(signature),
                 "signer": hx(address(secret))}
        if path:
            entry["path"] = [{side: hx(sibling)} for side, sibling in path]
        out.append(entry)
    return out


def key(sent: int, hash32: bytes) -> bytes:
    return sent.to_bytes(4, "big") + hash32


def int_bytes(n: int) -> bytes:
    return n.to_bytes((n.bit_length() + 7) // 8, "big")


def envelope_rlp(expiry: int, ttl: int, topic: bytes, data: bytes, nonce: int) -> bytes:
    return rlp.encode([int_bytes(expiry), int_bytes(ttl), topic, data, int_bytes(nonce)])


def signed(secret: bytes, kind: str, document: bytes) -> dict:
    signature = sign(secret, digest(kind, document))
    return {"kind": kind, "document": document.decode("utf-8"), "signature": hx(signature),
            "signer": hx(address(secret))}


def canonical_json(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


SECRETS = [
    (1).to_bytes(32, "big"),
    (2).to_bytes(32, "big"),
    (N - 1).to_bytes(32, "big"),
    keccak256(b"mailvault provider one"),
    keccak256(b"mailvault provider two"),
    bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"),
]

DOCUMENTS = [
    ("descriptor", b'{"version":1}'),
    ("receipt", b'{"count":0,"endpoint":"hashes"}'),
    ("checkpoint", b'{"count":3,"fingerprint":"0x00"}'),
    ("receipt", b""),
    ("descriptor", "{\"software\":\"mailvault/0.1.0 \u00e9\u4e2d\",\"endpoints\":[\"https://a.example/v1\"]}".encode()),
    ("checkpoint", bytes(range(0x20, 0x7F))),
]


def receipt_case(rng: random.Random) -> tuple:
    """A provider's receipt for a hashes page of topic 0xdeadbeef over [1_700_000_000 - 50, 1_700_000_000],
    and an envelope of that topic and range that the page omits."""
    secret = SECRETS[3]
    now = 1_700_000_000
    topic = bytes.fromhex("deadbeef")
    envelopes = []
    for index in range(6):
        sent = now - 40 + 5 * index
        data = bytes(rng.randrange(256) for _ in range(24))
        raw = envelope_rlp(sent + 100, 100, topic, data, index + 1)
        envelopes.append((key(sent, keccak256(raw)), raw))
    envelopes.sort()
    missing_key, missing_raw = envelopes[3]
    page = [k for k, _ in envelopes if k != missing_key]
    receipt = {
        "version": 2,
        "endpoint": "hashes",
        "provider": hx(address(secret)),
        "descriptor": hx(keccak256(b"a descriptor")),
        "serverTime": now,
        "query": {"from": now - 50, "to": now, "topics": ["0xdeadbeef"], "bloom": None, "limit": 100, "cursor": None},
        "count": len(page),
        "first": hx(page[0]),
        "last": hx(page[-1]),
        "commitment": hx(commitment_v2(page)),
        "next": None,
        "coverage": {"from": now - 3600, "maximumAge": 86400, "minimumPoW": 0, "newestIngest": now, "gaps": []},
    }
    return secret, receipt, page, missing_raw, missing_key


def main() -> None:
    rng = random.Random(8)
    keys = [{"secret": hx(s), "publicKey": hx(public_key(s)), "address": hx(address(s))} for s in SECRETS]

    signatures = []
    for secret in SECRETS:
        for kind, document in DOCUMENTS:
            d = digest(kind, document)
            signatures.append({"secret": hx(secret), "kind": kind, "document": hx(document), "digest": hx(d),
                               "signature": hx(sign(secret, d)), "address": hx(address(secret))})

    chains = []
    for count in [0, 1, 2, 7]:
        page = sorted(key(rng.randrange(2**32), bytes(rng.randrange(256) for _ in range(32))) for _ in range(count))
        chains.append({"keys": [hx(k) for k in page], "commitment": hx(chain(page))})

    commitments = []
    for count in [0, 1, 3, 4, 50]:
        page = sorted(key(rng.randrange(2**32), bytes(rng.randrange(256) for _ in range(32))) for _ in range(count))
        commitments.append({"keys": [hx(k) for k in page], "commitment": hx(commitment_v2(page))})

    batches = []
    for size in [1, 2, 3, 5, 8]:
        items = [("receipt", canonical_json({"count": i, "endpoint": "hashes", "size": size})) for i in range(size)]
        root, _ = merkle([digest(kind, document) for kind, document in items])
        batches.append({"secret": hx(SECRETS[3]), "root": hx(root), "documents": signed_batch(SECRETS[3], items)})

    secret, receipt, page, missing, missing_key = receipt_case(rng)
    document = canonical_json(receipt)
    # Signed in a batch of three, in the middle, as a busy server signs its receipts.
    neighbours = [canonical_json({**receipt, "serverTime": receipt["serverTime"] - 1}),
                  canonical_json({**receipt, "serverTime": receipt["serverTime"] + 1})]
    batch = signed_batch(secret, [("receipt", neighbours[0]), ("receipt", document), ("receipt", neighbours[1])])
    proven = {"receipt": batch[1], "keys": [hx(k) for k in page], "envelope": hx(missing)}

    # One defect each; the Swift check must refuse every one of them.
    rejections = []

    def reject(name, receipt_value=None, keys_value=None, envelope_value=None, tamper=None):
        case = {"name": name,
                "receipt": signed(secret, "receipt", canonical_json(receipt_value)) if receipt_value else dict(proven["receipt"]),
                "keys": keys_value if keys_value is not None else proven["keys"],
                "envelope": envelope_value or proven["envelope"]}
        if tamper:
            tamper(case)
        rejections.append(case)

    def flip_document(case):
        case["receipt"]["document"] = case["receipt"]["document"].replace('"count":5', '"count":6')

    def other_signer(case):
        case["receipt"]["signer"] = hx(address(SECRETS[4]))

    def swap_path_sides(case):
        case["receipt"]["path"] = [{("left" if side == "right" else "right"): value}
                                   for step in case["receipt"]["path"] for side, value in step.items()]

    def drop_path(case):
        del case["receipt"]["path"]

    reject("document edited after signing", tamper=flip_document)
    reject("signer swapped", tamper=other_signer)
    reject("batch path with its sides swapped", tamper=swap_path_sides)
    reject("batch path removed", tamper=drop_path)
    reject("version 1 receipt with a version 2 commitment", receipt_value={**receipt, "version": 1})
    reject("unknown receipt version", receipt_value={**receipt, "version": 3})
    reject("key list not matching the commitment", keys_value=proven["keys"][:-1])
    reject("envelope outside the query's range", receipt_value={**receipt, "query": {**receipt["query"], "to": receipt["query"]["from"] + 20}})
    reject("topic not asked for", receipt_value={**receipt, "query": {**receipt["query"], "topics": ["0x01020304"]}})
    reject("outside coverage (gap)", receipt_value={**receipt, "coverage": {**receipt["coverage"], "gaps": [[1_700_000_000 - 30, 1_700_000_000 - 20]]}})
    reject("after the next cursor while more pages follow", receipt_value={**receipt, "next": hx(page[1])})
    reject("at or before the page's cursor", receipt_value={**receipt, "query": {**receipt["query"], "cursor": hx(missing_key)}})
    reject("below the declared minimum PoW", receipt_value={**receipt, "coverage": {**receipt["coverage"], "minimumPoW": 1000}})

    out = {
        "keys": keys,
        "signatures": signatures,
        "chains": chains,
        "commitments": commitments,
        "batches": batches,
        "evidence": proven,
        "rejections": rejections,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "signatures.json").write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT / 'signatures.json'}: {len(keys)} keys, {len(signatures)} signatures, "
          f"{len(chains)} chains, {len(commitments)} commitments, {len(batches)} batches, 1 evidence, "
          f"{len(rejections)} rejections")


if __name__ == "__main__":
    main()
