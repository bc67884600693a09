"""Finds two envelopes of one second whose Keccak-256 hashes share their first four bytes, for
the store's collision test (Tests/MailvaultStoreTests/TopicMergeTests.swift).

Independent of the Swift code: pyrlp encodes the envelope [Expiry, TTL, Topic, Data, Nonce] and
pycryptodome's Keccak-256 hashes it. The search walks nonces 1, 2, ... with expiry 550, TTL 50,
data 01 02 03 and the topic topics[nonce % 2], and stops at the first 32-bit hash prefix shared
by two envelopes of the same topic (a birthday search: about 2^16 hashes). Prints the two
nonces, the topic and the shared prefix.
"""
import rlp
from Crypto.Hash import keccak

TOPICS = [bytes.fromhex("12345678"), bytes.fromhex("9abcdef0")]


def envelope_hash(nonce: int) -> bytes:
    topic = TOPICS[nonce % 2]
    encoded = rlp.encode([550, 50, topic, bytes([1, 2, 3]), nonce])
    return keccak.new(digest_bits=256, data=encoded).digest()


def main() -> None:
    seen: dict[bytes, list[int]] = {}
    nonce = 0
    while True:
        nonce += 1
        prefix = envelope_hash(nonce)[:4]
        found = seen.setdefault(prefix, [])
        found.append(nonce)
        if len(found) == 2 and found[0] % 2 == found[1] % 2:
            print(f"nonces {found[0]} {found[1]} topic {TOPICS[nonce % 2].hex()} prefix {prefix.hex()}")
            return


if __name__ == "__main__":
    main()
