"""driver_pair -- one ICE session between two conformance drivers (conformance/ADAPTER.md: JSON lines on stdin/stdout),
e.g. IceSpec's icespec-driver and the libnice driver, on 127.0.0.1, so that a capture of it can be verified and analysed.
Usage: python3 driver_pair.py CREDENTIALS_FILE SECONDS NOMINATION CONTROLLING_COMMAND CONTROLLED_COMMAND
  (each COMMAND is one shell-quoted string, e.g. "dotnet /path/icespec-driver.dll")
The drivers choose their own ufrag and password (RFC 8445 §5.3; the drivers have no way to fix them): they are taken
from each driver's local-credentials event (checked against its local-description) and written to CREDENTIALS_FILE as
`ice-credentials UFRAG:PWD` lines, the format of `icespec ... --credentials`. Then: remote descriptions with
end-of-candidates, wait for a selected pair on both, 3 datagrams each way, stay up SECONDS in all (consent, RFC 7675),
close. Exits 0 when both selected a pair and every datagram arrived; every wait has a timeout; both drivers are
stopped (close, then kill by PID) whatever happens.
"""
import json
import queue
import shlex
import subprocess
import sys
import threading
import time


class Driver:
    """One driver process: commands in, events out (read by a thread into a queue)."""

    def __init__(self, name, command):
        self.name = name
        self.label = name
        self.credentials = None  # (ufrag, pwd) from the local-credentials event
        self.process = subprocess.Popen(shlex.split(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=sys.stderr, text=True, bufsize=1)
        self.events = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                event = {"event": "invalid-output", "line": line.rstrip()}
            self.events.put(event)
        self.events.put({"event": "exited"})

    def send(self, command, **fields):
        self.process.stdin.write(json.dumps({"command": command, **fields}) + "\n")
        self.process.stdin.flush()

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


def run(credentials_path, seconds, nomination, controlling, controlled):
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
    for me, other in ((controlling, controlled), (controlled, controlling)):
        theirs = descriptions[other.name]
        me.send("remote-description", ufrag=theirs["ufrag"], pwd=theirs["pwd"], candidates=theirs["candidates"],
                **{"end-of-candidates": True})
    for driver in (controlling, controlled):
        pair = driver.wait_for("selected-pair", 10)
        print(f"driver_pair: {driver.name} selected {pair['local']} -> {pair['remote']}", file=sys.stderr)
    payload = "aGVsbG8taWNlc3BlYw=="  # "hello-icespec"
    for _ in range(3):
        controlling.send("send", data=payload)
        controlled.send("send", data=payload)
    for driver in (controlling, controlled):
        for _ in range(3):
            driver.wait_for("received", 5)
    time.sleep(max(0.0, seconds - (time.monotonic() - start)))
    print("driver_pair: connected both ways, 6 datagrams received", file=sys.stderr)


def main(argv):
    if len(argv) != 6:
        print(__doc__, file=sys.stderr)
        return 2
    credentials_path, seconds, nomination = argv[1], float(argv[2]), argv[3]
    drivers = []
    try:
        drivers.append(Driver("A", argv[4]))
        drivers.append(Driver("B", argv[5]))
        run(credentials_path, seconds, nomination, *drivers)
        return 0
    except RuntimeError as e:
        print(f"driver_pair: {e}", file=sys.stderr)
        return 1
    finally:
        for driver in drivers:
            driver.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
