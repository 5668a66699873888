"""generate-capture.py -- writes a large pcap (raw libpcap format, Ethernet/IPv4/UDP) of TURN and ICE traffic for the
analyze-vs-tshark benchmark: CLIENTS clients each make one TURN allocation against 10.0.0.1:3478 (Allocate -> 401,
Allocate with MESSAGE-INTEGRITY -> success, ChannelBind -> success), then exchange ChannelData both ways; every tenth
round a pair of ICE agents does a connectivity check (Binding request with USERNAME, PRIORITY, ICE-CONTROLLING,
MESSAGE-INTEGRITY, FINGERPRINT, and its success response). Packets are 100 µs apart.
Usage: python3 generate-capture.py OUT.pcap PACKETS [CLIENTS]   (TURN user alice:example.org:secret;
ICE ufrags BenL/BenR, passwords BenchLeftPassword000001 / BenchRightPassword00002)
"""
import hashlib
import hmac
import os
import struct
import sys
import zlib

COOKIE = 0x2112A442
TURN_KEY = hashlib.md5(b"alice:example.org:secret").digest()
SERVER = (bytes([10, 0, 0, 1]), 3478)


def attribute(t, value):
    return struct.pack(">HH", t, len(value)) + value + b"\0" * ((4 - len(value) % 4) % 4)


def stun(message_type, tid, attrs, key=None, fingerprint=True):
    """Header + attributes, then MESSAGE-INTEGRITY (RFC 8489 §14.5) and FINGERPRINT (§14.7) over what precedes them."""
    body = b"".join(attribute(t, v) for t, v in attrs)
    if key is not None:
        header = struct.pack(">HHI", message_type, len(body) + 24, COOKIE) + tid
        body += attribute(0x0008, hmac.new(key, header + body, hashlib.sha1).digest())
    if fingerprint:
        header = struct.pack(">HHI", message_type, len(body) + 8, COOKIE) + tid
        body += attribute(0x8028, struct.pack(">I", (zlib.crc32(header + body) ^ 0x5354554E) & 0xFFFFFFFF))
    return struct.pack(">HHI", message_type, len(body), COOKIE) + tid + body


def xor_address(ip, port):
    return struct.pack(">BBH", 0, 1, port ^ (COOKIE >> 16)) + bytes(a ^ b for a, b in zip(ip, struct.pack(">I", COOKIE)))


def frame(src, dst, payload):
    udp = struct.pack(">HHHH", src[1], dst[1], 8 + len(payload), 0) + payload
    ip = bytearray(struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, src[0], dst[0]))
    total = sum(struct.unpack(">10H", bytes(ip)))
    total = (total & 0xFFFF) + (total >> 16)
    struct.pack_into(">H", ip, 10, ~total & 0xFFFF)
    return b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00" + bytes(ip) + udp


def main(path, packets, clients):
    out = open(path, "wb")
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    written = 0
    time_us = 1_700_000_000 * 1_000_000

    def emit(src, dst, payload):
        nonlocal written, time_us
        data = frame(src, dst, payload)
        out.write(struct.pack("<IIII", time_us // 1_000_000, time_us % 1_000_000, len(data), len(data)) + data)
        written += 1
        time_us += 100

    peer = (bytes([10, 0, 1, 1]), 40000)
    users = [(bytes([10, 1, (i >> 8) & 0xFF, i & 0xFF]), 50000 + i % 10000) for i in range(clients)]
    software = (0x8022, b"icespec bench")
    for n, client in enumerate(users):
        tid = lambda k: struct.pack(">III", n, k, 0xBE11C4)
        emit(client, SERVER, stun(0x0003, tid(1), [(0x0019, b"\x11\0\0\0")], fingerprint=False))
        emit(SERVER, client, stun(0x0113, tid(1), [(0x0009, b"\0\0\x04\x01Unauthorized"), (0x0015, b"nonce-0123456789"), (0x0014, b"example.org"), software]))
        auth = [(0x0006, b"alice"), (0x0014, b"example.org"), (0x0015, b"nonce-0123456789")]
        emit(client, SERVER, stun(0x0003, tid(2), [(0x0019, b"\x11\0\0\0")] + auth, TURN_KEY))
        emit(SERVER, client, stun(0x0103, tid(2), [(0x0016, xor_address(SERVER[0], 49152 + n % 16000)), (0x0020, xor_address(*client)), (0x000D, struct.pack(">I", 600)), software], TURN_KEY))
        emit(client, SERVER, stun(0x0009, tid(3), [(0x000C, b"\x40\x00\0\0"), (0x0012, xor_address(*peer))] + auth, TURN_KEY))
        emit(SERVER, client, stun(0x0109, tid(3), [software], TURN_KEY))
    left, right = (bytes([10, 2, 0, 1]), 5000), (bytes([10, 2, 0, 2]), 6000)
    data = os.urandom(100)
    round_ = 0
    while written < packets:
        client = users[round_ % clients]
        emit(client, SERVER, b"\x40\x00\x00\x64" + data)
        emit(SERVER, client, b"\x40\x00\x00\x64" + data)
        if round_ % 10 == 0:
            tid = struct.pack(">III", round_, 0xC4EC, 0xB)
            emit(left, right, stun(0x0001, tid, [(0x0006, b"BenR:BenL"), (0x0024, struct.pack(">I", 1853824767)),
                                                (0x802A, struct.pack(">Q", 42)), (0x0025, b"")], b"BenchRightPassword00002"))
            emit(right, left, stun(0x0101, tid, [(0x0020, xor_address(*left))], b"BenchRightPassword00002"))
        round_ += 1
    out.close()
    print(f"generate-capture: wrote {path}: {written} packets, {clients} TURN clients", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 1000)
