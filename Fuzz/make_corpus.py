#!/usr/bin/env python3
"""Writes the seed corpus Fuzz/Corpus/<target>/ from the committed test vectors (which come from
an independent implementation, see Scripts/vectors/). Run from the repository root:
python3 Fuzz/make_corpus.py"""
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VECTORS = ROOT / "Tests/MailvaultCoreTests/Vectors"
CORPUS = ROOT / "Fuzz/Corpus"


def load(name):
    return json.loads((VECTORS / name).read_text())


def write(target, name, data: bytes):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def rlp_list(payload: bytes) -> bytes:
    if len(payload) < 56:
        return bytes([0xC0 + len(payload)]) + payload
    size = len(payload).to_bytes((len(payload).bit_length() + 7) // 8, "big")
    return bytes([0xF7 + len(size)]) + size + payload


envelopes = [bytes.fromhex(v["rlp"]) for v in load("envelopes.json") if "rlp" in v and len(v["rlp"]) <= 8192]
invalid = [(v["error"], bytes.fromhex(v["rlp"])) for v in load("invalid_envelopes.json")]
suite = load("rlp_suite.json")

for index, envelope in enumerate(envelopes):
    write("FuzzEnvelope", f"valid-{index:02}", envelope)
for index, (error, data) in enumerate(invalid):
    write("FuzzEnvelope", f"invalid-{index:02}-{error}", data)

for index, case in enumerate(suite["valid"]):
    write("FuzzRLP", f"valid-{index:02}", bytes.fromhex(case["out"]))
for index, case in enumerate(suite["invalid"]):
    write("FuzzRLP", f"invalid-{index:02}", bytes.fromhex(case["out"]))

write("FuzzPacket", "empty", bytes([0xC0]))
write("FuzzPacket", "one", rlp_list(envelopes[0]))
write("FuzzPacket", "small-mixed", rlp_list(b"".join(envelopes[:12])))
write("FuzzPacket", "with-invalid", rlp_list(envelopes[1] + invalid[0][1]))

for length in (0, 1, 45, 46, 136, 137, 255):
    write("FuzzKeccakLanes", f"lengths-{length}", bytes([length % 256]) + bytes(range(256))[: length * 3 % 256])
write("FuzzKeccakLanes", "many", bytes([45, 0] * 200) + bytes(range(256)) * 4)

for name, text in [("topic", "0x0000ff06"), ("hash", "0x" + "ab" * 32), ("bloom", "0x" + "01" * 64),
                   ("upper", "0XDEADBEEF"), ("odd", "0xabc"), ("empty", "")]:
    write("FuzzHex", name, text.encode())
print("corpus written")
