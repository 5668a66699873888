"""driver_pair -- one ICE session between two conformance drivers (conformance/ADAPTER.md: JSON lines on stdin/stdout),
e.g. IceSpec's icespec-driver and the libnice driver, on 127.0.0.1, so that a capture of it can be verified and analysed.
Usage: python3 driver_pair.py [OPTIONS] CREDENTIALS_FILE SECONDS NOMINATION CONTROLLING_COMMAND CONTROLLED_COMMAND
  (each COMMAND is one shell-quoted string, e.g. "dotnet /path/icespec-driver.dll")
Options (to record and to doctor the signalling it relays; SIDE is controlling or controlled, whose description is
doctored on its way to the other driver):
  --log DIR              write DIR/controlling.jsonl and DIR/controlled.jsonl: every command sent to that driver (with
                         "sentAt") and every event it printed (with "receivedAt", as the kit records them), ISO 8601 UTC
                         (icespec diagnose --signalling reads them)
  --wrong-pwd SIDE       give the other driver a wrong password for SIDE's agent (SIDE's own, reversed)
  --withhold SIDE        give the other driver none of SIDE's candidates
  --late SIDE:SECONDS    trickle: the description of SIDE without candidates, its candidates SECONDS later, one by one
  --no-end-of-candidates SIDE   never tell the other driver that SIDE's candidates are complete
  --own-pwd SIDE         give the other driver its own password as SIDE's (credentials swapped)
  --restart-stale SIDE   once connected, restart SIDE's agent (ICE restart, RFC 8445 §9) and give the other driver
                         SIDE's new ufrag with SIDE's old password (a stale password); the credentials file gets both
                         generations
  --may-fail             the session is broken on purpose: stay up SECONDS whether or not a pair is selected; exit 0
The drivers choose their own ufrag and password (RFC 8445 §5.3; the drivers have no way to fix them): they are taken
from each driver's local-credentials event (checked against its local-description) and written to CREDENTIALS_FILE as
`ice-credentials UFRAG:PWD` lines, the format of `icespec ... --credentials`. Then: remote descriptions with
end-of-candidates, wait for a selected pair on both, 3 datagrams each way, stay up SECONDS in all (consent, RFC 7675),
close. Exits 0 when both selected a pair and every datagram arrived; every wait has a timeout; both drivers are
stopped (close, then kill by PID) whatever happens.
"""
import datetime
import json
import queue
import shlex
import subprocess
import sys
import threading
import time


def now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


class Driver:
    """One driver process: commands in, events out (read by a thread into a queue)."""

    def __init__(self, name, command, log=None):
        self.name = name
        self.log = log  # an open file: the JSON lines exchanged with this driver, timed
        self.label = name
        self.credentials = None  # (ufrag, pwd) from the local-credentials event
        self.process = subprocess.Popen(shlex.split(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=sys.stderr, text=True, bufsize=1)
        self.events = queue.Queue()
        self.lock = threading.RLock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                event = {"event": "invalid-output", "line": line.rstrip()}
            self.record({**event, "receivedAt": now()})
            self.events.put(event)
        self.events.put({"event": "exited"})

    def send(self, command, **fields):
        with self.lock:  # a trickling timer sends too
            self.record({"command": command, **fields, "sentAt": now()})
            self.process.stdin.write(json.dumps({"command": command, **fields}) + "\n")
            self.process.stdin.flush()

    def record(self, message):
        with self.lock:
            if self.log is not None and not self.log.closed:
                self.log.write(json.dumps(message) + "\n")
                self.log.flush()

    def wait_for(self, kind, seconds):
        """The next event named KIND; an error or exit on the way, or the timeout, is fatal."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                event = self.events.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise RuntimeError(f"{self.name}: no '{kind}' event within {seconds} s") from None
            if event["event"] == kind:
                return event
            if event["event"] == "local-credentials":
                self.credentials = (event["ufrag"], event["pwd"])
            if event["event"] in ("error", "exited", "unsupported", "invalid-output"):
                raise RuntimeError(f"{self.name}: {event} while waiting for '{kind}'")
            print(f"driver_pair: {self.name}: {json.dumps(event)}", file=sys.stderr)

    def stop(self):
        try:
            if self.process.poll() is None:
                self.send("close")
                self.process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(timeout=5)


def run(credentials_path, seconds, nomination, controlling, controlled, doctor):
    start = time.monotonic()
    for driver, role in ((controlling, "controlling"), (controlled, "controlled")):
        ready = driver.wait_for("ready", 30)
        driver.label = f"{ready.get('name')} {ready.get('version')}"
        print(f"driver_pair: {driver.name} is {driver.label}, {role}", file=sys.stderr)
        driver.send("configure", role=role, nomination=nomination, addresses=["127.0.0.1"])
    descriptions = {}
    for driver in (controlling, controlled):
        driver.send("gather")
        descriptions[driver.name] = driver.wait_for("local-description", 10)
    for driver in (controlling, controlled):
        described = (descriptions[driver.name]["ufrag"], descriptions[driver.name]["pwd"])
        if driver.credentials not in (None, described):
            raise RuntimeError(f"{driver.name}: local-credentials {driver.credentials} differ from local-description {described}")
        driver.credentials = described
    with open(credentials_path, "w") as out:
        out.write(f"# driver_pair.py: {controlling.label} (controlling, {nomination} nomination), {controlled.label} (controlled)\n")
        for driver in (controlling, controlled):
            out.write(f"ice-credentials {driver.credentials[0]}:{driver.credentials[1]}\n")
    timers = []
    for me, other, side in ((controlling, controlled, "controlled"), (controlled, controlling, "controlling")):
        theirs = descriptions[other.name]
        pwd = theirs["pwd"][::-1] if side in doctor["wrong_pwd"] else theirs["pwd"]
        if side in doctor["own_pwd"]:
            pwd = descriptions[me.name]["pwd"]
        candidates = [] if side in doctor["withhold"] else theirs["candidates"]
        end = side not in doctor["no_eoc"]
        if side in doctor["late"]:
            me.send("remote-description", ufrag=theirs["ufrag"], pwd=pwd, candidates=[])

            def trickle(me=me, candidates=candidates, end=end):
                for line in candidates:
                    me.send("remote-candidate", line=line)
                if end:
                    me.send("end-of-candidates")
            timers.append(threading.Timer(doctor["late"][side], trickle))
            timers[-1].start()
        else:
            me.send("remote-description", ufrag=theirs["ufrag"], pwd=pwd, candidates=candidates,
                    **{"end-of-candidates": end})
    try:
        for driver in (controlling, controlled):
            pair = driver.wait_for("selected-pair", 10 + max(doctor["late"].values(), default=0))
            print(f"driver_pair: {driver.name} selected {pair['local']} -> {pair['remote']}", file=sys.stderr)
        payload = "aGVsbG8taWNlc3BlYw=="  # "hello-icespec"
        for _ in range(3):
            controlling.send("send", data=payload)
            controlled.send("send", data=payload)
        for driver in (controlling, controlled):
            for _ in range(3):
                driver.wait_for("received", 5)
        print("driver_pair: connected both ways, 6 datagrams received", file=sys.stderr)
    except RuntimeError as e:
        if not doctor["may_fail"]:
            raise
        print(f"driver_pair: broken on purpose: {e}", file=sys.stderr)
    for timer in timers:
        timer.join()
    for side in doctor["restart_stale"]:
        me, other = (controlling, controlled) if side == "controlling" else (controlled, controlling)
        old = descriptions[me.name]
        me.send("restart")
        new = me.wait_for("local-description", 10)
        other.send("remote-description", ufrag=new["ufrag"], pwd=old["pwd"], candidates=new["candidates"],
                   **{"end-of-candidates": True})
        theirs = other.wait_for("local-description", 10)
        me.send("remote-description", ufrag=theirs["ufrag"], pwd=theirs["pwd"], candidates=theirs["candidates"],
                **{"end-of-candidates": True})
        with open(credentials_path, "a") as out:
            out.write(f"# after the restart of {side}'s agent\n")
            for described in (new, theirs):
                out.write(f"ice-credentials {described['ufrag']}:{described['pwd']}\n")
        print(f"driver_pair: restarted {side}: {old['ufrag']} -> {new['ufrag']}, its old password given", file=sys.stderr)
    time.sleep(max(0.0, seconds - (time.monotonic() - start)))


def main(argv):
    doctor = {"wrong_pwd": set(), "withhold": set(), "late": {}, "no_eoc": set(), "own_pwd": set(), "restart_stale": [],
              "may_fail": False}
    log = None
    args = argv[1:]
    try:
        while args and args[0].startswith("--"):
            option = args.pop(0)
            if option == "--may-fail":
                doctor["may_fail"] = True
                continue
            value = args.pop(0)
            if option == "--log":
                log = value
            elif option == "--late":
                side, delay = value.split(":")
                doctor["late"][side] = float(delay)
            elif option in ("--wrong-pwd", "--withhold", "--no-end-of-candidates", "--own-pwd"):
                doctor[{"--wrong-pwd": "wrong_pwd", "--withhold": "withhold", "--no-end-of-candidates": "no_eoc",
                        "--own-pwd": "own_pwd"}[option]].add(value)
            elif option == "--restart-stale":
                doctor["restart_stale"].append(value)
            else:
                raise ValueError(option)
            if value.split(":")[0] not in ("controlling", "controlled") and option != "--log":
                raise ValueError(value)
    except (IndexError, ValueError):
        print(__doc__, file=sys.stderr)
        return 2
    if len(args) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    credentials_path, seconds, nomination = args[0], float(args[1]), args[2]
    drivers = []
    try:
        drivers.append(Driver("A", args[3], open(f"{log}/controlling.jsonl", "w") if log else None))
        drivers.append(Driver("B", args[4], open(f"{log}/controlled.jsonl", "w") if log else None))
        run(credentials_path, seconds, nomination, *drivers, doctor)
        return 0
    except RuntimeError as e:
        print(f"driver_pair: {e}", file=sys.stderr)
        return 1
    finally:
        for driver in drivers:
            driver.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
