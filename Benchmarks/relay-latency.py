#!/usr/bin/env python3
"""Live relay latency: posts envelopes to node A at a fixed rate and times each one from the POST
answer to its arrival on node C's live subscription (sent by C once the envelope is stored there,
so queryable). Prints the median, p90, p99 and max in milliseconds, and how many arrived.

usage: relay-latency.py PACKETS_FILE POST_URL WATCH_URL RATE BATCH
  PACKETS_FILE  one hex RLP packet (one envelope) a line (SyncReport live)
  RATE          envelopes per second posted to POST_URL, BATCH envelopes per request
"""
import http.client
import json
import sys
import threading
import time
import urllib.parse

packets_file, post_url, watch_url, rate, batch = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
packets = [bytes.fromhex(line.strip()) for line in open(packets_file) if line.strip()]
answered = {}  # hash -> monotonic time the POST answered
arrived = {}   # hash -> monotonic time C announced it
lock = threading.Lock()
subscribed = threading.Event()


def rlp_list(items):
    payload = b"".join(items)
    if len(payload) < 56:
        return bytes([0xC0 + len(payload)]) + payload
    length = len(payload).to_bytes((len(payload).bit_length() + 7) // 8, "big")
    return bytes([0xF7 + len(length)]) + length + payload


def unwrap(packet):
    """The single envelope inside a one-envelope packet."""
    first = packet[0]
    if first <= 0xF7:
        return packet[1:]
    return packet[1 + first - 0xF7:]


def watch():
    target = urllib.parse.urlparse(watch_url)
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
    connection.request("GET", "/v1/subscribe")
    response = connection.getresponse()
    subscribed.set()
    for raw in response:
        line = raw.decode().strip()
        if line.startswith("data: "):
            now = time.monotonic()
            envelope = json.loads(line[6:])
            with lock:
                arrived[envelope["hash"]] = now


threading.Thread(target=watch, daemon=True).start()
subscribed.wait(10)
time.sleep(0.5)
target = urllib.parse.urlparse(post_url)
connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
interval = batch / rate
start = time.monotonic()
for index in range(0, len(packets), batch):
    due = start + (index // batch) * interval
    pause = due - time.monotonic()
    if pause > 0:
        time.sleep(pause)
    body = rlp_list([unwrap(p) for p in packets[index:index + batch]])
    connection.request("POST", "/v1/envelopes", body=body, headers={"Content-Type": "application/x-rlp"})
    response = connection.getresponse()
    answer = json.loads(response.read())
    now = time.monotonic()
    with lock:
        for result in answer.get("results", []):
            answered[result["hash"]] = now
elapsed = time.monotonic() - start
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    with lock:
        if all(h in arrived for h in answered):
            break
    time.sleep(0.1)
with lock:
    latencies = sorted((arrived[h] - t) * 1000 for h, t in answered.items() if h in arrived)
posted = len(answered)


def percentile(p):
    return latencies[min(len(latencies) - 1, int(p * len(latencies)))] if latencies else float("nan")


print(f"relay_posted {posted} envelopes")
print(f"relay_post_rate {posted / elapsed:.0f} envelopes/s")
print(f"relay_arrived {len(latencies)} envelopes")
print(f"relay_latency_p50 {percentile(0.5):.1f} ms")
print(f"relay_latency_p90 {percentile(0.9):.1f} ms")
print(f"relay_latency_p99 {percentile(0.99):.1f} ms")
print(f"relay_latency_max {latencies[-1] if latencies else float('nan'):.1f} ms")
