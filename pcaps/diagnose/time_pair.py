"""time_pair -- ICE sessions between two conformance drivers on 127.0.0.1 for the diagnose corpus's time and liveness
family (pcaps/diagnose/make-time.sh records them), built on peers/driver_pair.py's Driver.
Usage: python3 time_pair.py MODE CREDENTIALS_FILE CONTROLLING_COMMAND CONTROLLED_COMMAND
  MODE regular-wait: regular nomination; the controlling agent is also given a host candidate of the controlled agent's
       that never answers (a UDP socket this script binds and never reads), with a higher priority than the real one,
       so a higher-priority pair is still being checked when the first pair succeeds: IceSpec's regular nomination then
       waits (IceAgentOptions.NominationWait, 500 ms) before it nominates the valid pair. 3 datagrams each way, 2 s up.
  MODE peer-killed: aggressive nomination; 3 datagrams each way, then the controlled driver is killed (SIGKILL, no
       close) and the controlling agent is asked to send a datagram every second for 40 s: RFC 7675 §5.1 consent expires
       30 s after the last answer and §5.2 says it must stop sending then.
  MODE data-after-expiry: peer-killed with the controlling IceSpec driver run with ICESPEC_SEEDED_DEFECT=DataAfterConsentExpired.
  MODE consent-2s: aggressive, 3 datagrams each way, 13 s up (the controlling driver with ConsentEveryTwoSeconds).
  MODE unpaced: aggressive, host candidates on 127.0.0.1-4 on both sides (16 pairs; the controlling driver with UnpacedChecks).
  MODE paced-pion: regular nomination, host candidates on 127.0.0.1-4 on both sides (pion controlling: its 200 ms ticker).
  MODE idle-silent: aggressive, 3 datagrams each way, 20 s without data, 3 more (both drivers with IdleSelectedPairSilent).
  MODE restart: aggressive; after the datagrams an ICE restart driven as the kit does it (controlling first), then 3 more
       datagrams each way (the controlled driver with OldCredentialsAfterRestart: its new checks keep the old password).
  MODE slow-stun: aggressive; the controlling agent's STUN server (a socket this script binds) never answers.
  (The seeded defects are given by make-time.sh in the commands: `env ICESPEC_SEEDED_DEFECT=NAME dotnet …`.)
Exits 0 when the session went as described; every wait has a timeout; both drivers are stopped by PID.
"""
import os
import queue
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peers"))
from driver_pair import Driver  # noqa: E402

PAYLOAD = "aGVsbG8taWNlc3BlYw=="  # "hello-icespec"


def setup(mode, credentials_path, controlling, controlled, nomination, addresses=("127.0.0.1",), stun=None):
    for driver, role in ((controlling, "controlling"), (controlled, "controlled")):
        ready = driver.wait_for("ready", 30)
        driver.label = f"{ready.get('name')} {ready.get('version')}"
        extra = {"stun": stun} if stun and driver is controlling else {}
        driver.send("configure", role=role, nomination=nomination, addresses=list(addresses), **extra)
    descriptions = {}
    for driver in (controlling, controlled):
        driver.send("gather")
        descriptions[driver.name] = driver.wait_for("local-description", 60)
        driver.credentials = (descriptions[driver.name]["ufrag"], descriptions[driver.name]["pwd"])
    with open(credentials_path, "w") as out:
        out.write(f"# time_pair.py {mode}: {controlling.label} (controlling, {nomination} nomination), {controlled.label} (controlled)\n")
        for driver in (controlling, controlled):
            out.write(f"ice-credentials {driver.credentials[0]}:{driver.credentials[1]}\n")
    return descriptions


def silent_candidate(line, port):
    """The candidate LINE moved to PORT with the highest host priority, and LINE with a lower local preference."""
    fields = line.split()
    # a=candidate:FOUNDATION COMPONENT TRANSPORT PRIORITY ADDRESS PORT typ TYPE ... (RFC 8839 §5.1)
    silent = fields[:]
    silent[0] = fields[0].split(":")[0] + ":9" + fields[0].split(":")[1]
    silent[3], silent[5] = str(126 << 24 | 65535 << 8 | 255), str(port)
    lower = fields[:]
    lower[3] = str(126 << 24 | 65000 << 8 | 255)
    return " ".join(silent), " ".join(lower)


def exchange(controlling, controlled, descriptions, extra=None):
    for me, other in ((controlling, controlled), (controlled, controlling)):
        theirs = descriptions[other.name]
        candidates = theirs["candidates"]
        if extra is not None and me is controlling:
            candidates = extra(candidates)
        me.send("remote-description", ufrag=theirs["ufrag"], pwd=theirs["pwd"], candidates=candidates,
                **{"end-of-candidates": True})
    for driver in (controlling, controlled):
        pair = driver.wait_for("selected-pair", 10)
        print(f"time_pair: {driver.name} selected {pair['local']} -> {pair['remote']}", file=sys.stderr)


def datagrams(controlling, controlled):
    for _ in range(3):
        controlling.send("send", data=PAYLOAD)
        controlled.send("send", data=PAYLOAD)
    for driver in (controlling, controlled):
        for _ in range(3):
            driver.wait_for("received", 5)


def regular_wait(credentials_path, controlling, controlled):
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    port = sink.getsockname()[1]
    descriptions = setup("regular-wait", credentials_path, controlling, controlled, "regular")

    def extra(candidates):
        host = [c for c in candidates if " typ host" in c]
        silent, lower = silent_candidate(host[0], port)
        print(f"time_pair: the controlling agent also gets {silent} (never answers); the real one as {lower}", file=sys.stderr)
        return [silent, lower] + [c for c in candidates if c != host[0]]

    exchange(controlling, controlled, descriptions, extra)
    datagrams(controlling, controlled)
    time.sleep(2)
    sink.close()


def peer_killed(credentials_path, controlling, controlled, mode="peer-killed"):
    descriptions = setup(mode, credentials_path, controlling, controlled, "aggressive")
    exchange(controlling, controlled, descriptions)
    datagrams(controlling, controlled)
    time.sleep(1)
    controlled.process.kill()
    controlled.process.wait(timeout=5)
    killed = time.monotonic()
    print("time_pair: controlled driver killed (SIGKILL)", file=sys.stderr)
    states = []
    while time.monotonic() - killed < 40:
        controlling.send("send", data=PAYLOAD)
        deadline = time.monotonic() + 1
        while time.monotonic() < deadline:
            try:
                event = controlling.events.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if event["event"] == "state":
                states.append((round(time.monotonic() - killed, 1), event["state"]))
                print(f"time_pair: controlling state {event['state']} at +{states[-1][0]} s", file=sys.stderr)
    if not any(s in ("disconnected", "failed") for _, s in states):
        raise RuntimeError("the controlling agent never reported the lost peer")


def drain(driver, seconds):
    """Print DRIVER's events for SECONDS (states, selected pairs, errors), without failing on them."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            event = driver.events.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return
        print(f"time_pair: {driver.name}: {event}", file=sys.stderr)


def session(mode, credentials_path, controlling, controlled, nomination="aggressive", addresses=("127.0.0.1",), stay=2.0, idle=0.0, stun=None):
    """A plain session: descriptions, selection, 3 datagrams each way; IDLE s without data then 3 more; STAY s up at the end."""
    descriptions = setup(mode, credentials_path, controlling, controlled, nomination, addresses, stun)
    exchange(controlling, controlled, descriptions)
    datagrams(controlling, controlled)
    if idle:
        time.sleep(idle)
        datagrams(controlling, controlled)
    time.sleep(stay)


def restart(credentials_path, controlling, controlled):
    """Connect, then an ICE restart (RFC 8445 §9) as the kit drives it: the controlling agent restarts, its new description
    goes to the controlled agent (which restarts too), the controlled agent's new one comes back; then datagrams."""
    descriptions = setup("restart", credentials_path, controlling, controlled, "aggressive")
    exchange(controlling, controlled, descriptions)
    datagrams(controlling, controlled)
    controlling.send("restart")
    mine = controlling.wait_for("local-description", 10)
    controlled.send("remote-description", ufrag=mine["ufrag"], pwd=mine["pwd"], candidates=mine["candidates"], **{"end-of-candidates": True})
    theirs = controlled.wait_for("local-description", 10)
    controlling.send("remote-description", ufrag=theirs["ufrag"], pwd=theirs["pwd"], candidates=theirs["candidates"], **{"end-of-candidates": True})
    with open(credentials_path, "a") as out:
        for d in (mine, theirs):
            out.write(f"ice-credentials {d['ufrag']}:{d['pwd']}\n")
    drain(controlling, 3)
    for _ in range(3):
        controlling.send("send", data=PAYLOAD)
        controlled.send("send", data=PAYLOAD)
    drain(controlled, 3)


def slow_stun(credentials_path, controlling, controlled):
    """The controlling agent's STUN server is a socket that never answers: its gathering waits for the Binding
    transaction to time out (RFC 8489 §6.2.1) before it describes its host candidate and checks start."""
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    session("slow-stun", credentials_path, controlling, controlled, stun=f"127.0.0.1:{sink.getsockname()[1]}")
    sink.close()


FOUR = ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4")
MODES = {
    "regular-wait": regular_wait,
    "peer-killed": peer_killed,
    "data-after-expiry": lambda c, a, b: peer_killed(c, a, b, "data-after-expiry"),
    "consent-2s": lambda c, a, b: session("consent-2s", c, a, b, stay=13),
    "unpaced": lambda c, a, b: session("unpaced", c, a, b, addresses=FOUR),
    "paced-pion": lambda c, a, b: session("paced-pion", c, a, b, nomination="regular", addresses=FOUR),
    "idle-silent": lambda c, a, b: session("idle-silent", c, a, b, idle=20, stay=1),
    "restart": restart,
    "slow-stun": slow_stun,
}


def main(argv):
    if len(argv) < 5 or argv[1] not in MODES:
        print(__doc__, file=sys.stderr)
        return 2
    drivers = []
    try:
        drivers.append(Driver("A", argv[3]))
        drivers.append(Driver("B", argv[4]))
        MODES[argv[1]](argv[2], *drivers)
        return 0
    except RuntimeError as e:
        print(f"time_pair: {e}", file=sys.stderr)
        return 1
    finally:
        for driver in drivers:
            driver.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
