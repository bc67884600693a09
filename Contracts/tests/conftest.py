"""Fixtures shared by the contract tests: a stake token, the registry, a registered provider."""

import functools
import os
import sys

import boa
import pytest

sys.path.insert(0, os.path.dirname(__file__))

from evidence import Provider  # noqa: E402

CONTRACTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKEN = 10**18
MINIMUM_STAKE = 10_000 * TOKEN
PENALTY = 1_000 * TOKEN
REPORTER_BPS = 5_000
EVIDENCE_WINDOW = 7 * 86400
UNBONDING_DELAY = 14 * 86400
ANSWER_GRACE = 60
PERIOD = 30 * 86400


@functools.cache
def deployer(path):
    """The compiled contract at `path` under Contracts/, compiled once per test session."""
    return boa.load_partial(os.path.join(CONTRACTS, path))


def deploy_registry(token, **overrides):
    parameters = dict(minimum=MINIMUM_STAKE, penalty=PENALTY, reporter_bps=REPORTER_BPS, window=EVIDENCE_WINDOW,
                      delay=UNBONDING_DELAY, grace=ANSWER_GRACE, period=PERIOD)
    parameters.update(overrides)
    verifier = deployer("OmissionVerifier.vy").deploy()
    return deployer("ProviderRegistry.vy").deploy(token.address, verifier.address, parameters["minimum"],
                    parameters["penalty"], parameters["reporter_bps"], parameters["window"], parameters["delay"],
                    parameters["grace"], parameters["period"])


def register(registry, token, provider, operator, amount=MINIMUM_STAKE, endpoint="https://mailvault.example:8443",
             descriptor=b"\x22" * 32):
    """Registers `provider` with `operator` paying, the provider key signing the authorisation;
    returns the call's logs."""
    deadline = boa.env.evm.patch.timestamp + 3600
    token.mint(operator, amount)
    with boa.env.prank(operator):
        token.approve(registry.address, amount)
        digest = registry.registration_digest(provider.address, operator, endpoint, descriptor, deadline)
        registry.register(provider.address, endpoint, descriptor, amount, deadline, provider.sign(digest))
        return registry.get_logs()


@pytest.fixture
def token():
    return deployer("tests/StakeToken.vy").deploy()


@pytest.fixture
def registry(token):
    return deploy_registry(token)


@pytest.fixture
def operator():
    return boa.env.generate_address("operator")


@pytest.fixture
def provider():
    return Provider(b"\x07" * 32)


@pytest.fixture
def registered(registry, token, provider, operator):
    register(registry, token, provider, operator)
    return provider
