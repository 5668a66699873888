#!/usr/bin/env python3
"""A small TURN client (RFC 8656 over UDP) that breaks a session on purpose, for pcaps/diagnose/make-turn.sh.

Every message is built here byte by byte (RFC 8489 §5, §14; RFC 8656 §18), so that each case does exactly one wrong
thing and nothing else: the CLIs (turnutils_uclient, icespec turn-client) always do the right thing or stop early.

  turn_client.py --server HOST:PORT --user U --password P --peer HOST:PORT SCENARIO

Scenarios:
  clean                 Allocate (401 challenge, then with credentials), CreatePermission for the peer, 3 Send
                        indications (the peer echoes: Data indications back), Refresh with LIFETIME 0.
  wrong-password        Allocate with a password the server does not have; the 401 is answered again with the same
                        wrong key, 3 times (a client in a 401 loop), then it gives up.
  stale-nonce-no-retry  Allocate, wait past the server's nonce lifetime, Refresh: 438, and the client stops there.
  stale-nonce-retry     The same, but the 438 is retried with the new NONCE (RFC 8489 §9.2.5): clean.
  quota                 Two allocations of the same user from two client ports; the second is refused (486).
  capacity              Like quota, the second allocation by another user (--user2 U:P): the server is full (508).
  peer-denied           CreatePermission for the peer the server refuses (403), then a Send indication anyway.
  no-permission         Allocate, then 3 Send indications to the peer with no CreatePermission (the server drops them).
  restart               Allocate, CreatePermission, then wait until --pause-file exists (the script restarts the server
                        meanwhile), then Refresh (438 with the new server's nonce is retried) and CreatePermission: 437.
  refresh-late          Allocate (the server grants a short lifetime), wait --late seconds past it, Refresh: 437.
  channel-before-bind   Allocate, 3 ChannelData on channel 0x4001 before any ChannelBind (dropped), then ChannelBind
                        0x4001 to the peer and 3 ChannelData more (relayed and echoed).
"""
import argparse
import hashlib
import hmac
import os
import socket
import struct
import sys
import time
import zlib

MAGIC = 0x2112A442
ALLOCATE, REFRESH, SEND, DATA, CREATE_PERMISSION, CHANNEL_BIND = 0x3, 0x4, 0x6, 0x7, 0x8, 0x9
USERNAME, MESSAGE_INTEGRITY, ERROR_CODE, CHANNEL_NUMBER, LIFETIME = 0x0006, 0x0008, 0x0009, 0x000C, 0x000D
XOR_PEER_ADDRESS, DATA_ATTR, REALM, NONCE, XOR_RELAYED_ADDRESS = 0x0012, 0x0013, 0x0014, 0x0015, 0x0016
REQUESTED_TRANSPORT, XOR_MAPPED_ADDRESS, SOFTWARE, FINGERPRINT = 0x0019, 0x0020, 0x8022, 0x8028


def msg_type(method, cls):
    # RFC 8489 §5: class bits C1 (bit 8) and C0 (bit 4) interleaved with the method bits.
    return (method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2) | ((cls & 1) << 4) | ((cls & 2) << 7)


def attr(kind, value):
    return struct.pack("!HH", kind, len(value)) + value + b"\0" * (-len(value) % 4)


def xor_addr(host, port, tid):
    raw = socket.inet_aton(host)
    xaddr = bytes(a ^ b for a, b in zip(raw, struct.pack("!I", MAGIC)))
    return struct.pack("!BBH", 0, 1, port ^ (MAGIC >> 16)) + xaddr


def unxor_addr(value):
    port = struct.unpack("!H", value[2:4])[0] ^ (MAGIC >> 16)
    host = socket.inet_ntoa(bytes(a ^ b for a, b in zip(value[4:8], struct.pack("!I", MAGIC))))
    return host, port


def build(method, cls, tid, attrs, key=None):
    body = b"".join(attr(k, v) for k, v in attrs)
    if key is not None:
        # RFC 8489 §14.5: HMAC-SHA1 over the message up to MESSAGE-INTEGRITY, length counting it.
        head = struct.pack("!HHI", msg_type(method, cls), len(body) + 24, MAGIC) + tid
        body += attr(MESSAGE_INTEGRITY, hmac.new(key, head + body, hashlib.sha1).digest())
    head = struct.pack("!HHI", msg_type(method, cls), len(body) + 8, MAGIC) + tid
    crc = (zlib.crc32(head + body) ^ 0x5354554E) & 0xFFFFFFFF
    return head + body + attr(FINGERPRINT, struct.pack("!I", crc))


def parse(data):
    kind, length = struct.unpack("!HH", data[:4])
    tid = data[8:20]
    attrs, pos = {}, 20
    while pos + 4 <= 20 + length:
        k, n = struct.unpack("!HH", data[pos:pos + 4])
        attrs.setdefault(k, data[pos + 4:pos + 4 + n])
        pos += 4 + n + (-n % 4)
    cls = ((kind >> 4) & 1) | ((kind >> 7) & 2)
    code = None
    if ERROR_CODE in attrs:
        v = attrs[ERROR_CODE]
        code = (v[2] & 7) * 100 + v[3]
    return cls, tid, attrs, code


class Client:
    def __init__(self, server, user, password, software="icespec pcaps/peers/turn_client.py"):
        self.server, self.user, self.password = server, user, password
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.realm = self.nonce = None
        self.software = software

    def key(self):
        return hashlib.md5(self.user.encode() + b":" + self.realm + b":" + self.password.encode()).digest()

    def transact(self, method, attrs, auth=True):
        """One request (retransmitted at 0.5 s, 3 times at most, RFC 8489 §6.2.1 shortened); the response (cls, attrs, code) or None."""
        tid = os.urandom(12)
        attrs = list(attrs) + [(SOFTWARE, self.software.encode())]
        key = None
        if auth and self.nonce is not None:
            attrs += [(USERNAME, self.user.encode()), (REALM, self.realm), (NONCE, self.nonce)]
            key = self.key()
        data = build(method, 0, tid, attrs, key)
        for _ in range(3):
            self.sock.sendto(data, self.server)
            self.sock.settimeout(0.5)
            try:
                while True:
                    reply, _ = self.sock.recvfrom(2048)
                    if reply[0] & 0xC0 == 0 and reply[8:20] == tid:
                        cls, _, rattrs, code = parse(reply)
                        if REALM in rattrs:
                            self.realm = rattrs[REALM]
                        if NONCE in rattrs:
                            self.nonce = rattrs[NONCE]
                        return cls, rattrs, code
            except socket.timeout:
                continue
        return None

    def request(self, method, attrs, retry_stale=True, tries=2):
        """A request with the long-term mechanism (RFC 8489 §9.2.5): a 401 or 438 is retried once with the new nonce."""
        answer = self.transact(method, attrs)
        while answer and answer[2] in (401, 438) and tries > 0 and (answer[2] == 401 or retry_stale):
            tries -= 1
            answer = self.transact(method, attrs)
        return answer

    def allocate(self, lifetime=None):
        attrs = [(REQUESTED_TRANSPORT, bytes([17, 0, 0, 0]))]
        if lifetime is not None:
            attrs.append((LIFETIME, struct.pack("!I", lifetime)))
        answer = self.request(ALLOCATE, attrs)
        self.say("Allocate", answer)
        return answer

    def refresh(self, lifetime=600, retry_stale=True):
        answer = self.request(REFRESH, [(LIFETIME, struct.pack("!I", lifetime))], retry_stale=retry_stale, tries=1)
        self.say(f"Refresh (lifetime {lifetime})", answer)
        return answer

    def permit(self, peer):
        answer = self.request(CREATE_PERMISSION, [(XOR_PEER_ADDRESS, xor_addr(*peer, None))], tries=1)
        self.say(f"CreatePermission {peer[0]}", answer)
        return answer

    def bind(self, channel, peer):
        answer = self.request(CHANNEL_BIND, [(CHANNEL_NUMBER, struct.pack("!HH", channel, 0)), (XOR_PEER_ADDRESS, xor_addr(*peer, None))], tries=1)
        self.say(f"ChannelBind 0x{channel:04X} {peer[0]}", answer)
        return answer

    def channel_data(self, channel, payload):
        # RFC 8656 §12.4: channel number, length, data padded to 4 over UDP.
        self.sock.sendto(struct.pack("!HH", channel, len(payload)) + payload + b"\0" * (-len(payload) % 4), self.server)

    def send(self, peer, payload):
        # RFC 8656 §11.1: a Send indication carries XOR-PEER-ADDRESS and DATA; no integrity.
        self.sock.sendto(build(SEND, 1, os.urandom(12), [(XOR_PEER_ADDRESS, xor_addr(*peer, None)), (DATA_ATTR, payload)]), self.server)

    def drain(self, seconds):
        """Reads what the server sends for a while; the Data indications' payloads."""
        got, end = [], time.time() + seconds
        while time.time() < end:
            self.sock.settimeout(max(0.01, end - time.time()))
            try:
                reply, _ = self.sock.recvfrom(2048)
            except socket.timeout:
                break
            cls, _, attrs, _ = parse(reply)
            if DATA_ATTR in attrs:
                got.append(attrs[DATA_ATTR])
        return got

    @staticmethod
    def say(what, answer):
        if answer is None:
            print(f"turn_client: {what}: no answer", file=sys.stderr)
        else:
            cls, attrs, code = answer
            extra = f" relayed {unxor_addr(attrs[XOR_RELAYED_ADDRESS])}" if XOR_RELAYED_ADDRESS in attrs else ""
            print(f"turn_client: {what}: {'success' if cls == 2 else f'error {code}'}{extra}", file=sys.stderr)


def ok(answer):
    return answer is not None and answer[0] == 2


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--server", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--user2", help="U:P of a second user (capacity)")
    p.add_argument("--peer", required=True, help="HOST:PORT of the peer (an echo socket, see --echo)")
    p.add_argument("--echo", action="store_true", help="bind the peer address here and echo what arrives")
    p.add_argument("--wait", type=float, default=0, help="seconds to wait before the Refresh (stale-nonce-*)")
    p.add_argument("--late", type=float, default=2, help="seconds past the granted lifetime (refresh-late)")
    p.add_argument("--pause-file", help="restart: wait until this file exists (touch FILE.wait first)")
    p.add_argument("scenario")
    a = p.parse_args()
    host, port = a.server.rsplit(":", 1)
    server = (host, int(port))
    phost, pport = a.peer.rsplit(":", 1)
    peer = (phost, int(pport))
    echo = None
    if a.echo:
        echo = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        echo.bind(peer)
        echo.setblocking(False)

    def pump():
        if echo is None:
            return 0
        n = 0
        try:
            while True:
                data, source = echo.recvfrom(2048)
                echo.sendto(data, source)
                n += 1
        except BlockingIOError:
            return n

    c = Client(server, a.user, a.password)
    s = a.scenario
    if s == "wrong-password":
        c.transact(ALLOCATE, [(REQUESTED_TRANSPORT, bytes([17, 0, 0, 0]))], auth=False)
        for _ in range(3):
            answer = c.transact(ALLOCATE, [(REQUESTED_TRANSPORT, bytes([17, 0, 0, 0]))])
            c.say("Allocate (wrong password)", answer)
            if ok(answer):
                break
            time.sleep(0.2)
        return 0
    if s in ("quota", "capacity"):
        c.allocate()
        second = Client(server, *(a.user2.split(":", 1) if s == "capacity" else (a.user, a.password)))
        second.allocate()
        c.refresh(0)
        return 0
    lifetime = None
    if not ok(c.allocate(lifetime)):
        return 1
    if s in ("clean", "stale-nonce-retry", "stale-nonce-no-retry"):
        c.permit(peer)
        for i in range(3):
            c.send(peer, f"ping {i}".encode() * 10)
            time.sleep(0.05)
            pump()
        print(f"turn_client: {len(c.drain(0.3))} Data indications back", file=sys.stderr)
        if s != "clean":
            time.sleep(a.wait)
            answer = c.refresh(600, retry_stale=(s == "stale-nonce-retry"))
            if not ok(answer):
                return 0
        c.refresh(0)
    elif s == "peer-denied":
        c.permit(peer)
        c.send(peer, b"refused peer " * 10)
        time.sleep(0.2)
        print(f"turn_client: peer got {pump()} datagrams", file=sys.stderr)
        c.refresh(0)
    elif s == "no-permission":
        for i in range(3):
            c.send(peer, f"no permission {i}".encode() * 5)
            time.sleep(0.05)
        time.sleep(0.2)
        print(f"turn_client: peer got {pump()} datagrams", file=sys.stderr)
        c.refresh(0)
    elif s == "restart":
        c.permit(peer)
        c.send(peer, b"before restart " * 5)
        time.sleep(0.1)
        pump()
        c.drain(0.2)
        open(a.pause_file + ".wait", "w").close()
        while not os.path.exists(a.pause_file):
            time.sleep(0.1)
        c.refresh(600)
        c.permit(peer)
    elif s == "channel-before-bind":
        for i in range(3):
            c.channel_data(0x4001, f"unbound {i}".encode() * 5)
            time.sleep(0.05)
        print(f"turn_client: peer got {pump()} datagrams before the ChannelBind", file=sys.stderr)
        c.bind(0x4001, peer)
        for i in range(3):
            c.channel_data(0x4001, f"bound {i}".encode() * 5)
            time.sleep(0.05)
        print(f"turn_client: peer got {pump()} datagrams after it", file=sys.stderr)
        c.drain(0.2)
        c.refresh(0)
    elif s == "refresh-late":
        lifetime = 0
        time.sleep(a.wait + a.late)
        c.refresh(600)
    else:
        print(f"turn_client: unknown scenario {s}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
