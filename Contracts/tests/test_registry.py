"""Registration, stake, unbonding and subscriptions: tables of cases, each with its revert reason."""

import boa
import pytest

from conftest import MINIMUM_STAKE, PERIOD, TOKEN, UNBONDING_DELAY, register
from evidence import Provider


def test_a_registration_records_the_provider_and_takes_the_stake(registry, token, provider, operator):
    logs = register(registry, token, provider, operator, amount=MINIMUM_STAKE + 5)
    assert "https://mailvault.example:8443" in str(logs[-1])
    record = registry.providers(provider.address)
    assert record.operator == operator
    assert record.stake == MINIMUM_STAKE + 5
    assert record.descriptor == b"\x22" * 32
    assert token.balanceOf(registry.address) == MINIMUM_STAKE + 5
    assert registry.is_active(provider.address)


@pytest.mark.parametrize("case, reason", [
    ("below the minimum", "registry: the stake is below the minimum"),
    ("signed by another key", "registry: the provider key did not authorise this"),
    ("signed for another operator", "registry: the provider key did not authorise this"),
    ("signed for another endpoint", "registry: the provider key did not authorise this"),
    ("expired", "registry: the authorisation has expired"),
    ("twice", "registry: the provider is already registered"),
])
def test_a_registration_the_key_did_not_authorise_or_underpaid_reverts(registry, token, provider, operator, case, reason):
    amount = MINIMUM_STAKE - 1 if case == "below the minimum" else MINIMUM_STAKE
    endpoint, descriptor = "https://a.example", b"\x01" * 32
    deadline = boa.env.evm.patch.timestamp + (-1 if case == "expired" else 60)
    if case == "twice":
        register(registry, token, provider, operator)
    signer = Provider(b"\x08" * 32) if case == "signed by another key" else provider
    signed_for = boa.env.generate_address() if case == "signed for another operator" else operator
    signed_endpoint = "https://b.example" if case == "signed for another endpoint" else endpoint
    token.mint(operator, amount)
    with boa.env.prank(operator):
        token.approve(registry.address, amount)
        digest = registry.registration_digest(provider.address, signed_for, signed_endpoint, descriptor, deadline)
        with boa.reverts(reason):
            registry.register(provider.address, endpoint, descriptor, amount, deadline, signer.sign(digest))


def test_the_operator_updates_and_tops_up_and_others_cannot_update(registry, token, registered, operator):
    with boa.env.prank(operator):
        registry.update(registered.address, "https://new.example", b"\x33" * 32)
        assert "https://new.example" in str(registry.get_logs()[-1])
    assert registry.providers(registered.address).descriptor == b"\x33" * 32
    stranger = boa.env.generate_address()
    with boa.env.prank(stranger), boa.reverts("registry: only the provider's operator may do this"):
        registry.update(registered.address, "https://evil.example", b"\x00" * 32)
    # Anyone may add to the stake.
    token.mint(stranger, 7 * TOKEN)
    with boa.env.prank(stranger):
        token.approve(registry.address, 7 * TOKEN)
        registry.top_up(registered.address, 7 * TOKEN)
    assert registry.providers(registered.address).stake == MINIMUM_STAKE + 7 * TOKEN


def test_unbonding_waits_longer_than_the_evidence_window_then_pays_the_operator(registry, token, registered, operator):
    with boa.env.prank(operator), boa.reverts("registry: unbond first"):
        registry.withdraw(registered.address)
    with boa.env.prank(operator):
        registry.unbond(registered.address)
    assert not registry.is_active(registered.address)
    with boa.env.prank(operator), boa.reverts("registry: the provider is unbonding"):
        registry.update(registered.address, "https://x.example", b"\x00" * 32)
    boa.env.time_travel(seconds=UNBONDING_DELAY - 10)
    with boa.env.prank(operator), boa.reverts("registry: the unbonding delay has not passed"):
        registry.withdraw(registered.address)
    boa.env.time_travel(seconds=10)
    with boa.env.prank(operator):
        registry.withdraw(registered.address)
    assert token.balanceOf(operator) == MINIMUM_STAKE
    assert registry.providers(registered.address).operator == "0x" + "00" * 20


def test_subscriptions_extend_paid_time_and_the_provider_withdraws_its_earnings(registry, token, registered, operator):
    user = boa.env.generate_address("user")
    payer = boa.env.generate_address("payer")
    with boa.reverts("subscriptions: the provider sells no subscriptions"):
        registry.pay(registered.address, user, 1)
    with boa.env.prank(operator):
        registry.set_price(registered.address, 3 * TOKEN)
    token.mint(payer, 100 * TOKEN)
    with boa.env.prank(payer):
        token.approve(registry.address, 100 * TOKEN)
        registry.pay(registered.address, user, 2)
    now = boa.env.evm.patch.timestamp
    assert registry.paid_until(user, registered.address) == now + 2 * PERIOD
    with boa.env.prank(payer):
        registry.pay(registered.address, user, 1)
        with boa.reverts("subscriptions: pay for at least one period"):
            registry.pay(registered.address, user, 0)
    assert registry.paid_until(user, registered.address) == now + 3 * PERIOD
    with boa.env.prank(payer), boa.reverts("registry: only the provider's operator may do this"):
        registry.withdraw_earnings(registered.address)
    with boa.env.prank(operator):
        registry.withdraw_earnings(registered.address)
        with boa.reverts("subscriptions: nothing earned"):
            registry.withdraw_earnings(registered.address)
    assert token.balanceOf(operator) == 9 * TOKEN
    with boa.env.prank(operator):
        registry.unbond(registered.address)
    with boa.env.prank(payer), boa.reverts("subscriptions: the provider is unbonding"):
        registry.pay(registered.address, user, 1)
