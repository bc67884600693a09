#!/usr/bin/env python3
"""Independent vectors for MailvaultDiscovery (EIP-778 node records, EIP-1459 trees).

Made with PyPI's eth-enr (records), eth-keys (keys and signatures), rlp and eth-hash
(keccak256), never with Mailvault's code. Run it in a virtual environment outside the repository:

    python3 -m venv /work/venv-disc
    /work/venv-disc/bin/pip install eth-enr 'eth-hash[pycryptodome]'
    /work/venv-disc/bin/python Scripts/vectors/discovery_vectors.py \
        > Tests/MailvaultDiscoveryTests/Vectors/discovery_vectors.json

The tree is built with go-ethereum's published layout (p2p/dnsdisc): records sorted by node id,
links by text, branches of at most 13 children, a subtree of one entry is that entry.
"""
import base64
import ipaddress
import json

import rlp
from eth_enr import ENR, UnsignedENR
from eth_hash.auto import keccak
from eth_keys import keys

EIP778_SECRET = "b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291"
EIP778_TEXT = (
    "enr:-IS4QHCYrYZbAKWCBRlAy5zzaDZXJBGkcnh4MHcBFZntXNFrdvJjX04jRzjzCBOonrkTfj499SZuOh8R33Ls8RRcy5wB"
    "gmlkgnY0gmlwhH8AAAGJc2VjcDI1NmsxoQPKY0yuDUmstAHYpMa2_oxVtw0RW_QAdpzBQA8yWM0xOIN1ZHCCdl8"
)
MAX_CHILDREN = 13


def secret(n):
    """A fixed secret key: keccak256 of a label (all are valid secp256k1 scalars in practice)."""
    return keccak(f"mailvault discovery vector {n}".encode())


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b32(data):
    return base64.b32encode(data).rstrip(b"=").decode()


def label(text):
    return b32(keccak(text.encode())[:16])


def mailvault_value(urls, version=1):
    # The record value under "mailvault": rlp([version, [url, ...]]), built as raw RLP items.
    return [rlp.sedes.big_endian_int.serialize(version), [u.encode() for u in urls]]


def make_record(secret_bytes, seq, pairs):
    private = keys.PrivateKey(secret_bytes)
    kv = {b"id": b"v4", b"secp256k1": private.public_key.to_compressed_bytes()}
    kv.update(pairs)
    enr = UnsignedENR(seq, kv).to_signed_enr(secret_bytes)
    text = repr(enr)
    # The text decodes back, and its signature verifies, in eth-enr too.
    ENR.from_repr(text).validate_signature()
    encoded_pairs = []
    for key in sorted(kv):
        value = kv[key]
        if key in (b"tcp", b"udp"):
            item = rlp.encode(value, sedes=rlp.sedes.big_endian_int)
        else:
            item = rlp.encode(value)
        encoded_pairs.append({"key": key.decode(), "value": item.hex()})
    return {
        "secret": secret_bytes.hex(),
        "seq": seq,
        "pairs": [p for p in encoded_pairs if p["key"] not in ("id", "secp256k1")],
        "allPairs": encoded_pairs,
        "text": text,
        "rlp": rlp.encode(enr).hex(),
        "nodeID": enr.node_id.hex(),
        "compressedKey": private.public_key.to_compressed_bytes().hex(),
        "address": private.public_key.to_checksum_address().lower(),
    }


def build(texts, entries):
    for t in texts:
        entries[label(t)] = t
    level = list(texts) or ["enrtree-branch:"]
    while len(level) > 1:
        nxt = []
        for i in range(0, len(level), MAX_CHILDREN):
            group = level[i:i + MAX_CHILDREN]
            branch = group[0] if len(group) == 1 else "enrtree-branch:" + ",".join(label(g) for g in group)
            entries[label(branch)] = branch
            nxt.append(branch)
        level = nxt
    entries[label(level[0])] = level[0]
    return label(level[0])


def make_tree(curator_secret, seq, records, links):
    ordered = [r["text"] for r in sorted(records, key=lambda r: r["nodeID"])]
    entries = {}
    e_root = build(ordered, entries)
    l_root = build(sorted(links), entries)
    signed = f"enrtree-root:v1 e={e_root} l={l_root} seq={seq}"
    signature = keys.PrivateKey(curator_secret).sign_msg_hash(keccak(signed.encode()))
    root = signed + " sig=" + b64url(signature.to_bytes())
    curator = keys.PrivateKey(curator_secret).public_key.to_compressed_bytes()
    return {
        "curatorSecret": curator_secret.hex(),
        "curatorKey": b32(curator),
        "seq": seq,
        "links": sorted(links),
        "root": root,
        "entries": entries,
    }


def main():
    eip = make_record(bytes.fromhex(EIP778_SECRET), 1, {
        b"ip": ipaddress.ip_address("127.0.0.1").packed,
        b"udp": 30303,
    })
    assert eip["text"] == EIP778_TEXT, eip["text"]

    records = [
        eip,
        make_record(secret(1), 1, {b"mailvault": mailvault_value(["https://mail.example.org"])}),
        make_record(secret(2), 7, {
            b"mailvault": mailvault_value(["http://127.0.0.1:8080", "https://b.example.net:8443/mv"]),
            b"zz-unknown": [b"\x01", [b"nested", b""]],
        }),
        make_record(secret(3), 0, {}),
        make_record(secret(4), 2**40 + 5, {b"tcp": 30303, b"mailvault": mailvault_value(["https://x.example"], version=2)}),
    ]

    tree_records = [
        make_record(secret(100 + n), n, {b"mailvault": mailvault_value([f"https://p{n}.example.org"])})
        for n in range(20)
    ]
    link_key = b32(keys.PrivateKey(secret(200)).public_key.to_compressed_bytes())
    links = [f"enrtree://{link_key}@more.example.org", f"enrtree://{link_key}@other.example.org"]
    big_tree = make_tree(secret(300), 42, tree_records, links)
    small_tree = make_tree(secret(301), 1, tree_records[:1], [])
    empty_tree = make_tree(secret(302), 0, [], [])

    # The EIP-1459 example zone: labels of its entries, and the key its root recovers to.
    eip1459_root = ("enrtree-root:v1 e=JWXYDBPXYWG6FX3GMDIBFA6CJ4 l=C7HRFPF3BLGF3YR4DY5KX3SMBE seq=1 "
                    "sig=o908WmNp7LibOfPsr4btQwatZJ5URBr2ZAuxvK4UWHlsB9sUOTJQaGAlLPVAhM__XJesCHxLISo94z5Z2a463gA")
    eip1459_entries = [
        "enrtree://AM5FCQLWIZX2QFPNJAP7VUERCCRNGRHWZG3YYHIUV7BVDQ5FDPRT2@morenodes.example.org",
        "enrtree-branch:2XS2367YHAXJFGLZHVAWLQD4ZY,H4FHT4B454P6UXFD7JCYQ5PWDY,MHTDO6TMUBRIA2XWG5LUDACK24",
        "enr:-HW4QOFzoVLaFJnNhbgMoDXPnOvcdVuj7pDpqRvh6BRDO68aVi5ZcjB3vzQRZH2IcLBGHzo8uUN3snqmgTiE56CH3AMBgmlkgnY0iXNlY3AyNTZrMaECC2_24YYkYHEgdzxlSNKQEnHhuNAbNlMlWJxrJxbAFvA",
        "enr:-HW4QAggRauloj2SDLtIHN1XBkvhFZ1vtf1raYQp9TBW2RD5EEawDzbtSmlXUfnaHcvwOizhVYLtr7e6vw7NAf6mTuoCgmlkgnY0iXNlY3AyNTZrMaECjrXI8TLNXU0f8cthpAMxEshUyQlK-AM0PW2wfrnacNI",
        "enr:-HW4QLAYqmrwllBEnzWWs7I5Ev2IAs7x_dZlbYdRdMUx5EyKHDXp7AV5CkuPGUPdvbv1_Ms1CPfhcGCvSElSosZmyoqAgmlkgnY0iXNlY3AyNTZrMaECriawHKWdDRk2xeZkrOXBQ0dfMFLHY4eENZwdufn1S1o",
    ]
    for text in eip1459_entries[2:]:
        ENR.from_repr(text).validate_signature()
    sig = base64.urlsafe_b64decode(eip1459_root.split(" sig=")[1] + "==")
    signed = eip1459_root.split(" sig=")[0]
    recovered = keys.Signature(sig).recover_public_key_from_msg_hash(keccak(signed.encode()))
    eip1459 = {
        "root": eip1459_root,
        "signerKey": b32(recovered.to_compressed_bytes()),
        "entries": {label(t): t for t in eip1459_entries},
    }

    print(json.dumps({
        "generator": "Scripts/vectors/discovery_vectors.py (eth-enr, eth-keys, rlp, eth-hash)",
        "records": records,
        "treeRecords": tree_records,
        "trees": [big_tree, small_tree, empty_tree],
        "eip1459": eip1459,
    }, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
