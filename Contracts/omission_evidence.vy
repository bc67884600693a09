# pragma version 0.4.3
"""
@title Omission evidence, decided on chain
@notice The parts of `OmissionEvidence.check()` (Docs/Accountability.md, "Evidence") that
        do not touch the key list, each a revert with the rule's name: the receipt's signature (the digest rule, the batch path,
        ecrecover), the key list against the commitment and in ascending order, the envelope
        (strict RLP, TTL above 0, PoW at or above the receipt's minimum in an integer form never
        more lenient than the Swift check), its range, topic or bloom, place in the page,
        coverage. Plus one rule of the contract's own: the envelope was sent at least `grace`
        seconds before the answer. OmissionVerifier.check does the rest (the list's commitment,
        order and the envelope's absence) where the list lies, in calldata.
@dev A pure module. Nothing here takes the key list: an internal call copies its arguments,
     and copying 36 KB per call made a 1000-key page cost four million gas.
"""

import receipt_document
import waku_envelope

MAX_PATH: constant(uint256) = 64
# The prefix of the receipt digest: "mailvault/v1/" ++ "receipt" ++ 0x00.
RECEIPT_DOMAIN: constant(Bytes[21]) = b"mailvault/v1/receipt\x00"
# The prefix of the version 2 commitment: "mailvault/v1/receipt-keys" ++ 0x00.
KEYS_DOMAIN: constant(Bytes[26]) = b"mailvault/v1/receipt-keys\x00"
# The PoW comparison keeps this margin (2^-32 of the minimum) over float64's rounding
# (at most about 2^-51 relative), so it never accepts what the Swift check refuses.
MARGIN_BITS: constant(uint256) = 32
# Leading zero bits beyond this are counted as this: no real envelope has them, and it keeps
# the integer comparison inside 256 bits.
MAX_ZEROS: constant(uint256) = 128
# Decimal exponents of the minimum PoW the comparison handles exactly; a smaller minimum is
# rounded up to 10^MIN_EXPONENT (stricter, and below any real envelope's PoW), a larger one
# than 10^MAX_EXPONENT is out of reach of any envelope with at most MAX_ZEROS zero bits.
MIN_EXPONENT: constant(int256) = -28
MAX_EXPONENT: constant(int256) = 40
MAX_DIGITS: constant(uint256) = 20


struct Signature:
    r: bytes32
    s: bytes32
    # The raw recovery id, 0 or 1, as Mailvault signs (go-ethereum's crypto.Sign).
    v: uint8


@internal
@pure
def signed_hash(digest: bytes32, path: DynArray[bytes32, MAX_PATH], path_left: uint256) -> bytes32:
    """
    @notice A document's digest folded up its batch path to the signed root.
    @dev Bit i of `path_left` set: step i's hash is the left sibling, node(h, running);
         clear: the right sibling, node(running, h). node(l, r) = keccak256(0x01 ++ l ++ r).
    """
    running: bytes32 = digest
    assert path_left >> len(path) == 0, "signature: path sides beyond the path"
    for i: uint256 in range(len(path), bound=MAX_PATH):
        if (path_left >> i) & 1 == 1:
            running = keccak256(concat(b"\x01", path[i], running))
        else:
            running = keccak256(concat(b"\x01", running, path[i]))
    return running


@internal
@pure
def signer(hash: bytes32, signature: Signature) -> address:
    """
    @notice The address that signed `hash`; reverts on a malformed signature.
    """
    assert signature.v <= 1, "signature: the recovery id is 0 or 1"
    recovered: address = ecrecover(hash, convert(signature.v, uint256) + 27, signature.r, signature.s)
    assert recovered != empty(address), "signature: does not recover"
    return recovered


@internal
@pure
def _cursor_words(cursor: Bytes[36]) -> (uint256, uint256):
    padded: Bytes[68] = concat(cursor, empty(bytes32))
    return convert(extract32(padded, 0), uint256), convert(extract32(padded, 4), uint256) % (1 << 32)


@internal
@pure
def before(a_high: uint256, a_low: uint256, b_high: uint256, b_low: uint256) -> bool:
    return a_high < b_high or (a_high == b_high and a_low < b_low)


@internal
@pure
def _pow_text(text: String[receipt_document.MAX_POW_TEXT]) -> (uint256, int256):
    """
    @notice The minimum PoW's text as mantissa and decimal exponent: value = m * 10^e.
    @dev Grammar: digits, optionally '.' digits, optionally 'e' [+-] digits. At most
         MAX_DIGITS significant digits.
    """
    raw: Bytes[receipt_document.MAX_POW_TEXT] = convert(text, Bytes[receipt_document.MAX_POW_TEXT])
    mantissa: uint256 = 0
    digits: uint256 = 0
    exponent: int256 = 0
    # 0: integer part, 1: fraction, 2: exponent sign, 3: exponent digits.
    state: uint256 = 0
    seen: bool = False
    exponent_negative: bool = False
    exponent_value: int256 = 0
    for i: uint256 in range(len(raw), bound=receipt_document.MAX_POW_TEXT):
        c: uint256 = convert(slice(raw, i, 1), uint256)
        if c >= 48 and c <= 57:  # a digit
            if state <= 1:
                if mantissa > 0 or c > 48:
                    digits += 1
                    assert digits <= MAX_DIGITS, "receipt: the minimum PoW has too many digits"
                mantissa = mantissa * 10 + (c - 48)
                if state == 1:
                    exponent -= 1
            else:
                state = 3
                exponent_value = exponent_value * 10 + convert(c - 48, int256)
                assert exponent_value < 1000, "receipt: the minimum PoW's exponent is out of range"
            seen = True
        elif c == 46:  # .
            assert state == 0 and seen, "receipt: the minimum PoW is not a number"
            state = 1
            seen = False
        elif c == 101:  # e
            assert state <= 1 and seen, "receipt: the minimum PoW is not a number"
            state = 2
            seen = False
        else:
            assert state == 2 and not seen and (c == 43 or c == 45), "receipt: the minimum PoW is not a number"
            exponent_negative = c == 45  # -
            state = 3
    assert seen, "receipt: the minimum PoW is not a number"
    if exponent_negative:
        exponent -= exponent_value
    else:
        exponent += exponent_value
    return mantissa, exponent


@internal
@pure
def pow_at_least(zeros: uint256, length: uint256, ttl: uint256, minimum: String[receipt_document.MAX_POW_TEXT]) -> bool:
    """
    @notice Whether 2^zeros / length / ttl is at or above the minimum, in integers:
            2^zeros * D * 2^32 >= N * length * ttl * (2^32 + 1), where N / D is the minimum.
    @dev The margin of 2^-32 exceeds the float64 rounding of the Swift check (two divisions
         and the minimum's own parsing, under 2^-51 together), so whenever this holds the
         Swift check holds too. It refuses only envelopes within 2^-32 of the minimum.
    """
    mantissa: uint256 = 0
    exponent: int256 = 0
    mantissa, exponent = self._pow_text(minimum)
    if mantissa == 0:
        return True
    if exponent > MAX_EXPONENT:
        return False
    if exponent < MIN_EXPONENT:
        # Round the minimum up to a whole number of 10^MIN_EXPONENT: stricter, never laxer.
        scale: uint256 = pow_mod256(10, convert(MIN_EXPONENT - exponent, uint256))
        if MIN_EXPONENT - exponent > 77:
            mantissa = 1
        else:
            mantissa = (mantissa + scale - 1) // scale
        exponent = MIN_EXPONENT
    numerator: uint256 = mantissa
    denominator: uint256 = 1
    if exponent >= 0:
        numerator = mantissa * pow_mod256(10, convert(exponent, uint256))
    else:
        denominator = pow_mod256(10, convert(-exponent, uint256))
    work: uint256 = 1 << min(zeros, MAX_ZEROS)
    return work * denominator * (1 << MARGIN_BITS) >= numerator * length * ttl * ((1 << MARGIN_BITS) + 1)


@internal
@pure
def check_envelope(receipt: receipt_document.Receipt, envelope: Bytes[waku_envelope.MAX_ENVELOPE],
                   grace: uint256) -> (bytes32, uint256, uint256):
    """
    @notice Reverts unless the envelope is one the signed page should have held (rules 3-7 of
            the evidence check); returns its hash and its key as (first 32 bytes, last 4).
    """
    # 3. The envelope: strict RLP, TTL above 0, size and PoW the provider accepts.
    decoded: waku_envelope.Envelope = waku_envelope.decode(envelope)
    assert decoded.ttl > 0, "envelope: a TTL of 0"
    if receipt.has_maximum_envelope_size:
        assert 20 + decoded.data_length <= receipt.maximum_envelope_size, "envelope: larger than the provider's maximum"
    assert self.pow_at_least(waku_envelope.leading_zeros(decoded.pow_hash),
                             waku_envelope.rlp_without_nonce_length(decoded), decoded.ttl, receipt.minimum_pow), \
        "envelope: PoW below the provider's minimum"

    # 4. Range, and sent before the answer (by `grace` seconds at least).
    # Expiry - TTL in uint32, wrapping as go-ethereum's arithmetic does.
    sent: uint256 = (decoded.expiry + (1 << 32) - decoded.ttl) % (1 << 32)
    assert convert(receipt.query_from, uint256) <= sent and sent <= convert(receipt.query_to, uint256), \
        "range: sent outside the query's range"
    assert sent + grace <= convert(receipt.server_time, uint256), "range: sent too close to (or after) the answer"

    # 5. Topic or bloom.
    if len(receipt.topics) > 0:
        assert decoded.topic in receipt.topics, "topic: not one the query asked for"
    elif len(receipt.bloom) > 0:
        first: uint256 = 0
        second: uint256 = 0
        first, second = waku_envelope.topic_bloom(decoded.topic)
        filter_first: uint256 = convert(extract32(receipt.bloom, 0), uint256)
        filter_second: uint256 = convert(extract32(receipt.bloom, 32), uint256)
        assert filter_first | first == filter_first and filter_second | second == filter_second, \
            "topic: the envelope's bloom does not match the query's"

    # 6. The page's interval: after the cursor, at or before the next cursor.
    high: uint256 = (sent << 224) | (convert(decoded.hash, uint256) >> 32)
    low: uint256 = convert(decoded.hash, uint256) % (1 << 32)
    if len(receipt.cursor) > 0:
        cursor_high: uint256 = 0
        cursor_low: uint256 = 0
        cursor_high, cursor_low = self._cursor_words(receipt.cursor)
        assert self.before(cursor_high, cursor_low, high, low), "interval: at or before the page's cursor"
    if len(receipt.next) > 0:
        next_high: uint256 = 0
        next_low: uint256 = 0
        next_high, next_low = self._cursor_words(receipt.next)
        assert not self.before(next_high, next_low, high, low), "interval: after the page's next cursor"

    # 7. Coverage at the answer's time.
    server_time: uint256 = convert(receipt.server_time, uint256)
    assert sent >= convert(receipt.coverage_from, uint256), "coverage: sent before the coverage starts"
    assert sent + convert(receipt.maximum_age, uint256) >= server_time, "coverage: older than the retention"
    for gap: uint32[2] in receipt.gaps:
        assert sent < convert(gap[0], uint256) or sent > convert(gap[1], uint256), "coverage: sent in a declared gap"
    return decoded.hash, high, low
