# pragma version 0.4.3
"""
@title Mailvault omission verifier: decides evidence of a withheld envelope on chain
@notice `check` applies the rules of `mailvault evidence check` (Docs/Accountability.md,
        "Evidence") to a provider's signed receipt, the page's key list and an envelope, and
        reverts with the rule that fails. ProviderRegistry.slash calls it. Stateless: one
        verifier serves any registry that names it.
@dev A contract of its own because the check alone is close to the 24 KiB code limit. The key
     list is read where it lies, in calldata: one copy to hash it, then 36-byte reads.
"""

import omission_evidence
import receipt_document
import waku_envelope


@external
@view
def check(provider: address, receipt: receipt_document.Receipt, signature: omission_evidence.Signature,
          path: DynArray[bytes32, omission_evidence.MAX_PATH], path_left: uint256,
          keys: Bytes[receipt_document.KEYS_BYTES], envelope: Bytes[waku_envelope.MAX_ENVELOPE],
          grace: uint256) -> (bytes32, bytes32):
    """
    @notice Reverts with the rule that fails unless the evidence proves that `provider`
            withheld `envelope` from the page it signed; returns the receipt's digest and the
            envelope's hash.
    @param provider The address the receipt must be signed by (and names).
    @param receipt The signed receipt's fields (the document is written from them and the keys).
    @param signature The provider's signature over the receipt's digest or its batch root.
    @param path The batch path's sibling hashes, from the leaf up (empty for a lone signature).
    @param path_left Bit i set when path[i] is the left sibling.
    @param keys The page's keys, 36 bytes each, in order.
    @param envelope The withheld envelope's RLP.
    @param grace Seconds the envelope must have been sent before the answer.
    """
    assert len(keys) % receipt_document.KEY_BYTES == 0, "keys: the list is not whole 36-byte keys"
    count: uint256 = len(keys) // receipt_document.KEY_BYTES

    # 1-2. The receipt: written from the fields, with count, first, last and the commitment
    # taken from the keys, and signed by the provider.
    first: Bytes[receipt_document.KEY_BYTES] = b""
    last: Bytes[receipt_document.KEY_BYTES] = b""
    if count > 0:
        first = slice(keys, 0, receipt_document.KEY_BYTES)
        last = slice(keys, len(keys) - receipt_document.KEY_BYTES, receipt_document.KEY_BYTES)
    commitment: bytes32 = keccak256(concat(omission_evidence.KEYS_DOMAIN, keys))
    document: Bytes[receipt_document.MAX_DOCUMENT] = receipt_document.render(receipt, provider, count, first, last,
                                                                             commitment)
    digest: bytes32 = keccak256(concat(omission_evidence.RECEIPT_DOMAIN, document))
    root: bytes32 = omission_evidence.signed_hash(digest, path, path_left)
    assert omission_evidence.signer(root, signature) == provider, "signature: the receipt is not signed by the provider"

    # 3-7. The envelope belongs in the page.
    hash: bytes32 = empty(bytes32)
    high: uint256 = 0
    low: uint256 = 0
    hash, high, low = omission_evidence.check_envelope(receipt, envelope, grace)

    # 8. Absent from the list, which must be in ascending order: a list out of order proves
    # nothing (a key missing from it would not mean a key missing from the range). A key is
    # compared as (its first 32 bytes, its last 4); the last 4 are read only when the first 32
    # tie, which in a real page they almost never do.
    previous: uint256 = 0
    for i: uint256 in range(count, bound=receipt_document.MAX_KEYS):
        offset: uint256 = i * receipt_document.KEY_BYTES
        key: uint256 = convert(extract32(keys, offset), uint256)
        if i > 0 and key <= previous:
            assert key == previous and convert(extract32(keys, offset - 32), uint256) % (1 << 32) \
                < convert(extract32(keys, offset + 4), uint256) % (1 << 32), \
                "keys: the signed list is not in ascending (sent, hash) order"
        if key == high:
            assert convert(extract32(keys, offset + 4), uint256) % (1 << 32) != low, "absence: the page holds the envelope"
        previous = key
    return digest, hash
