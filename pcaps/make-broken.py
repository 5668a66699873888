"""make-broken.py -- writes pcaps/broken/: real captures of pcaps/ rewritten so that each breaks one rule, for the
analysis tests. Each output is pcapng with a capture comment naming the source, the change and the violation, and a
packet comment on the frame changed. Every STUN message that carries MESSAGE-INTEGRITY is signed again with the key a
receiver would use (ICE: the password of the ufrag before the colon of USERNAME, responses: their request's key;
TURN: the long-term key), and FINGERPRINT recomputed, so that only the named rule is broken.
Usage: /usr/bin/python3 make-broken.py PCAPS_DIR OUT_DIR   (needs editcap)
"""
import hashlib
import hmac
import os
import struct
import subprocess
import sys
import tempfile
import zlib

COOKIE = 0x2112A442
MI, FP, USERNAME, REALM = 0x0008, 0x8028, 0x0006, 0x0014


def read_capture(path):
    """Frames [(timestamp in µs, bytes)] and the link type of a little-endian pcap or pcapng with µs timestamps."""
    data = open(path, "rb").read()
    frames = []
    if data[:4] == b"\xd4\xc3\xb2\xa1":  # pcap, microseconds
        linktype = struct.unpack_from("<I", data, 20)[0]
        offset = 24
        while offset + 16 <= len(data):
            sec, usec, caplen, _ = struct.unpack_from("<IIII", data, offset)
            frames.append([sec * 1_000_000 + usec, data[offset + 16:offset + 16 + caplen]])
            offset += 16 + caplen
        return linktype, frames
    assert data[:4] == b"\x0a\x0d\x0d\x0a", f"{path}: neither pcap nor pcapng"
    linktype, offset = None, 0
    while offset + 12 <= len(data):
        block_type, length = struct.unpack_from("<II", data, offset)
        if block_type == 1:  # Interface Description Block (no if_tsresol: µs)
            linktype = struct.unpack_from("<H", data, offset + 8)[0]
        elif block_type == 6:  # Enhanced Packet Block
            _, high, low, caplen, _ = struct.unpack_from("<IIIII", data, offset + 8)
            frames.append([(high << 32) | low, data[offset + 28:offset + 28 + caplen]])
        offset += length
    return linktype, frames


def write_pcap(path, linktype, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype))
        for ts, frame in frames:
            f.write(struct.pack("<IIII", ts // 1_000_000, ts % 1_000_000, len(frame), len(frame)))
            f.write(frame)


# Ethernet (14) | IPv4 (RFC 791, IHL*4) | UDP (RFC 768: ports, length, checksum) | payload
def udp_of(frame):
    ihl = (frame[14] & 0x0F) * 4
    if struct.unpack_from(">H", frame, 12)[0] != 0x0800 or frame[14 + 9] != 17:
        return None
    u = 14 + ihl
    sport, dport, length = struct.unpack_from(">HHH", frame, u)
    return {"ihl": ihl, "sport": sport, "dport": dport, "src": frame[26:30], "dst": frame[30:34], "payload": frame[u + 8:u + length]}


def build_frame(original, udp):
    ihl = udp["ihl"]
    ip = bytearray(original[14:14 + ihl])
    struct.pack_into(">H", ip, 2, ihl + 8 + len(udp["payload"]))
    ip[12:16], ip[16:20] = udp["src"], udp["dst"]
    struct.pack_into(">H", ip, 10, 0)
    total = sum(struct.unpack(f">{ihl // 2}H", bytes(ip)))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    struct.pack_into(">H", ip, 10, ~total & 0xFFFF)
    header = struct.pack(">HHHH", udp["sport"], udp["dport"], 8 + len(udp["payload"]), 0)  # checksum 0: not computed (RFC 768)
    return original[:14] + bytes(ip) + header + udp["payload"]


def is_stun(payload):
    return len(payload) >= 20 and payload[0] & 0xC0 == 0 and struct.unpack_from(">I", payload, 4)[0] == COOKIE


def attributes(payload):
    """[(type, value)] of a STUN message (RFC 8489 §14: type, length, value padded to 4)."""
    result, offset = [], 20
    while offset + 4 <= len(payload):
        t, n = struct.unpack_from(">HH", payload, offset)
        result.append((t, payload[offset + 4:offset + 4 + n]))
        offset += 4 + (n + 3) // 4 * 4
    return result


def build_stun(header, attrs, key, keep_integrity=None):
    """The message with MESSAGE-INTEGRITY (RFC 8489 §14.5) and FINGERPRINT (§14.7) computed over what precedes them,
    the length field counting up to the attribute being computed; attributes after FINGERPRINT are appended as they are."""
    body = bytearray(header[:20])
    for t, value in attrs:
        if t == MI and key is not None:
            struct.pack_into(">H", body, 2, len(body) - 20 + 24)
            value = keep_integrity if keep_integrity is not None else hmac.new(key, bytes(body), hashlib.sha1).digest()
        elif t == FP:
            struct.pack_into(">H", body, 2, len(body) - 20 + 8)
            value = struct.pack(">I", (zlib.crc32(bytes(body)) ^ 0x5354554E) & 0xFFFFFFFF)
        body += struct.pack(">HH", t, len(value)) + value + b"\0" * ((4 - len(value) % 4) % 4)
    struct.pack_into(">H", body, 2, len(body) - 20)
    return bytes(body)


def load_keys(path):
    ice, turn = {}, []
    for line in open(path):
        line = line.strip()
        if line.startswith("ice-credentials "):
            for pair in line.split(None, 1)[1].split(","):
                ufrag, pwd = pair.split(":")
                ice[ufrag] = pwd.encode()
        elif line.startswith("turn-user "):
            user, realm, pwd = line.split(None, 1)[1].split(":", 2)
            turn.append((user, realm, hashlib.md5(f"{user}:{realm}:{pwd}".encode()).digest()))
    return ice, turn


def resign(frames, keys, keep_bad):
    """Signs every STUN message with MESSAGE-INTEGRITY again with the key a receiver would pick (see the module doc)."""
    ice, turn = keys
    by_transaction = {}
    for index, (_, frame) in enumerate(frames):
        udp = udp_of(frame)
        if udp is None or not is_stun(udp["payload"]):
            continue
        payload = udp["payload"]
        attrs = attributes(payload)
        values = dict(attrs[::-1])  # first occurrence wins
        klass = ((payload[0] & 0x01) << 1) | ((payload[1] & 0x10) >> 4)
        tid = payload[8:20]
        key = None
        if klass in (2, 3):
            key = by_transaction.get(tid)
        elif USERNAME in values:
            username = values[USERNAME].decode()
            key = next((k for u, r, k in turn if u == username), None)
            if key is None and ":" in username:
                key = ice.get(username.split(":")[0])
            if klass == 0 and key is not None:
                by_transaction[tid] = key
        if MI not in values:
            continue
        udp["payload"] = build_stun(payload, attrs, key, values[MI] if index in keep_bad or key is None else None)
        frames[index][1] = build_frame(frame, udp)


def change(frames, index, edit):
    udp = udp_of(frames[index][1])
    edit(udp)
    frames[index][1] = build_frame(frames[index][1], udp)


def with_attributes(udp, edit):
    udp["payload"] = build_stun(udp["payload"], edit(attributes(udp["payload"])), None)


def checks_from(frames, ufrag):
    """Indexes of ICE checks whose USERNAME ends with ':ufrag' (sent by that agent)."""
    found = []
    for i, (_, frame) in enumerate(frames):
        udp = udp_of(frame)
        if udp and is_stun(udp["payload"]) and udp["payload"][:2] == b"\x00\x01":
            username = dict(attributes(udp["payload"])).get(USERNAME, b"").decode()
            if username.endswith(":" + ufrag):
                found.append(i)
    return found


def first(frames, message_type):
    return next(i for i, (_, f) in enumerate(frames)
                if (u := udp_of(f)) and is_stun(u["payload"]) and struct.unpack_from(">H", u["payload"])[0] == message_type)


def broken_cases():
    """(output name, source capture, violation, what was changed, edit(frames) -> changed frame indexes, frames to leave badly signed)."""
    def after_fingerprint(frames):
        i = first(frames, 0x0001)
        change(frames, i, lambda u: with_attributes(u, lambda a: a + [(0x8022, b"appended after FINGERPRINT")]))
        return [i], set()

    def bad_integrity(frames):
        i = first(frames, 0x0101)
        def flip(u):
            attrs = attributes(u["payload"])
            u["payload"] = build_stun(u["payload"], [(t, v[:-1] + bytes([v[-1] ^ 0xFF]) if t == MI else v) for t, v in attrs], None)
        change(frames, i, flip)
        return [i], {i}

    def swap_username(frames):
        changed = checks_from(frames, "LnL1")
        for i in changed:
            change(frames, i, lambda u: with_attributes(u, lambda a: [(t, b"LnL1:LnR2" if t == USERNAME else v) for t, v in a]))
        return changed, set()

    def asymmetric(frames):
        i = first(frames, 0x0101)
        change(frames, i, lambda u: u.update(sport=u["sport"] + 1))
        return [i], set()

    def both_controlling(frames):
        changed = checks_from(frames, "LnR2")
        for i in changed:
            change(frames, i, lambda u: with_attributes(u, lambda a: [(0x802A if t == 0x8029 else t, v) for t, v in a]))
        return changed, set()

    def use_candidate_controlled(frames):
        i = checks_from(frames, "LnR2")[0]
        def add(a):
            at = next(k for k, (t, _) in enumerate(a) if t == MI)
            return a[:at] + [(0x0025, b"")] + a[at:]
        change(frames, i, lambda u: with_attributes(u, add))
        return [i], set()

    def check_after_failure(frames):
        # AioD's first check and its answer removed (nothing retriggers AioC's pair, RFC 8445 §7.3.1.4); the answer to
        # AioC's first check made a 400 (RFC 8445 §7.2.5.2.4: the pair fails); AioC's next check then leaves a Failed pair.
        aiod_first = checks_from(frames, "AioD")[0]
        tid = udp_of(frames[aiod_first][1])["payload"][8:20]
        answer = next(i for i, (_, f) in enumerate(frames)
                      if i != aiod_first and (u := udp_of(f)) and is_stun(u["payload"]) and u["payload"][8:20] == tid)
        for k in sorted([aiod_first, answer], reverse=True):
            del frames[k]
        i = first(frames, 0x0101)
        def bad_request(u):
            error = struct.pack(">HBB", 0, 4, 0) + b"Bad Request"  # RFC 8489 §14.8: class 4, number 0
            attrs = [(0x0009, error) if t == 0x0020 else (t, v) for t, v in attributes(u["payload"])]
            u["payload"] = build_stun(b"\x01\x11" + u["payload"][2:20], attrs, None)
        change(frames, i, bad_request)
        return [i], set()

    def shift_from(message_is, seconds):
        def edit(frames):
            start = next(i for i, (_, f) in enumerate(frames) if (u := udp_of(f)) and message_is(u["payload"]))
            for k in range(start, len(frames)):
                frames[k][0] += seconds * 1_000_000
            return [start], set()
        return edit

    channel_data = lambda p: len(p) >= 4 and p[0] & 0xC0 == 0x40
    refresh_lifetime_zero = lambda p: is_stun(p) and p[:2] == b"\x00\x04" and (0x000D, b"\0\0\0\0") in attributes(p)

    def channel_out_of_range(frames):
        changed = []
        for i, (_, f) in enumerate(frames):
            u = udp_of(f)
            if u and is_stun(u["payload"]) and u["payload"][:2] == b"\x00\x09":
                number = dict(attributes(u["payload"]))[0x000C]
                if number[:2] == first_channel[0]:
                    change(frames, i, lambda x: with_attributes(x, lambda a: [(t, b"\x3f\xff\0\0" if t == 0x000C else v) for t, v in a]))
                    changed.append(i)
        return changed, set()
    first_channel = []

    return [
        ("aioice-attribute-after-fingerprint", "aioice", "attribute-after-fingerprint",
         "a SOFTWARE attribute appended after FINGERPRINT in the first Binding request", after_fingerprint),
        ("libnice-bad-integrity", "libnice-aggressive", "bad-integrity",
         "the last byte of MESSAGE-INTEGRITY of the first Binding success response flipped", bad_integrity),
        ("libnice-username-swapped", "libnice-aggressive", "username-not-remote-local",
         "USERNAME of agent LnL1's checks written LFRAG:RFRAG (LnL1:LnR2) instead of RFRAG:LFRAG", swap_username),
        ("aioice-asymmetric-response", "aioice", "non-symmetric-response",
         "the first Binding success response sent from the port above the one the check went to", asymmetric),
        ("libnice-both-controlling", "libnice-aggressive", "both-controlling-without-487",
         "agent LnR2's checks carry ICE-CONTROLLING instead of ICE-CONTROLLED (same tie-breaker), no 487 anywhere", both_controlling),
        ("libnice-use-candidate-from-controlled", "libnice-aggressive", "use-candidate-from-controlled",
         "USE-CANDIDATE added to the first check of the controlled agent LnR2", use_candidate_controlled),
        ("aioice-check-after-failure", "aioice", "machine-refused",
         "AioD's first check and its answer removed, and the answer to AioC's first check made a 400 (Bad Request) error: "
         "AioC checks the Failed pair again though no check of AioD came in between", check_after_failure),
        ("coturn-data-without-permission", "coturn-uclient-udp", "data-without-permission",
         "every frame from the first ChannelData on moved 400 s later: past the 300 s permission lifetime", shift_from(channel_data, 400)),
        ("coturn-refresh-after-expiry", "coturn-uclient-udp", "refresh-after-expiry",
         "the closing Refresh (LIFETIME 0) and its response moved 700 s later: past the 600 s lifetime last granted", shift_from(refresh_lifetime_zero, 700)),
        ("coturn-channel-out-of-range", "coturn-uclient-udp", "channel-number-out-of-range",
         "CHANNEL-NUMBER of the ChannelBinds for the first channel set to 0x3FFF (below 0x4000)", lambda frames: (first_channel.append(
             dict(attributes(udp_of(frames[first(frames, 0x0009)][1])["payload"]))[0x000C][:2]), channel_out_of_range(frames))[1]),
    ]


def main(source_dir, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    for name, source, violation, what, edit in broken_cases():
        path = next(os.path.join(source_dir, source + ext) for ext in (".pcapng", ".pcap") if os.path.exists(os.path.join(source_dir, source + ext)))
        keys = load_keys(os.path.join(source_dir, source + ".credentials"))
        linktype, frames = read_capture(path)
        changed, keep_bad = edit(frames)
        resign(frames, keys, keep_bad)
        with tempfile.TemporaryDirectory() as tmp:
            plain = os.path.join(tmp, "plain.pcap")
            write_pcap(plain, linktype, frames)
            target = os.path.join(out_dir, name + ".pcapng")
            comment = f"IceSpec broken capture: {os.path.basename(path)} rewritten by pcaps/make-broken.py: {what}. Expected violation: {violation}."
            subprocess.run(["editcap", "-F", "pcapng", "--capture-comment", comment, "-a", f"{changed[0] + 1}:{violation}: {what}", plain, target], check=True)
        with open(os.path.join(out_dir, name + ".credentials"), "w") as f:
            f.write(f"# the credentials of {source}\n" + open(os.path.join(source_dir, source + ".credentials")).read())
        print(f"make-broken: wrote {target} ({violation}, frame {changed[0] + 1})", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
