"""Omission evidence made in Python, independently of the contract and of the Swift code.

The receipt document is written from Docs/Accountability.md (fields, sorted keys, hex and number
forms) as Mailvault's server writes it; envelopes with the `rlp` package; signatures with
eth-keys; batch paths by the rule node(l, r) = keccak256(0x01 ++ l ++ r). The contract tests
build good evidence here and then break it one rule at a time.
"""

from dataclasses import dataclass, field, replace
from typing import Optional

import rlp
from Crypto.Hash import keccak as _keccak
from eth_keys import keys as eth_keys

RECEIPT_DOMAIN = b"mailvault/v1/receipt\x00"
KEYS_DOMAIN = b"mailvault/v1/receipt-keys\x00"


def keccak(data: bytes) -> bytes:
    return _keccak.new(digest_bits=256, data=data).digest()


def hex0x(data: bytes) -> str:
    return "0x" + data.hex()


# Envelopes ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Envelope:
    expiry: int
    ttl: int
    topic: bytes
    data: bytes
    nonce: int

    @property
    def encoded(self) -> bytes:
        return rlp.encode([self.expiry, self.ttl, self.topic, self.data, self.nonce])

    @property
    def hash(self) -> bytes:
        return keccak(self.encoded)

    @property
    def sent(self) -> int:
        return (self.expiry - self.ttl) % 2**32

    @property
    def key(self) -> bytes:
        return self.sent.to_bytes(4, "big") + self.hash

    def rlp_without_nonce(self) -> bytes:
        return rlp.encode([self.expiry, self.ttl, self.topic, self.data])

    def leading_zeros(self) -> int:
        digest = int.from_bytes(keccak(self.rlp_without_nonce() + self.nonce.to_bytes(8, "big")), "big")
        return 256 - digest.bit_length()

    def pow(self) -> float:
        return 2.0 ** self.leading_zeros() / len(self.rlp_without_nonce()) / self.ttl


def seal(sent: int, topic: bytes, data: bytes, ttl: int = 3600, zeros: int = 4) -> Envelope:
    """The first nonce whose PoW hash has at least `zeros` leading zero bits."""
    nonce = 0
    while True:
        envelope = Envelope(expiry=sent + ttl, ttl=ttl, topic=topic, data=data, nonce=nonce)
        if envelope.leading_zeros() >= zeros:
            return envelope
        nonce += 1


def bloom(topic: bytes) -> bytes:
    """go-ethereum's TopicToBloom: three bytes assigned (not OR-ed)."""
    out = bytearray(64)
    for j in range(3):
        index = topic[j] + (256 if topic[3] & (1 << j) else 0)
        out[index // 8] = 1 << (index % 8)
    return bytes(out)


# Receipts -------------------------------------------------------------------------------------

@dataclass
class Receipt:
    """A receipt's fields; `document(keys)` writes the JSON a provider signs."""

    provider: bytes
    server_time: int
    query_from: int
    query_to: int
    descriptor: bytes = b"\x11" * 32
    endpoint: str = "hashes"
    query_limit: int = 1000
    topics: list = field(default_factory=list)
    bloom: Optional[bytes] = None
    cursor: Optional[bytes] = None
    next: Optional[bytes] = None
    coverage_from: int = 0
    gaps: list = field(default_factory=list)
    maximum_age: int = 30 * 86400
    minimum_pow: str = "0.002"
    maximum_envelope_size: Optional[int] = None
    newest_ingest: Optional[int] = None

    def document(self, keys: list) -> bytes:
        def quoted(data: bytes) -> str:
            return '"' + hex0x(data) + '"'

        parts = ['{"commitment":', quoted(commitment(keys)), ',"count":', str(len(keys)),
                 ',"coverage":{"from":', str(self.coverage_from),
                 ',"gaps":[', ",".join(f"[{a},{b}]" for a, b in self.gaps), "]",
                 ',"maximumAge":', str(self.maximum_age)]
        if self.maximum_envelope_size is not None:
            parts += [',"maximumEnvelopeSize":', str(self.maximum_envelope_size)]
        parts += [',"minimumPoW":', self.minimum_pow]
        if self.newest_ingest is not None:
            parts += [',"newestIngest":', str(self.newest_ingest)]
        parts += ['},"descriptor":', quoted(self.descriptor), ',"endpoint":"', self.endpoint, '"']
        if keys:
            parts += [',"first":', quoted(keys[0]), ',"last":', quoted(keys[-1])]
        if self.next is not None:
            parts += [',"next":', quoted(self.next)]
        parts += [',"provider":', quoted(self.provider), ',"query":{']
        if not self.topics and self.bloom is not None:
            parts += ['"bloom":', quoted(self.bloom), ","]
        if self.cursor is not None:
            parts += ['"cursor":', quoted(self.cursor), ","]
        parts += ['"from":', str(self.query_from), ',"limit":', str(self.query_limit), ',"to":', str(self.query_to),
                  ',"topics":[', ",".join(quoted(t) for t in self.topics), ']},"serverTime":', str(self.server_time),
                  ',"version":2}']
        return "".join(parts).encode()

    def abi(self) -> tuple:
        """The `Receipt` struct of ProviderRegistry.slash, as a tuple in field order."""
        return (self.endpoint, self.descriptor, self.server_time, self.query_from, self.query_to, self.query_limit,
                list(self.topics), self.bloom or b"", self.cursor or b"", self.next or b"", self.coverage_from,
                [list(g) for g in self.gaps], self.maximum_age, self.minimum_pow,
                self.maximum_envelope_size is not None, self.maximum_envelope_size or 0,
                self.newest_ingest is not None, self.newest_ingest or 0)


def commitment(keys: list) -> bytes:
    return keccak(KEYS_DOMAIN + b"".join(keys))


def digest(document: bytes) -> bytes:
    return keccak(RECEIPT_DOMAIN + document)


def node(left: bytes, right: bytes) -> bytes:
    return keccak(b"\x01" + left + right)


def tree(leaves: list):
    """The root over `leaves` and each leaf's path [(is_left, sibling)], as SignatureBatch builds them."""
    paths = [[] for _ in leaves]
    level = list(leaves)
    spans = [[i] for i in range(len(leaves))]
    while len(level) > 1:
        next_level, next_spans = [], []
        for i in range(0, len(level), 2):
            if i + 1 == len(level):
                next_level.append(level[i])
                next_spans.append(spans[i])
                continue
            for leaf in spans[i]:
                paths[leaf].append((False, level[i + 1]))
            for leaf in spans[i + 1]:
                paths[leaf].append((True, level[i]))
            next_level.append(node(level[i], level[i + 1]))
            next_spans.append(spans[i] + spans[i + 1])
        level, spans = next_level, next_spans
    return level[0], paths


class Provider:
    """A provider key: signs receipts alone or in batches, and registrations."""

    def __init__(self, secret: bytes):
        self.key = eth_keys.PrivateKey(secret)
        self.address_bytes = self.key.public_key.to_canonical_address()
        self.address = self.key.public_key.to_checksum_address()

    def sign(self, hash32: bytes) -> tuple:
        signature = self.key.sign_msg_hash(hash32)
        return (signature.r.to_bytes(32, "big"), signature.s.to_bytes(32, "big"), signature.v)


@dataclass
class Evidence:
    """Everything `slash` takes, in its argument order after `provider`."""

    receipt: Receipt
    signature: tuple
    path: list
    path_left: int
    keys: list
    envelope: bytes

    def arguments(self, provider: bytes, reporter: str, salt: bytes) -> tuple:
        return (provider, self.receipt.abi(), self.signature, self.path, self.path_left, b"".join(self.keys),
                self.envelope, reporter, salt)

    def with_receipt(self, **changes) -> "Evidence":
        return replace(self, receipt=replace(self.receipt, **changes))


def signed(provider: Provider, receipt: Receipt, keys: list, envelope: bytes, batch: int = 1, position: int = 0) -> Evidence:
    """Evidence whose receipt `provider` signed alone (batch 1) or as leaf `position` of a batch."""
    leaf = digest(receipt.document(keys))
    if batch == 1:
        return Evidence(receipt, provider.sign(leaf), [], 0, keys, envelope)
    leaves = [keccak(bytes([i])) for i in range(batch)]
    leaves[position] = leaf
    root, paths = tree(leaves)
    path = paths[position]
    left = sum(1 << i for i, (is_left, _) in enumerate(path) if is_left)
    return Evidence(receipt, provider.sign(root), [h for _, h in path], left, keys, envelope)


def reporter_commitment(reporter: bytes, provider: bytes, envelope: bytes, salt: bytes) -> bytes:
    """keccak256(abi_encode(reporter, provider, keccak256(envelope), salt)), as `commit` expects."""
    return keccak(reporter.rjust(32, b"\0") + provider.rjust(32, b"\0") + keccak(envelope) + salt)
