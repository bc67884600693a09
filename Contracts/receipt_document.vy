# pragma version 0.4.3
"""
@title The receipt document, written on chain as the provider wrote it
@notice A contract cannot afford to parse JSON, but it can write it: given the receipt's fields
        and the page's keys, `render` produces the exact bytes `QueryReceipt.document` writes
        (sorted keys, no spaces, lowercase hex with 0x, integers in decimal, the minimum PoW as
        the signed text). The signature is checked over the digest of those bytes, so a field
        the reporter misstates gives another digest and recovers another signer.
@dev Only this canonical form can be slashed; a receipt in any other form recovers to a
     stranger and the call reverts. `mailvault evidence check` says when that is so.
"""

MAX_KEYS: constant(uint256) = 1000
KEY_BYTES: constant(uint256) = 36
KEYS_BYTES: constant(uint256) = MAX_KEYS * KEY_BYTES
MAX_TOPICS: constant(uint256) = 64
MAX_GAPS: constant(uint256) = 32
MAX_POW_TEXT: constant(uint256) = 32
MAX_DOCUMENT: constant(uint256) = 4096

# Masks for spreading 16 bytes over 32 (hex literals are bytes in Vyper, so these are sums):
# LANES_n has a 1 at the bottom of every n-bit lane, and LANES_n * (2^(n/2) - 1) keeps the
# low half of every lane.
LANES_128: constant(uint256) = max_value(uint256) // (2**128 - 1)
LANES_64: constant(uint256) = max_value(uint256) // (2**64 - 1)
LANES_32: constant(uint256) = max_value(uint256) // (2**32 - 1)
LANES_16: constant(uint256) = max_value(uint256) // 65535
ONES: constant(uint256) = max_value(uint256) // 255
NIBBLES: constant(uint256) = ONES * 15


struct Receipt:
    # "hashes" or "envelopes".
    endpoint: String[9]
    # keccak256 of the descriptor in force.
    descriptor: bytes32
    server_time: uint32
    query_from: uint32
    query_to: uint32
    query_limit: uint32
    # The query's topics; when empty, `bloom` is the filter (or empty for none).
    topics: DynArray[bytes4, MAX_TOPICS]
    bloom: Bytes[64]
    # 36-byte keys, or empty when absent.
    cursor: Bytes[36]
    next: Bytes[36]
    coverage_from: uint32
    gaps: DynArray[uint32[2], MAX_GAPS]
    maximum_age: uint32
    # The minimum PoW exactly as the document writes it (Swift's shortest form: 0.2, 2e-06).
    minimum_pow: String[MAX_POW_TEXT]
    has_maximum_envelope_size: bool
    maximum_envelope_size: uint256
    has_newest_ingest: bool
    newest_ingest: uint32


@internal
@pure
def _hex16(word: uint256) -> bytes32:
    # The low 16 bytes of `word` as 32 lowercase hex digits, without branches: spread each
    # byte over two, split the nibbles, then add '0' or 'a' - 10.
    x: uint256 = word % (1 << 128)
    x = ((x << 64) | x) & (LANES_128 * (2**64 - 1))
    x = ((x << 32) | x) & (LANES_64 * (2**32 - 1))
    x = ((x << 16) | x) & (LANES_32 * 65535)
    x = ((x << 8) | x) & (LANES_16 * 255)
    x = ((x << 4) | x) & NIBBLES
    letters: uint256 = ((x + 6 * ONES) >> 4) & ONES
    return convert(x + 48 * ONES + 39 * letters, bytes32)  # '0' = 48, 'a' - 10 - '0' = 39


@internal
@pure
def hex32(word: bytes32) -> Bytes[64]:
    """
    @notice 64 lowercase hex digits of 32 bytes.
    """
    number: uint256 = convert(word, uint256)
    return concat(self._hex16(number >> 128), self._hex16(number))


@internal
@pure
def _quoted(digits: Bytes[128]) -> Bytes[132]:
    return concat(b'"0x', digits, b'"')


@internal
@pure
def _quoted_bytes(raw: Bytes[64]) -> Bytes[132]:
    # `"0x…"` for 36 (a key) or 64 (a bloom) bytes.
    padded: Bytes[96] = concat(raw, empty(bytes32))
    digits: Bytes[128] = concat(self.hex32(extract32(padded, 0)), self.hex32(extract32(padded, 32)))
    return self._quoted(slice(digits, 0, 2 * len(raw)))


@internal
@pure
def _decimal(number: uint256) -> Bytes[78]:
    return convert(uint2str(number), Bytes[78])


@internal
@pure
def _topics(topics: DynArray[bytes4, MAX_TOPICS]) -> Bytes[MAX_TOPICS * 13]:
    text: Bytes[MAX_TOPICS * 13] = b""
    for topic: bytes4 in topics:
        digits: Bytes[8] = slice(self._hex16(convert(topic, uint256)), 24, 8)
        if len(text) == 0:
            text = concat(b'"0x', digits, b'"')
        else:
            text = convert(concat(text, b',"0x', digits, b'"'), Bytes[MAX_TOPICS * 13])
    return text


@internal
@pure
def _gaps(gaps: DynArray[uint32[2], MAX_GAPS]) -> Bytes[MAX_GAPS * 24]:
    text: Bytes[MAX_GAPS * 24] = b""
    for gap: uint32[2] in gaps:
        item: Bytes[23] = concat(b"[", convert(uint2str(gap[0]), Bytes[10]), b",",
                                 convert(uint2str(gap[1]), Bytes[10]), b"]")
        if len(text) == 0:
            text = item
        else:
            text = convert(concat(text, b",", item), Bytes[MAX_GAPS * 24])
    return text


@internal
@pure
def _check_pow_text(text: String[MAX_POW_TEXT]):
    # Only a plain number may stand there: digits, one point, one exponent with its sign.
    # Anything else could smuggle JSON of its own into the rendered document.
    raw: Bytes[MAX_POW_TEXT] = convert(text, Bytes[MAX_POW_TEXT])
    assert len(raw) > 0, "receipt: an empty minimum PoW"
    for i: uint256 in range(len(raw), bound=MAX_POW_TEXT):
        c: uint256 = convert(slice(raw, i, 1), uint256)
        # 0-9 . e + -
        assert (c >= 48 and c <= 57) or c == 46 or c == 101 or c == 43 or c == 45, \
            "receipt: the minimum PoW is not a number"


@internal
@pure
def render(receipt: Receipt, provider: address, count: uint256, first: Bytes[KEY_BYTES], last: Bytes[KEY_BYTES],
           commitment: bytes32) -> Bytes[MAX_DOCUMENT]:
    """
    @notice The receipt document (receipt version 2) for these fields and a page of `count`
            keys from `first` to `last` whose commitment is `commitment`.
    @dev The caller takes `count`, `first`, `last` and `commitment` from the key list itself,
         and `provider` is the address being slashed: none of them can be misstated by the
         reporter. (The list is not passed here: an internal call copies its arguments.)
    """
    assert receipt.endpoint == "hashes" or receipt.endpoint == "envelopes", "receipt: an unknown endpoint"
    assert len(receipt.cursor) == 0 or len(receipt.cursor) == KEY_BYTES, "receipt: a cursor is 36 bytes"
    assert len(receipt.next) == 0 or len(receipt.next) == KEY_BYTES, "receipt: a next cursor is 36 bytes"
    assert len(receipt.bloom) == 0 or len(receipt.bloom) == 64, "receipt: a bloom is 64 bytes"
    assert len(receipt.topics) == 0 or len(receipt.bloom) == 0, "receipt: a query with topics carries no bloom"
    self._check_pow_text(receipt.minimum_pow)

    coverage: Bytes[1100] = concat(
        b',"coverage":{"from":', self._decimal(convert(receipt.coverage_from, uint256)),
        b',"gaps":[', self._gaps(receipt.gaps),
        b'],"maximumAge":', self._decimal(convert(receipt.maximum_age, uint256)),
    )
    if receipt.has_maximum_envelope_size:
        coverage = convert(concat(coverage, b',"maximumEnvelopeSize":', self._decimal(receipt.maximum_envelope_size)),
                           Bytes[1100])
    coverage = convert(concat(coverage, b',"minimumPoW":', convert(receipt.minimum_pow, Bytes[MAX_POW_TEXT])),
                       Bytes[1100])
    if receipt.has_newest_ingest:
        coverage = convert(concat(coverage, b',"newestIngest":', self._decimal(convert(receipt.newest_ingest, uint256))),
                           Bytes[1100])

    page: Bytes[300] = b""
    if count > 0:
        page = concat(b',"first":', self._quoted_bytes(first), b',"last":', self._quoted_bytes(last))
    if len(receipt.next) > 0:
        page = convert(concat(page, b',"next":', self._quoted_bytes(receipt.next)), Bytes[300])

    query: Bytes[300] = b""
    if len(receipt.bloom) > 0:
        query = concat(b'"bloom":', self._quoted_bytes(receipt.bloom), b",")
    if len(receipt.cursor) > 0:
        query = convert(concat(query, b'"cursor":', self._quoted_bytes(receipt.cursor), b","), Bytes[300])

    return concat(
        b'{"commitment":"0x', self.hex32(commitment), b'","count":', self._decimal(count),
        coverage,
        b'},"descriptor":"0x', self.hex32(receipt.descriptor),
        b'","endpoint":"', convert(receipt.endpoint, Bytes[9]), b'"',
        page,
        b',"provider":"0x', slice(self.hex32(convert(convert(provider, uint256), bytes32)), 24, 40),
        b'","query":{', query,
        b'"from":', self._decimal(convert(receipt.query_from, uint256)),
        b',"limit":', self._decimal(convert(receipt.query_limit, uint256)),
        b',"to":', self._decimal(convert(receipt.query_to, uint256)),
        b',"topics":[', self._topics(receipt.topics),
        b']},"serverTime":', self._decimal(convert(receipt.server_time, uint256)),
        b',"version":2}',
    )
