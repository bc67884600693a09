"""Slashes on py-evm with the calldata `mailvault evidence calldata` wrote, and checks that calldata
against an independent encoder.

Run by the Swift end-to-end test (Tests/MailvaultServerTests/SlashEvidenceTests.swift) after a
real `mailvault audit` against a withholding server:

    slash_cli.py --evidence FILE --secret HEX --reporter 0x… --salt 0x… --commit-calldata 0x… --slash-calldata 0x…

It deploys the stake token, the verifier and the registry, registers the provider key (signing
the authorisation with its secret, as the provider would), sets the chain's clock an hour after
the receipt's serverTime, sends the commit call and, a block later, the slash call, and checks
that the reporter was paid. It then checks that the slash calldata equals eth-abi's encoding of
the same evidence read here from the file, with the selector from the contract's own ABI, and
that the same calldata a second time reverts. Prints one line per fact; exits non-zero on the
first that fails.
"""

import argparse
import json
import os
import re
import sys

import boa
import eth_abi

sys.path.insert(0, os.path.dirname(__file__))

from conftest import MINIMUM_STAKE, PENALTY, REPORTER_BPS, deploy_registry, deployer, register  # noqa: E402
from evidence import Provider, keccak  # noqa: E402


def abi_type(entry: dict) -> str:
    """The canonical type of an ABI JSON parameter (tuples spelled out)."""
    kind = entry["type"]
    if kind.startswith("tuple"):
        return "(" + ",".join(abi_type(c) for c in entry["components"]) + ")" + kind[len("tuple"):]
    return kind


def expected_calldata(abi: list, evidence: dict, reporter: str, salt: bytes) -> bytes:
    """The slash call for `evidence`, encoded by eth-abi from the file's own fields."""
    slash = next(e for e in abi if e.get("name") == "slash" and e.get("type") == "function")
    types = [abi_type(i) for i in slash["inputs"]]
    selector = keccak(("slash(" + ",".join(types) + ")").encode())[:4]
    signed = evidence["receipt"]
    document = signed["document"]
    fields = json.loads(document)
    query, coverage = fields["query"], fields["coverage"]
    minimum = re.search(r'"minimumPoW":([^,}]*)', document).group(1)
    raw = bytes.fromhex(signed["signature"][2:])
    path = signed.get("path", [])
    left = sum(1 << i for i, step in enumerate(path) if "left" in step)
    hexbytes = lambda text: bytes.fromhex(text[2:]) if text else b""  # noqa: E731
    receipt = (fields["endpoint"], hexbytes(fields["descriptor"]), fields["serverTime"], query["from"], query["to"],
               query["limit"], [hexbytes(t) for t in query["topics"]], hexbytes(query.get("bloom")),
               hexbytes(query.get("cursor")), hexbytes(fields.get("next")), coverage["from"],
               [tuple(g) for g in coverage["gaps"]], coverage["maximumAge"], minimum,
               "maximumEnvelopeSize" in coverage, coverage.get("maximumEnvelopeSize", 0),
               "newestIngest" in coverage, coverage.get("newestIngest", 0))
    arguments = (signed["signer"], receipt, (raw[:32], raw[32:64], raw[64]),
                 [hexbytes(next(iter(step.values()))) for step in path], left,
                 b"".join(hexbytes(k) for k in evidence["keys"]), hexbytes(evidence["envelope"]), reporter, salt)
    return selector + eth_abi.encode(types, arguments)


def main() -> int:
    parser = argparse.ArgumentParser()
    for name in ["evidence", "secret", "reporter", "salt", "commit-calldata", "slash-calldata"]:
        parser.add_argument("--" + name, required=True)
    options = parser.parse_args()
    with open(options.evidence) as file:
        evidence = json.load(file)
    commit_call = bytes.fromhex(options.commit_calldata[2:])
    slash_call = bytes.fromhex(options.slash_calldata[2:])
    reporter = options.reporter

    provider = Provider(bytes.fromhex(options.secret))
    if provider.address.lower() != evidence["receipt"]["signer"].lower():
        print(f"the secret's address {provider.address} is not the receipt's signer", file=sys.stderr)
        return 1
    server_time = json.loads(evidence["receipt"]["document"])["serverTime"]
    boa.env.timestamp = server_time + 3600

    token = deployer("tests/StakeToken.vy").deploy()
    registry = deploy_registry(token)
    register(registry, token, provider, boa.env.generate_address("operator"))
    print(f"registered {provider.address} with a stake of {registry.providers(provider.address).stake}")

    expected = expected_calldata(registry.abi, evidence, options.reporter, bytes.fromhex(options.salt[2:]))
    if expected != slash_call:
        print(f"the Swift calldata differs from eth-abi's ({len(slash_call)} and {len(expected)} bytes)", file=sys.stderr)
        return 1
    print(f"calldata equals eth-abi's encoding ({len(slash_call)} bytes)")

    sender = boa.env.generate_address("submitter")
    boa.env.raw_call(registry.address, sender=sender, data=commit_call)
    boa.env.time_travel(blocks=1)
    result = boa.env.raw_call(registry.address, sender=sender, data=slash_call)
    paid = token.balanceOf(reporter)
    if paid != PENALTY * REPORTER_BPS // 10_000:
        print(f"the reporter was paid {paid}", file=sys.stderr)
        return 1
    print(f"slashed: the reporter was paid {paid}, the stake is now {registry.providers(provider.address).stake} "
          f"of {MINIMUM_STAKE}, gas {result.get_gas_used()}")
    try:
        boa.env.raw_call(registry.address, sender=sender, data=slash_call)
    except Exception as error:  # noqa: BLE001 - py-evm's Revert carries the reason in its data
        if "already slashed" not in repr(error):
            print(f"the second slash reverted for another reason: {error!r}", file=sys.stderr)
            return 1
        print("the same evidence again reverts: already slashed")
    else:
        print("the same evidence slashed twice", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
