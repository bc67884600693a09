#!/usr/bin/env python3
"""A push receiver for the push tests, on 127.0.0.1 only: a gorush-compatible endpoint
(POST /api/push) and a Standard Webhooks endpoint (POST /hook), written with Python's standard
library alone so that it shares no code with the node it checks.

    push_receiver.py PORT DIR

Every request is appended to DIR/requests.jsonl as it arrives (before the answer). Control files
in DIR, read on each request:
  secret   the webhook secret (whsec_...); a /hook request whose signature does not verify
           against it gets 401 and is recorded with "verified": false
  status   an HTTP status to answer instead of success (e.g. 410, 503)
  delay    seconds to wait before answering
gorush answers {"success":"ok","counts":N,"logs":[...]}, with a failed-push log entry
("BadDeviceToken") for each token that starts with "invalid-".
"""
import base64, hashlib, hmac, json, os, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, DIR = int(sys.argv[1]), sys.argv[2]


def control(name):
    try:
        with open(os.path.join(DIR, name)) as f:
            return f.read().strip()
    except FileNotFoundError:
        return None


def verify(secret, headers, body):
    """The Standard Webhooks scheme: v1,base64(HMAC-SHA256(base64decode(secret minus whsec_),
    id.timestamp.body)); the header may carry several space-separated signatures."""
    msg_id, stamp = headers.get("webhook-id"), headers.get("webhook-timestamp")
    if not secret or not msg_id or not stamp:
        return False
    if abs(time.time() - int(stamp)) > 300:
        return False
    key = base64.b64decode(secret[len("whsec_"):])
    expected = base64.b64encode(hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()).decode()
    given = [s.split(",", 1)[1] for s in headers.get("webhook-signature", "").split() if s.startswith("v1,")]
    return any(hmac.compare_digest(expected, g) for g in given)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        record = {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                  "body": body.decode("utf-8", "replace"), "at": time.time()}
        if self.path == "/hook":
            record["verified"] = verify(control("secret"), record["headers"], body)
        with open(os.path.join(DIR, "requests.jsonl"), "a") as f:
            f.write(json.dumps(record) + "\n")
            f.flush()
        delay = control("delay")
        if delay:
            time.sleep(float(delay))
        status = control("status")
        if status:
            self.answer(int(status), b'{"error":"told to fail"}', {"Retry-After": "1"})
        elif self.path == "/hook":
            self.answer(204 if record["verified"] else 401, b"")
        elif self.path == "/api/push":
            notifications = json.loads(body)["notifications"]
            logs = [{"type": "failed-push", "platform": "android" if n["platform"] == 2 else "ios", "token": t,
                     "message": "BadDeviceToken", "error": "BadDeviceToken"}
                    for n in notifications for t in n["tokens"] if t.startswith("invalid-")]
            count = sum(len(n["tokens"]) for n in notifications)
            self.answer(200, json.dumps({"success": "ok", "counts": count, "logs": logs}).encode())
        else:
            self.answer(404, b"")

    def answer(self, status, body, headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


ThreadingHTTPServer.allow_reuse_address = True
server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
print("ready", flush=True)
server.serve_forever()
