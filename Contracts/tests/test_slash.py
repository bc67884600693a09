"""Slashing by omission evidence: good evidence pays the reporter; every kind of false evidence
reverts with the rule it breaks. The evidence is made in Python (evidence.py), independently
of the contract; the end-to-end test with the Swift CLI's evidence is slash_cli.py."""

import os
from dataclasses import replace

import boa
import pytest

from conftest import ANSWER_GRACE, EVIDENCE_WINDOW, MINIMUM_STAKE, PENALTY, REPORTER_BPS, UNBONDING_DELAY, deployer
from evidence import Provider, Receipt, bloom, reporter_commitment, seal, signed

TOPIC = bytes.fromhex("deadbeef")
OTHER = bytes.fromhex("01020304")
SALT = b"\x5a" * 32


def page_keys(center: int, count: int, seed: int = 1) -> list:
    """`count` distinct keys sent around `center`, sorted: an honest page's list."""
    keys = set()
    state = seed
    while len(keys) < count:
        state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
        sent = center - 600 + state % 1200
        keys.add(sent.to_bytes(4, "big") + state.to_bytes(8, "big") * 4)
    return sorted(keys)


class Case:
    """Good evidence for one page, and ways to break it."""

    def __init__(self, provider: Provider, keys: int = 20, data: bytes = b"\x42" * 64, **receipt):
        now = boa.env.timestamp
        self.provider = provider
        self.envelope = seal(now - 3600, TOPIC, data, zeros=6)
        self.keys = page_keys(self.envelope.sent, keys)
        fields = dict(provider=provider.address_bytes, server_time=now - 10, query_from=now - 7200, query_to=now,
                      topics=[TOPIC], coverage_from=now - 2 * 86400, minimum_pow="2e-06", newest_ingest=now - 20)
        fields.update(receipt)
        self.receipt = Receipt(**fields)

    def evidence(self, keys=None, signer=None, **changes):
        receipt = replace(self.receipt, **changes)
        return signed(signer or self.provider, receipt, self.keys if keys is None else keys, self.envelope.encoded)


def verifier_of(registry):
    return deployer("OmissionVerifier.vy").at(registry.verifier())


def slash(registry, provider, evidence, reporter, salt=SALT, commit=True):
    if commit:
        registry.commit(reporter_commitment(bytes.fromhex(reporter[2:]), provider.address_bytes, evidence.envelope, salt))
        boa.env.time_travel(blocks=1)
    registry.slash(*evidence.arguments(provider.address, reporter, salt))


@pytest.fixture
def reporter():
    return boa.env.generate_address("reporter")


@pytest.mark.parametrize("batch, position, with_bloom", [(1, 0, False), (5, 3, False), (8, 0, True), (1, 0, True)])
def test_good_evidence_slashes_and_pays_the_reporter(registry, token, registered, reporter, batch, position, with_bloom):
    case = Case(registered)
    receipt = replace(case.receipt, topics=[], bloom=bloom(TOPIC)) if with_bloom else case.receipt
    evidence = signed(registered, receipt, case.keys, case.envelope.encoded, batch=batch, position=position)
    slash(registry, registered, evidence, reporter)
    reward = PENALTY * REPORTER_BPS // 10_000
    assert token.balanceOf(reporter) == reward
    assert registry.providers(registered.address).stake == MINIMUM_STAKE - PENALTY
    assert registry.locked() == PENALTY - reward
    assert registry.slashed(registered.address, case.envelope.hash)
    assert not registry.is_active(registered.address)


def test_check_returns_the_receipt_digest_and_envelope_hash(registry, registered):
    case = Case(registered)
    evidence = case.evidence()
    arguments = evidence.arguments(registered.address, registered.address, SALT)[:-2]
    digest, envelope = verifier_of(registry).check(*arguments, ANSWER_GRACE)
    from evidence import digest as receipt_digest
    assert digest == receipt_digest(evidence.receipt.document(case.keys))
    assert envelope == case.envelope.hash


def _break(case: Case, how: str):
    """The evidence `case` makes, broken as `how` says."""
    sent = case.envelope.sent
    key = case.envelope.key
    other = Provider(b"\x09" * 32)
    if how == "the envelope was in the list":
        return case.evidence(keys=sorted(case.keys + [key]))
    if how == "sent before the query's range":
        return case.evidence(query_from=sent + 1)
    if how == "sent after the query's range":
        return case.evidence(query_to=sent - 1)
    if how == "a topic the query did not ask for":
        return case.evidence(topics=[OTHER])
    if how == "a bloom that does not match":
        return case.evidence(topics=[], bloom=bloom(OTHER))
    if how == "sent before the coverage":
        return case.evidence(coverage_from=sent + 1)
    if how == "sent in a declared gap":
        return case.evidence(gaps=[[sent - 100, sent - 50], [sent - 5, sent + 5]])
    if how == "older than the retention":
        return case.evidence(maximum_age=case.receipt.server_time - sent - 1)
    if how == "at the page's cursor":
        return case.evidence(cursor=key)
    if how == "after the page's next cursor":
        return case.evidence(next=(sent - 1).to_bytes(4, "big") + b"\xff" * 32)
    if how == "PoW below the minimum":
        return case.evidence(minimum_pow=repr(case.envelope.pow() * 1.5))
    if how == "PoW equal to the minimum (refused by the integer margin)":
        return case.evidence(minimum_pow=repr(case.envelope.pow()))
    if how == "sent within the grace before the answer":
        return case.evidence(server_time=sent + ANSWER_GRACE - 1)
    if how == "a forged signature":
        return case.evidence(signer=other)
    if how == "a re-used signature":
        good = case.evidence()
        return replace(good, signature=case.evidence(server_time=case.receipt.server_time - 1).signature)
    if how == "a wrong Merkle path":
        good = signed(case.provider, case.receipt, case.keys, case.envelope.encoded, batch=6, position=2)
        return replace(good, path=[good.path[0], b"\x13" * 32] + good.path[2:])
    if how == "a wrong Merkle path side":
        good = signed(case.provider, case.receipt, case.keys, case.envelope.encoded, batch=6, position=2)
        return replace(good, path_left=good.path_left ^ 2)
    if how == "a commitment that does not match (a key dropped)":
        return replace(case.evidence(), keys=case.keys[1:])
    if how == "a field changed after signing":
        return replace(case.evidence(), receipt=replace(case.receipt, server_time=case.receipt.server_time + 1))
    if how == "a list out of order":
        keys = list(case.keys)
        keys[3], keys[4] = keys[4], keys[3]
        return case.evidence(keys=keys)
    if how == "an envelope with a trailing byte":
        return replace(case.evidence(), envelope=case.envelope.encoded + b"\x00")
    if how == "a non-canonical minimum PoW text":
        return case.evidence(minimum_pow='0,"x":1')
    raise AssertionError(how)


@pytest.mark.parametrize("how, reason", [
    ("the envelope was in the list", "absence: the page holds the envelope"),
    ("sent before the query's range", "range: sent outside the query's range"),
    ("sent after the query's range", "range: sent outside the query's range"),
    ("a topic the query did not ask for", "topic: not one the query asked for"),
    ("a bloom that does not match", "topic: the envelope's bloom does not match the query's"),
    ("sent before the coverage", "coverage: sent before the coverage starts"),
    ("sent in a declared gap", "coverage: sent in a declared gap"),
    ("older than the retention", "coverage: older than the retention"),
    ("at the page's cursor", "interval: at or before the page's cursor"),
    ("after the page's next cursor", "interval: after the page's next cursor"),
    ("PoW below the minimum", "envelope: PoW below the provider's minimum"),
    ("PoW equal to the minimum (refused by the integer margin)", "envelope: PoW below the provider's minimum"),
    ("sent within the grace before the answer", "range: sent too close to (or after) the answer"),
    ("a forged signature", "signature: the receipt is not signed by the provider"),
    ("a re-used signature", "signature: the receipt is not signed by the provider"),
    ("a wrong Merkle path", "signature: the receipt is not signed by the provider"),
    ("a wrong Merkle path side", "signature: the receipt is not signed by the provider"),
    ("a commitment that does not match (a key dropped)", "signature: the receipt is not signed by the provider"),
    ("a field changed after signing", "signature: the receipt is not signed by the provider"),
    ("a list out of order", "keys: the signed list is not in ascending (sent, hash) order"),
    ("an envelope with a trailing byte", "envelope: the list does not end where the input does"),
    ("a non-canonical minimum PoW text", "receipt: the minimum PoW is not a number"),
])
def test_false_evidence_reverts_with_the_rule_it_breaks(registry, token, registered, reporter, how, reason):
    evidence = _break(Case(registered), how)
    with boa.reverts(reason):
        slash(registry, registered, evidence, reporter)
    assert token.balanceOf(reporter) == 0
    assert registry.providers(registered.address).stake == MINIMUM_STAKE


def test_a_pow_just_above_the_minimum_is_accepted(registry, token, registered, reporter):
    case = Case(registered)
    slash(registry, registered, case.evidence(minimum_pow=repr(case.envelope.pow() * (1 - 1e-9))), reporter)
    assert token.balanceOf(reporter) > 0


def test_the_same_omission_slashes_once_even_from_another_receipt(registry, registered, reporter):
    case = Case(registered)
    slash(registry, registered, case.evidence(), reporter)
    with boa.reverts("slash: this omission was already slashed"):
        slash(registry, registered, case.evidence(), reporter, salt=b"\x01" * 32)
    with boa.reverts("slash: this omission was already slashed"):
        slash(registry, registered, case.evidence(server_time=case.receipt.server_time - 5), reporter, salt=b"\x02" * 32)


def test_evidence_after_the_provider_withdrew_reverts(registry, registered, operator, reporter):
    case = Case(registered)
    evidence = case.evidence()
    with boa.env.prank(operator):
        registry.unbond(registered.address)
    boa.env.time_travel(seconds=UNBONDING_DELAY)
    with boa.env.prank(operator):
        registry.withdraw(registered.address)
    with boa.reverts("slash: the provider has no stake"):
        slash(registry, registered, evidence, reporter)


def test_evidence_while_unbonding_still_slashes(registry, token, registered, operator, reporter):
    case = Case(registered)
    with boa.env.prank(operator):
        registry.unbond(registered.address)
    boa.env.time_travel(seconds=EVIDENCE_WINDOW - 3600)
    slash(registry, registered, case.evidence(), reporter)
    assert token.balanceOf(reporter) > 0


def test_the_reward_needs_a_commitment_from_an_earlier_block_and_an_open_window(registry, registered, reporter):
    case = Case(registered)
    evidence = case.evidence()
    with boa.reverts("slash: no commitment to this evidence"):
        slash(registry, registered, evidence, reporter, commit=False)
    # A copier who replaces the reporter has no commitment for its own address.
    registry.commit(reporter_commitment(bytes.fromhex(reporter[2:]), registered.address_bytes, evidence.envelope, SALT))
    boa.env.time_travel(blocks=1)
    copier = boa.env.generate_address("copier")
    with boa.reverts("slash: no commitment to this evidence"):
        registry.slash(*evidence.arguments(registered.address, copier, SALT))
    # Committed in the same block as the reveal.
    fresh = b"\x03" * 32
    registry.commit(reporter_commitment(bytes.fromhex(reporter[2:]), registered.address_bytes, evidence.envelope, fresh))
    with boa.reverts("slash: commit in an earlier block"):
        registry.slash(*evidence.arguments(registered.address, reporter, fresh))
    boa.env.time_travel(seconds=EVIDENCE_WINDOW)
    with boa.reverts("slash: the evidence window has closed"):
        registry.slash(*evidence.arguments(registered.address, reporter, SALT))


def test_a_thousand_key_page_with_a_kibibyte_envelope_slashes(registry, token, registered, reporter):
    case = Case(registered, keys=1000, data=os.urandom(1024))
    slash(registry, registered, case.evidence(), reporter)
    assert token.balanceOf(reporter) == PENALTY * REPORTER_BPS // 10_000
