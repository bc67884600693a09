# pragma version 0.4.3
"""
@title Whisper v6 / Waku v1 envelopes, checked on chain
@notice Strict RLP decoding of `[Expiry, TTL, Topic, Data, Nonce]`, the envelope hash, the
        proof-of-work hash and leading zero bits, and the topic bloom, exactly as
        MailvaultCore does them (Docs/Protocol.md). A pure module: no storage, no events.
@dev Bytes are read with `extract32` from a copy padded with 32 zero bytes, so that a read
     near the end never runs past the buffer; every length is checked against the real end.
"""

# The largest envelope (its whole RLP) evidence may carry. Providers accept up to 1 MiB, but
# 16 gas a calldata byte makes anything near that too dear to submit; 8 KiB covers chat
# messages with room to spare (Docs/Incentives.md).
MAX_ENVELOPE: constant(uint256) = 8192
PADDED: constant(uint256) = MAX_ENVELOPE + 32
# RLP prefixes (hex literals are bytes in Vyper): a string of 0-55 bytes starts at 0x80, a
# longer one at 0xb7 + the length's size; a list at 0xc0, a long list at 0xf7 + size.
SHORT_STRING: constant(uint256) = 128
LONG_STRING: constant(uint256) = 183
SHORT_LIST: constant(uint256) = 192
LONG_LIST: constant(uint256) = 247


struct Envelope:
    expiry: uint256
    ttl: uint256
    topic: bytes4
    nonce: uint256
    # Where the data item ends: the first four items are bytes [items_start, data_end).
    items_start: uint256
    data_end: uint256
    # The payload's length (go-ethereum's size is 20 + this).
    data_length: uint256
    hash: bytes32
    pow_hash: bytes32


@internal
@pure
def _byte(buf: Bytes[PADDED], at: uint256) -> uint256:
    return convert(extract32(buf, at), uint256) >> 248


@internal
@pure
def _big_endian(buf: Bytes[PADDED], at: uint256, length: uint256) -> uint256:
    # length is 1..32: the top `length` bytes of the word at `at`.
    return convert(extract32(buf, at), uint256) >> (256 - 8 * length)


@internal
@pure
def _string(buf: Bytes[PADDED], at: uint256, end: uint256) -> (uint256, uint256):
    """
    @notice The content [start, stop) of the RLP string item at `at`, which must end by `end`.
    @dev go-ethereum's strict rules: a single byte below 0x80 is its own encoding, never
         0x81 0x05; a long length has no leading zero and is at least 56.
    """
    assert at < end, "envelope: an item runs past the list"
    prefix: uint256 = self._byte(buf, at)
    start: uint256 = 0
    length: uint256 = 0
    if prefix < SHORT_STRING:
        return at, at + 1
    elif prefix <= LONG_STRING:
        start = at + 1
        length = prefix - SHORT_STRING
        if length == 1:
            assert start < end, "envelope: an item runs past the list"
            assert self._byte(buf, start) >= SHORT_STRING, "envelope: a single byte below 0x80 in long form"
    elif prefix < SHORT_LIST:
        size: uint256 = prefix - LONG_STRING
        assert at + 1 + size <= end, "envelope: an item runs past the list"
        assert self._byte(buf, at + 1) != 0, "envelope: a length with a leading zero"
        length = self._big_endian(buf, at + 1, size)
        assert length >= 56, "envelope: a short length in long form"
        start = at + 1 + size
    else:
        raise "envelope: a list where a string belongs"
    assert length <= end - start, "envelope: an item runs past the list"
    return start, start + length


@internal
@pure
def _uint(buf: Bytes[PADDED], start: uint256, stop: uint256, width: uint256) -> uint256:
    # A canonical integer: at most `width` bytes, no leading zero (so zero is the empty string).
    length: uint256 = stop - start
    if length == 0:
        return 0
    assert length <= width, "envelope: an integer wider than its field"
    assert self._byte(buf, start) != 0, "envelope: an integer with a leading zero"
    return self._big_endian(buf, start, length)


@internal
@pure
def decode(envelope: Bytes[MAX_ENVELOPE]) -> Envelope:
    """
    @notice Decodes an envelope strictly and computes its hash and PoW hash.
    @dev Reverts with the rule that fails, as MailvaultCore's decoder throws.
    """
    total: uint256 = len(envelope)
    assert total > 0, "envelope: empty"
    buf: Bytes[PADDED] = concat(envelope, empty(bytes32))
    prefix: uint256 = self._byte(buf, 0)
    assert prefix >= SHORT_LIST, "envelope: not an RLP list"
    header: uint256 = 1
    length: uint256 = prefix - SHORT_LIST
    if prefix > LONG_LIST:
        size: uint256 = prefix - LONG_LIST
        assert 1 + size <= total, "envelope: the list header runs past the input"
        assert self._byte(buf, 1) != 0, "envelope: a length with a leading zero"
        length = self._big_endian(buf, 1, size)
        assert length >= 56, "envelope: a short length in long form"
        header = 1 + size
    assert header <= total and length == total - header, "envelope: the list does not end where the input does"

    start: uint256 = 0
    stop: uint256 = 0
    position: uint256 = header
    start, stop = self._string(buf, position, total)
    expiry: uint256 = self._uint(buf, start, stop, 4)
    start, stop = self._string(buf, stop, total)
    ttl: uint256 = self._uint(buf, start, stop, 4)
    start, stop = self._string(buf, stop, total)
    assert stop - start == 4, "envelope: a topic is 4 bytes"
    topic: bytes4 = convert(slice(extract32(buf, start), 0, 4), bytes4)
    start, stop = self._string(buf, stop, total)
    data_start: uint256 = start
    data_end: uint256 = stop
    start, stop = self._string(buf, stop, total)
    nonce: uint256 = self._uint(buf, start, stop, 8)
    assert stop == total, "envelope: more than 5 items"

    # rlpWithoutNonce: a new list header over the first four items as they are encoded.
    items: uint256 = data_end - header
    list_header: Bytes[3] = b""
    if items < 56:
        list_header = slice(convert(SHORT_LIST + items, bytes32), 31, 1)
    elif items < 256:
        list_header = slice(convert(((LONG_LIST + 1) << 8) + items, bytes32), 30, 2)
    else:
        list_header = slice(convert(((LONG_LIST + 2) << 16) + items, bytes32), 29, 3)
    pow_input: Bytes[MAX_ENVELOPE + 11] = concat(list_header, slice(envelope, header, items),
                                                 slice(convert(nonce, bytes32), 24, 8))
    return Envelope(
        expiry=expiry,
        ttl=ttl,
        topic=topic,
        nonce=nonce,
        items_start=header,
        data_end=data_end,
        data_length=data_end - data_start,
        hash=keccak256(envelope),
        pow_hash=keccak256(pow_input),
    )


@internal
@pure
def rlp_without_nonce_length(envelope: Envelope) -> uint256:
    """
    @notice The length of `[Expiry, TTL, Topic, Data]` with its own header: PoW's divisor.
    """
    items: uint256 = envelope.data_end - envelope.items_start
    if items < 56:
        return items + 1
    elif items < 256:
        return items + 2
    return items + 3


@internal
@pure
def leading_zeros(word: bytes32) -> uint256:
    """
    @notice Leading zero bits of a 256-bit big-endian number (256 for zero).
    """
    value: uint256 = convert(word, uint256)
    if value == 0:
        return 256
    zeros: uint256 = 0
    for step: uint256 in [128, 64, 32, 16, 8, 4, 2, 1]:
        if value >> (256 - step) == 0:
            zeros += step
            value = value << step
    return zeros


@internal
@pure
def topic_bloom(topic: bytes4) -> (uint256, uint256):
    """
    @notice The 64-byte bloom of a topic as two big-endian words (bytes 0-31, 32-63).
    @dev For j in 0..2, n = topic[j] + 256 if bit j of topic[3] is set; byte n/8 is ASSIGNED
         1 << (n % 8), as go-ethereum and status-go do: a later index in the same byte
         replaces an earlier one.
    """
    value: uint256 = convert(topic, uint256)
    last: uint256 = value % 256
    words: uint256[2] = [0, 0]
    for j: uint256 in range(3):
        index: uint256 = (value >> (24 - 8 * j)) % 256
        if (last >> j) & 1 == 1:
            index += 256
        position: uint256 = index // 8
        word: uint256 = position // 32
        offset: uint256 = 8 * (31 - position % 32)
        words[word] = (words[word] & ~(255 << offset)) | ((1 << (index % 8)) << offset)
    return words[0], words[1]
