#!/usr/bin/env python3
"""Check what MailvaultPush makes with independent implementations (PyPI http-ece, py-vapid,
standardwebhooks), for the Swift tests. Exit status 0 when the check passes, 1 when it fails
(the reason on stderr); the input is read from stdin.

  push-verify.py vapid AUDIENCE NOW          stdin: an Authorization header value
      verifies the ES256 signature with py-vapid, then aud == AUDIENCE and NOW < exp <= NOW + 24 h;
      prints the claims as JSON
  push-verify.py webpush PRIVATE AUTH        stdin: an aes128gcm body, hex
      decrypts with http-ece (PRIVATE: the receiver's P-256 scalar, AUTH: the auth secret, both
      base64url); prints the plaintext, hex
  push-verify.py webhook SECRET ID TIMESTAMP SIGNATURE   stdin: the body, hex
      verifies the webhook-signature with standardwebhooks (which checks the timestamp against
      the current clock, 5 minutes either way)

Run it with the tools' virtual environment: .venv-tools/bin/python3 Scripts/push-verify.py …
"""
import base64
import json
import sys

import http_ece
import py_vapid
from cryptography.hazmat.primitives.asymmetric import ec
from standardwebhooks.webhooks import Webhook


def unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def vapid(audience: str, now: int) -> None:
    header = sys.stdin.read().strip()
    # RFC 8292 writes "t=…, k=…"; py-vapid's parser splits on the last space, so the optional
    # space after the comma is removed before it reads the header.
    compact = header.replace(", ", ",")
    if not py_vapid.Vapid02.verify(compact):
        raise SystemExit("the VAPID signature does not verify")
    token = dict(part.split("=", 1) for part in compact.split(" ", 1)[1].split(","))["t"]
    header_part, claims_part, _ = token.split(".")
    jwt_header = json.loads(unb64u(header_part))
    claims = json.loads(unb64u(claims_part))
    if jwt_header != {"typ": "JWT", "alg": "ES256"}:
        raise SystemExit(f"unexpected JWT header {jwt_header}")
    if claims.get("aud") != audience:
        raise SystemExit(f"aud {claims.get('aud')} is not {audience}")
    if not now < claims["exp"] <= now + 86400:
        raise SystemExit(f"exp {claims['exp']} is not within 24 hours after {now}")
    print(json.dumps(claims, sort_keys=True))


def webpush(private: str, auth: str) -> None:
    body = bytes.fromhex(sys.stdin.read().strip())
    key = ec.derive_private_key(int.from_bytes(unb64u(private), "big"), ec.SECP256R1())
    print(http_ece.decrypt(body, private_key=key, auth_secret=unb64u(auth), version="aes128gcm").hex())


def webhook(secret: str, message_id: str, timestamp: str, signature: str) -> None:
    payload = bytes.fromhex(sys.stdin.read().strip())
    headers = {"webhook-id": message_id, "webhook-timestamp": timestamp, "webhook-signature": signature}
    Webhook(secret).verify(payload, headers, json_parse=False)
    print("ok")


def main() -> None:
    command, arguments = sys.argv[1], sys.argv[2:]
    try:
        if command == "vapid":
            vapid(arguments[0], int(arguments[1]))
        elif command == "webpush":
            webpush(*arguments)
        elif command == "webhook":
            webhook(*arguments)
        else:
            raise SystemExit(f"unknown command {command}")
    except SystemExit:
        raise
    except Exception as error:  # a failed check in any library is a failed check
        raise SystemExit(f"{command}: {type(error).__name__}: {error}")


if __name__ == "__main__":
    main()
