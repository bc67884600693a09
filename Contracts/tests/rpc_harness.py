#!/usr/bin/env python3
"""An Ethereum JSON-RPC endpoint over py-evm (titanoboa) for the paid-mode tests of
`mailvault serve --subscriptions` (Tests/mailvaultTests/PaidServiceTests.swift), on 127.0.0.1
only. It deploys the stake token and ProviderRegistry.vy, registers the node's provider key,
lists a subscription price, and pays: 2 periods for PAID, and 1 period, ended 30 days ago, for
EXPIRED. Then it answers eth_call (at the latest state), eth_getLogs (the registry's logs of
those transactions, one block each), eth_chainId and eth_blockNumber.

    rpc_harness.py PORT DIR PROVIDER_SECRET_HEX PAID_ADDRESS EXPIRED_ADDRESS [ENDPOINT]

With ENDPOINT (a running node's URL), the provider is registered with that endpoint and the
digest of the descriptor the node serves there (computed here: keccak256("mailvault/v1/" ++ kind
++ 0x00 ++ document)), and a second provider key, not the node's, is registered with the same
endpoint: the impostor discovery must drop.

Writes DIR/chain.json ({"contract","token","price","period"}), then prints "ready". Control:
DIR/delay holds seconds to wait before answering an eth_call (a slow endpoint).
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import urllib.request

import boa
from eth_utils import keccak

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conftest import MINIMUM_STAKE, PERIOD, TOKEN, deploy_registry, deployer, register  # noqa: E402
from evidence import Provider  # noqa: E402

PORT, DIR, SECRET, PAID, EXPIRED = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
ENDPOINT = sys.argv[6] if len(sys.argv) > 6 else None
PRICE = 5 * TOKEN
LOGS = []  # eth_getLogs entries, one block per transaction


def record(contract):
    """Keeps the logs of `contract`'s last transaction, as a node would index them."""
    block = len({entry["blockNumber"] for entry in LOGS}) + 1
    for index, address, topics, data in contract._computation.get_raw_log_entries():
        LOGS.append({"address": "0x" + address.hex(), "topics": ["0x" + topic.to_bytes(32, "big").hex() for topic in topics],
                     "data": "0x" + data.hex(), "blockNumber": hex(block), "logIndex": hex(index), "removed": False})

token = deployer("tests/StakeToken.vy").deploy()
registry = deploy_registry(token)
provider = Provider(bytes.fromhex(SECRET))
operator = boa.env.generate_address("operator")
if ENDPOINT:
    with urllib.request.urlopen(ENDPOINT + "/v1/provider", timeout=10) as answer:
        served = json.load(answer)
    digest = keccak(b"mailvault/v1/" + served["kind"].encode() + b"\x00" + served["document"].encode())
    register(registry, token, provider, operator, endpoint=ENDPOINT, descriptor=digest)
    record(registry)
    impostor = Provider(b"\x09" * 32)
    register(registry, token, impostor, boa.env.generate_address("impostor"), amount=2 * MINIMUM_STAKE, endpoint=ENDPOINT,
             descriptor=digest)
    record(registry)
else:
    register(registry, token, provider, operator)
    record(registry)
with boa.env.prank(operator):
    registry.set_price(provider.address, PRICE)


def pay(user, periods):
    payer = boa.env.generate_address()
    token.mint(payer, PRICE * periods)
    with boa.env.prank(payer):
        token.approve(registry.address, PRICE * periods)
        registry.pay(provider.address, user, periods)


pay(PAID, 2)
now = boa.env.evm.patch.timestamp
boa.env.evm.patch.timestamp = now - 60 * 86400  # paid for one period that ended 30 days ago
pay(EXPIRED, 1)
boa.env.evm.patch.timestamp = now
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        method, params = request.get("method"), request.get("params", [])
        answer = {"jsonrpc": "2.0", "id": request.get("id")}
        if method == "eth_call":
            try:
                with open(os.path.join(DIR, "delay")) as f:
                    time.sleep(float(f.read()))
            except FileNotFoundError:
                pass
            try:
                with lock:
                    output = boa.env.raw_call(params[0]["to"], data=bytes.fromhex(params[0]["data"][2:]), simulate=True).output
                answer["result"] = "0x" + output.hex()
            except Exception as error:
                answer["error"] = {"code": 3, "message": f"execution reverted: {error}"}
        elif method == "eth_getLogs":
            query = params[0]
            wanted = {topic.lower() for topic in query.get("topics", [[]])[0]}
            answer["result"] = [entry for entry in LOGS if entry["address"] == query["address"].lower()
                                and (not wanted or entry["topics"][0] in wanted)]
        elif method == "eth_chainId":
            answer["result"] = hex(boa.env.evm.patch.chain_id)
        elif method == "eth_blockNumber":
            answer["result"] = hex(boa.env.evm.patch.block_number)
        else:
            answer["error"] = {"code": -32601, "message": f"the method {method} does not exist"}
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


with open(os.path.join(DIR, "chain.json"), "w") as f:
    json.dump({"contract": str(registry.address), "token": str(token.address), "price": str(PRICE), "period": PERIOD}, f)
ThreadingHTTPServer.daemon_threads = True
server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
print("ready", flush=True)
server.serve_forever()
