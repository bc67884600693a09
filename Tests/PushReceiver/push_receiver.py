#!/usr/bin/env python3
"""A push receiver for the push tests and the push benchmark, on 127.0.0.1 only: a
gorush-compatible endpoint (POST /api/push), a Web Push service (POST /wp/<id>) and a Standard
Webhooks endpoint (POST /hook). It checks what the node sends with independent implementations
from PyPI (standardwebhooks, http-ece, py-vapid; Scripts/setup installs them in .venv-tools), so
it shares no code with the node it checks.

    .venv-tools/bin/python3 push_receiver.py PORT DIR

At start it makes a Web Push subscription key pair (P-256) and auth secret, as a browser does,
and writes {"p256dh","auth"} (base64url) to DIR/subscription.json before printing "ready".

Every request is appended to DIR/requests.jsonl as it arrives (before the answer), with
"verified" for /hook (the Standard Webhooks signature) and /wp (the VAPID token verifies, its
audience is this origin, and the body decrypts as aes128gcm) and, for /wp, the decrypted
"plaintext". Control files in DIR, read on each request:
  secret   the webhook secret (whsec_...)
  status   an HTTP status to answer instead of success (e.g. 410, 503), with Retry-After: 1
  location a Location header to send with that status (a redirect the node must not follow)
  delay    seconds to wait before answering
gorush answers {"success":"ok","counts":N,"logs":[...]}, with a failed-push log entry
("BadDeviceToken") for each token that starts with "invalid-". With DIR/quiet present, gorush
requests are recorded as their token count only (the benchmark sends tens of thousands).
"""
import base64
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import py_vapid
from cryptography.hazmat.primitives.asymmetric import ec
from standardwebhooks.webhooks import Webhook

PORT, DIR = int(sys.argv[1]), sys.argv[2]
ORIGIN = f"http://127.0.0.1:{PORT}"


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# The subscription outlives a restart of the receiver, as a browser's does.
KEY_FILE = os.path.join(DIR, "subscription.key")
if os.path.exists(KEY_FILE):
    with open(KEY_FILE) as f:
        scalar, auth = f.read().split()
    SUBSCRIPTION_KEY = ec.derive_private_key(int(scalar, 16), ec.SECP256R1())
    AUTH = bytes.fromhex(auth)
else:
    SUBSCRIPTION_KEY = ec.generate_private_key(ec.SECP256R1())
    AUTH = os.urandom(16)
    with open(KEY_FILE, "w") as f:
        f.write(f"{SUBSCRIPTION_KEY.private_numbers().private_value:x} {AUTH.hex()}")
PUBLIC = SUBSCRIPTION_KEY.public_key().public_numbers()
P256DH = b"\x04" + PUBLIC.x.to_bytes(32, "big") + PUBLIC.y.to_bytes(32, "big")


def control(name):
    try:
        with open(os.path.join(DIR, name)) as f:
            return f.read().strip()
    except FileNotFoundError:
        return None


def verify_webhook(headers, body):
    secret = control("secret")
    if not secret:
        return False
    try:
        Webhook(secret).verify(body, {k: headers.get(k, "") for k in ("webhook-id", "webhook-timestamp", "webhook-signature")},
                               json_parse=False)
        return True
    except Exception:
        return False


def verify_web_push(headers, body):
    """RFC 8292 and RFC 8291 as a push service and a user agent check them."""
    authorization = headers.get("authorization", "")
    if not authorization.startswith("vapid "):
        return False, None, "no vapid authorization"
    compact = authorization.replace(", ", ",")  # py-vapid splits the parameters on ","
    try:
        if not py_vapid.Vapid02.verify(compact):
            return False, None, "the VAPID signature does not verify"
        token = dict(part.split("=", 1) for part in compact.split(" ", 1)[1].split(","))["t"]
        claims = json.loads(unb64u(token.split(".")[1]))
    except Exception as error:
        return False, None, f"VAPID: {error}"
    if claims.get("aud") != ORIGIN or not time.time() < claims.get("exp", 0) <= time.time() + 86400:
        return False, None, f"VAPID claims {claims}"
    if headers.get("content-encoding") != "aes128gcm" or not headers.get("ttl"):
        return False, None, "no aes128gcm Content-Encoding or no TTL"
    try:
        plaintext = http_ece.decrypt(body, private_key=SUBSCRIPTION_KEY, auth_secret=AUTH, version="aes128gcm")
    except Exception as error:
        return False, None, f"decrypt: {error}"
    return True, plaintext.decode("utf-8", "replace"), None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        record = {"path": self.path, "headers": headers, "at": time.time()}
        verified = None
        if self.path == "/hook":
            verified = verify_webhook(headers, body)
            record["body"] = body.decode("utf-8", "replace")
        elif self.path.startswith("/wp/"):
            verified, plaintext, reason = verify_web_push(headers, body)
            record["plaintext"], record["reason"] = plaintext, reason
        elif self.path == "/api/push" and os.path.exists(os.path.join(DIR, "quiet")):
            notifications = json.loads(body)["notifications"]
            record = {"path": self.path, "at": time.time(), "tokens": sum(len(n["tokens"]) for n in notifications)}
        else:
            record["body"] = body.decode("utf-8", "replace")
        if verified is not None:
            record["verified"] = verified
        with open(os.path.join(DIR, "requests.jsonl"), "a") as f:
            f.write(json.dumps(record) + "\n")
            f.flush()
        delay = control("delay")
        if delay:
            time.sleep(float(delay))
        status = control("status")
        if status:
            extra = {"Retry-After": "1"}
            if control("location"):
                extra["Location"] = control("location")
            self.answer(int(status), b'{"error":"told to fail"}', extra)
        elif verified is not None:
            self.answer((204 if self.path == "/hook" else 201) if verified else 401, b"")
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


with open(os.path.join(DIR, "subscription.json"), "w") as f:
    json.dump({"p256dh": b64u(P256DH), "auth": b64u(AUTH)}, f)
ThreadingHTTPServer.allow_reuse_address = True
ThreadingHTTPServer.daemon_threads = True
server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
print("ready", flush=True)
server.serve_forever()
