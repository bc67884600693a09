#!/usr/bin/env python3
"""Generate the MailvaultPush test vectors with independent Python implementations.

Writes Tests/MailvaultPushTests/Vectors/push.json:
  rfc8291   RFC 8291 Appendix A's inputs and body, checked here first with http-ece
  webpush   aes128gcm bodies made by PyPI `http-ece` from fixed receiver keys, auth secrets,
            sender keys and salts (deterministic: Swift must produce the same bytes)
  vapid     VAPID Authorization headers made by PyPI `py-vapid` (ES256 is randomised, so Swift
            verifies them rather than reproducing them), with the `now` they are valid at
  webhooks  Standard Webhooks signatures made by PyPI `standardwebhooks` (deterministic)

Keys are P-256 scalars derived as sha256(label) (all below the group order); hex is lowercase,
base64url without padding where the protocols use it. Run from the repository root with the
tools' virtual environment (Scripts/setup creates it):
    .venv-tools/bin/python3 Scripts/vectors/push_vectors.py
"""
import base64
import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

import http_ece
import py_vapid
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from standardwebhooks.webhooks import Webhook


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def scalar(label: str) -> bytes:
    return hashlib.sha256(label.encode()).digest()


def private_key(raw: bytes) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())


def public_bytes(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def rfc8291() -> dict:
    # RFC 8291, Appendix A (the values as printed there).
    case = {
        "plaintext": "When I grow up, I want to be a watermelon",
        "asPrivate": "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw",
        "asPublic": "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8",
        "uaPrivate": "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94",
        "uaPublic": "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
        "salt": "DGv6ra1nlYgDCS1FRnbzlw",
        "auth": "BTBZMqHH6r4Tts7J_aSIgg",
        "body": "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN",
    }
    sender = private_key(unb64u(case["asPrivate"]))
    assert b64u(public_bytes(sender)) == case["asPublic"]
    assert b64u(public_bytes(private_key(unb64u(case["uaPrivate"])))) == case["uaPublic"]
    body = http_ece.encrypt(case["plaintext"].encode(), salt=unb64u(case["salt"]), private_key=sender,
                            dh=unb64u(case["uaPublic"]), auth_secret=unb64u(case["auth"]), rs=4096, version="aes128gcm")
    assert b64u(body) == case["body"], "http-ece does not reproduce RFC 8291 Appendix A"
    return case


def webpush() -> list:
    cases = []
    payloads = [b"", b"x", b'{"hash":"0x' + b"ab" * 32 + b'","id":"' + b"0" * 32 + b'","sent":1700000000,"topic":"0x01020304"}',
                bytes(range(256)) * 4, bytes((i * 7) & 0xFF for i in range(3993))]
    for index, payload in enumerate(payloads):
        receiver = private_key(scalar(f"mailvault-push-receiver-{index}"))
        sender = private_key(scalar(f"mailvault-push-sender-{index}"))
        auth = scalar(f"mailvault-push-auth-{index}")[:16]
        salt = scalar(f"mailvault-push-salt-{index}")[:16]
        record_size = 4096 if index != 1 else 18
        body = http_ece.encrypt(payload, salt=salt, private_key=sender, dh=public_bytes(receiver), auth_secret=auth,
                                rs=record_size, version="aes128gcm")
        assert http_ece.decrypt(body, private_key=receiver, dh=None, auth_secret=auth, version="aes128gcm") == payload
        cases.append({
            "receiverPrivate": b64u(scalar(f"mailvault-push-receiver-{index}")),
            "receiverPublic": b64u(public_bytes(receiver)),
            "auth": b64u(auth),
            "senderPrivate": b64u(scalar(f"mailvault-push-sender-{index}")),
            "salt": b64u(salt),
            "recordSize": record_size,
            "payload": payload.hex(),
            "body": body.hex(),
        })
    return cases


def vapid(now: int) -> list:
    cases = []
    for index, (audience, subject, ahead) in enumerate([("https://push.example.net", "mailto:ops@example.org", 3600),
                                                          ("https://fcm.googleapis.com", "https://example.org", 86400),
                                                          ("http://127.0.0.1:8443", "mailto:push@mailvault.example", 60)]):
        key = py_vapid.Vapid02.from_raw(b64u(scalar(f"mailvault-vapid-{index}")).encode())
        header = key.sign({"aud": audience, "sub": subject, "exp": now + ahead})["Authorization"]
        assert py_vapid.Vapid02.verify(header)
        cases.append({"header": header, "audience": audience, "subject": subject, "expires": now + ahead,
                      "publicKey": b64u(public_bytes(key.private_key))})
    return cases


def webhooks() -> list:
    cases = []
    for index, (byte_count, message_id, timestamp, payload) in enumerate([
        (24, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", 1674087231, b'{"test":2432232314}'),
        (32, "0123456789abcdef0123456789abcdef", 1700000000, b'{"hash":"0x01","id":"x","sent":1,"topic":"0x01020304"}'),
        (64, "n.1", 1, b""),
    ]):
        raw = (scalar(f"mailvault-webhook-{index}") + scalar(f"mailvault-webhook-{index}-b"))[:byte_count]
        secret = "whsec_" + base64.b64encode(raw).decode()
        signature = Webhook(secret).sign(message_id, datetime.fromtimestamp(timestamp, tz=timezone.utc), payload)
        cases.append({"secret": secret, "id": message_id, "timestamp": timestamp, "payload": payload.hex(),
                      "signature": signature})
    return cases


def main() -> None:
    now = 1_764_806_400  # 2025-12-04T00:00:00Z: the `now` the VAPID tokens are checked at
    vectors = {"rfc8291": rfc8291(), "webpush": webpush(), "vapid": {"now": now, "cases": vapid(now)},
               "webhooks": webhooks()}
    out = Path("Tests/MailvaultPushTests/Vectors/push.json")
    out.write_text(json.dumps(vectors, indent=1, sort_keys=True) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
