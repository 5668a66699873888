#!/usr/bin/python3
"""aioice driver for the IceSpec conformance kit (conformance/ADAPTER.md): JSON commands on stdin, events on stdout.

Runs on Debian's python3-aioice 0.8.0 with /usr/bin/python3. One aioice.Connection, component 1.
"""
import asyncio
import base64
import json
import logging
import sys

import aioice
import aioice.ice

from commands import CommandError, Unsupported, parse_configure
from events import emit, log

KNOWN = ("configure", "gather", "remote-description", "remote-candidate", "end-of-candidates", "restart", "send", "close")


class Driver:
    def __init__(self):
        self.connection = None
        self.config = None
        self.connect_task = None
        self.remote_known = False
        self.remote_candidate_seen = False
        self.remote_end = False
        self.gathered = False

    # configure: RFC 8445 §6.1.1 roles; aioice exposes nomination only through its ICE-lite path (see README.md).
    def configure(self, command):
        if self.connection is not None:
            raise CommandError("configure: already configured")
        config = parse_configure(command)
        self.config = config
        if config.addresses:
            # aioice skips loopback when it lists interfaces: gather on exactly the configured addresses instead.
            aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: list(config.addresses)
        kwargs = {}
        if config.stun:
            kwargs["stun_server"] = config.stun
        if config.turn:
            kwargs.update(turn_server=config.turn["server"], turn_username=config.turn["username"],
                          turn_password=config.turn["password"], turn_transport=config.turn["transport"])
        if config.relay_only:
            kwargs["transport_policy"] = aioice.TransportPolicy.RELAY
        self.connection = aioice.Connection(ice_controlling=config.controlling, components=1,
                                            use_ipv4=config.use_ipv4, use_ipv6=config.use_ipv6, **kwargs)
        log(f"configured {'controlling' if config.controlling else 'controlled'}, {config.nomination} nomination")

    async def gather(self):
        emit("local-credentials", ufrag=self.connection.local_username, pwd=self.connection.local_password)
        await self.connection.gather_candidates()
        self.gathered = True
        lines = [f"a=candidate:{c.to_sdp()}" for c in self.connection.local_candidates]
        for line in lines:  # aioice gathers all at once: the candidates are trickled when gathering completes
            emit("candidate", line=line)
        emit("local-description", ufrag=self.connection.local_username, pwd=self.connection.local_password,
             candidates=lines)
        self.maybe_connect()

    async def add_remote(self, lines):
        for line in lines:
            try:
                candidate = aioice.Candidate.from_sdp(to_value(line))
            except (ValueError, IndexError) as e:
                emit("error", message=f"aioice cannot parse remote candidate '{line}': {e}")
                continue
            await self.connection.add_remote_candidate(candidate)
            self.remote_candidate_seen = True

    async def remote_description(self, command):
        ufrag, pwd = command.get("ufrag"), command.get("pwd")
        if not isinstance(ufrag, str) or not isinstance(pwd, str):
            raise CommandError("remote-description: ufrag and pwd are required strings")
        lines = command.get("candidates") or []
        if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
            raise CommandError("remote-description: candidates must be an array of strings")
        if self.remote_known and (ufrag, pwd) != (self.connection.remote_username, self.connection.remote_password):
            raise Unsupported("remote-description", "new credentials mean an ICE restart (RFC 8445 §9); aioice 0.8.0 cannot restart")
        self.connection.remote_username, self.connection.remote_password = ufrag, pwd
        # aioice's controlling agent nominates with its first check (aggressive) unless the peer is ICE-lite, where it
        # checks first and nominates after (regular, RFC 8445 §8.1.1): regular nomination takes that path.
        lite = bool(command.get("lite"))
        self.connection.remote_is_lite = lite or (self.config.controlling and self.config.nomination == "regular")
        self.remote_known = True
        await self.add_remote(lines)
        if command.get("end-of-candidates"):
            await self.end_of_candidates()
        self.maybe_connect()

    async def end_of_candidates(self):
        if not self.remote_end:
            self.remote_end = True
            await self.connection.add_remote_candidate(None)
        self.maybe_connect()

    def maybe_connect(self):
        # aioice fails at once on an empty check list, so checks wait for the first remote candidate (RFC 8838 trickle);
        # and connect() refuses to run before local gathering, which a peer's early description may precede.
        if (self.connect_task is None and self.gathered and self.remote_known
                and (self.remote_candidate_seen or self.remote_end)):
            self.connect_task = asyncio.ensure_future(self.connect())

    async def connect(self):
        emit("state", state="checking")
        try:
            await self.connection.connect()
        except ConnectionError as e:
            log(f"connect: {e}")
            emit("state", state="failed")
            return
        pair = self.connection._nominated.get(1)  # aioice keeps the selected pair per component here
        emit("state", state="connected")
        emit("selected-pair", local=address(pair.local_addr), remote=address(pair.remote_addr),
             localType=pair.local_candidate.type, remoteType=pair.remote_candidate.type)
        emit("state", state="completed")
        while True:
            try:
                data = await self.connection.recv()
            except ConnectionError:
                return
            emit("received", data=base64.b64encode(data).decode("ascii"))

    async def send(self, command):
        try:
            data = base64.b64decode(command.get("data") or "", validate=True)
        except ValueError:
            raise CommandError("send: data must be base64")
        if not data:
            raise CommandError("send: data (base64) is required")
        try:
            await self.connection.send(data)
        except ConnectionError as e:
            raise CommandError(f"send: {e}")

    async def close(self):
        if self.connect_task is not None:
            self.connect_task.cancel()
        if self.connection is not None:
            await self.connection.close()
        emit("state", state="closed")
        emit("closed")

    async def run(self, command):
        name = command.get("command")
        if not isinstance(name, str):
            raise CommandError('a command object needs a string member "command"')
        if name not in KNOWN:
            raise CommandError(f"unknown command '{name}' (known: {', '.join(KNOWN)})")
        if name == "configure":
            self.configure(command)
            return False
        if name == "close":
            await self.close()
            return True
        if self.connection is None:
            raise CommandError(f"{name}: configure first")
        if name == "gather":
            await self.gather()
        elif name == "remote-description":
            await self.remote_description(command)
        elif name == "remote-candidate":
            line = command.get("line")
            if not isinstance(line, str):
                raise CommandError("remote-candidate: line is required")
            await self.add_remote([line])
            self.maybe_connect()
        elif name == "end-of-candidates":
            await self.end_of_candidates()
        elif name == "restart":
            raise Unsupported("restart", "aioice 0.8.0 has no ICE restart (RFC 8445 §9)")
        elif name == "send":
            await self.send(command)
        return False


def to_value(line):
    """RFC 8839 §5.1 attribute line -> the value aioice's Candidate.from_sdp takes (no "a=", no "candidate:")."""
    text = line.strip()
    if text.startswith("a="):
        text = text[2:]
    return text[len("candidate:"):] if text.startswith("candidate:") else text


def address(addr):
    host, port = addr[0], addr[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


async def main():
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="aioice: %(message)s")
    emit("ready", name="aioice", version=aioice.__version__)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    driver = Driver()
    while True:
        raw = await reader.readline()
        if not raw:
            log('stdin closed without "close"')
            return 0
        text = raw.decode("utf-8", "replace").strip()
        if not text:
            continue
        try:
            command = json.loads(text)
            if not isinstance(command, dict):
                raise CommandError("each line must be one JSON object")
            if await driver.run(command):
                return 0
        except json.JSONDecodeError as e:
            emit("error", message=f"not JSON: {e}")
        except CommandError as e:
            emit("error", message=str(e))
        except Unsupported as e:
            emit("unsupported", command=e.command)
            log(f"unsupported {e.command}: {e.reason}")
            return 127


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
