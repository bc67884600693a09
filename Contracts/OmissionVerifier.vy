# pragma version 0.4.3
"""
@title Mailvault omission verifier: decides evidence on chain, then has the registry punish
@notice `check` decides evidence that a provider withheld an envelope from a page it signed
        (the rules of `mailvault evidence check`, omission_evidence.vy); `slash` does the same
        and then calls the registry's `punish`, which pays the reporter. Stateless: one
        verifier serves any registry that names it.
"""

import omission_evidence
import receipt_document
import waku_envelope


interface Registry:
    def punish(provider: address, envelope: bytes32, receipt: bytes32, server_time: uint256, reporter: address,
               salt: bytes32): nonpayable
    def answer_grace() -> uint256: view


@external
@view
def check(provider: address, receipt: receipt_document.Receipt, signature: omission_evidence.Signature,
          path: DynArray[bytes32, omission_evidence.MAX_PATH], path_left: uint256,
          keys: Bytes[receipt_document.KEYS_BYTES], envelope: Bytes[waku_envelope.MAX_ENVELOPE],
          grace: uint256) -> (bytes32, bytes32):
    """
    @notice Reverts with the rule that fails unless the evidence proves `provider` withheld
            `envelope`; returns the receipt's digest and the envelope's hash.
    @param grace Seconds the envelope must have been sent before the answer.
    """
    return omission_evidence.check(receipt, provider, signature, path, path_left, keys, envelope, grace)


@external
def slash(registry: Registry, provider: address, receipt: receipt_document.Receipt,
          signature: omission_evidence.Signature, path: DynArray[bytes32, omission_evidence.MAX_PATH],
          path_left: uint256, keys: Bytes[receipt_document.KEYS_BYTES],
          envelope: Bytes[waku_envelope.MAX_ENVELOPE], reporter: address, salt: bytes32):
    """
    @notice Decides the evidence and, when it proves the omission, has `registry` take the
            penalty from `provider`'s stake and pay `reporter`.
    @param registry A ProviderRegistry that names this verifier.
    @param receipt The signed receipt's fields (the document is written from them and the keys).
    @param signature The provider's signature over the receipt's digest or its batch root.
    @param path The batch path's sibling hashes, from the leaf up (empty for a lone signature).
    @param path_left Bit i set when path[i] is the left sibling.
    @param keys The page's keys, 36 bytes each, in order.
    @param envelope The withheld envelope's RLP.
    @param reporter Who is paid; committed earlier with `salt` through the registry's `commit`.
    """
    digest: bytes32 = empty(bytes32)
    hash: bytes32 = empty(bytes32)
    digest, hash = omission_evidence.check(receipt, provider, signature, path, path_left, keys, envelope,
                                           staticcall registry.answer_grace())
    extcall registry.punish(provider, hash, digest, convert(receipt.server_time, uint256), reporter, salt)
