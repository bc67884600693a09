#!/usr/bin/env python3
"""An Ethereum JSON-RPC endpoint over py-evm (titanoboa) for the paid-mode tests of
`mailvault serve --subscriptions` (Tests/mailvaultTests/PaidServiceTests.swift), on 127.0.0.1
only. It deploys the stake token and ProviderRegistry.vy, registers the node's provider key,
lists a subscription price, and pays: 2 periods for PAID, and 1 period, ended 30 days ago, for
EXPIRED. Then it answers eth_call (at the latest state), eth_chainId and eth_blockNumber.

    rpc_harness.py PORT DIR PROVIDER_SECRET_HEX PAID_ADDRESS EXPIRED_ADDRESS

Writes DIR/chain.json ({"contract","token","price","period"}), then prints "ready". Control:
DIR/delay holds seconds to wait before answering an eth_call (a slow endpoint).
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boa

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conftest import PERIOD, TOKEN, deploy_registry, deployer, register  # noqa: E402
from evidence import Provider  # noqa: E402

PORT, DIR, SECRET, PAID, EXPIRED = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
PRICE = 5 * TOKEN

token = deployer("tests/StakeToken.vy").deploy()
registry = deploy_registry(token)
provider = Provider(bytes.fromhex(SECRET))
operator = boa.env.generate_address("operator")
register(registry, token, provider, operator)
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
