"""Checks the `configure` command of conformance/ADAPTER.md before aioice sees it."""
from dataclasses import dataclass, field
from typing import List, Optional, Tuple


class CommandError(Exception):
    """Bad input: reported as an `error` event, the driver keeps running."""


class Unsupported(Exception):
    """Something aioice cannot do: `unsupported` event and exit code 127."""

    def __init__(self, command, reason):
        super().__init__(reason)
        self.command, self.reason = command, reason


@dataclass
class Config:
    controlling: bool
    nomination: str
    addresses: List[str] = field(default_factory=list)
    stun: Optional[Tuple[str, int]] = None
    turn: Optional[dict] = None
    relay_only: bool = False

    @property
    def use_ipv4(self):
        return not self.addresses or any(":" not in a for a in self.addresses)

    @property
    def use_ipv6(self):
        return not self.addresses or any(":" in a for a in self.addresses)


def split_host_port(text, what):
    """"host:port" or "[v6]:port" -> (host, port)."""
    if not isinstance(text, str):
        raise CommandError(f"configure: {what} must be \"host:port\"")
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    else:
        host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise CommandError(f"configure: {what} must be \"host:port\", got '{text}'")
    return host, int(port)


def parse_configure(command) -> Config:
    role = command.get("role")
    if role not in ("controlling", "controlled"):
        raise CommandError('configure: role must be "controlling" or "controlled"')
    nomination = command.get("nomination") or "regular"
    if nomination not in ("regular", "aggressive"):
        raise CommandError('configure: nomination must be "regular" or "aggressive"')
    policy = command.get("policy") or "all"
    if policy not in ("all", "relay"):
        raise CommandError('configure: policy must be "all" or "relay"')
    if command.get("components", 1) != 1:
        raise Unsupported("configure", "this driver runs one component")
    transports = command.get("transports", "udp")
    if transports not in ("udp", "tcp", "udp,tcp"):
        raise CommandError('configure: transports must be "udp", "tcp" or "udp,tcp"')
    if transports != "udp":
        raise Unsupported("configure", "aioice 0.8.0 has no ICE-TCP (RFC 6544) candidates")
    addresses = command.get("addresses") or []
    if not isinstance(addresses, list) or not all(isinstance(a, str) for a in addresses):
        raise CommandError("configure: addresses must be an array of strings")
    config = Config(controlling=role == "controlling", nomination=nomination, addresses=addresses,
                    relay_only=policy == "relay")
    if command.get("stun") is not None:
        config.stun = split_host_port(command["stun"], "stun")
    turn = command.get("turn")
    if turn is not None:
        if not isinstance(turn, dict):
            raise CommandError("configure: turn must be an object")
        transport = turn.get("transport") or "udp"
        if transport not in ("udp", "tcp"):
            raise Unsupported("configure", f"turn.transport '{transport}'")
        if not isinstance(turn.get("username"), str) or not isinstance(turn.get("password"), str):
            raise CommandError("configure: turn.username and turn.password are required")
        config.turn = {"server": split_host_port(turn.get("server"), "turn.server"), "username": turn["username"],
                       "password": turn["password"], "transport": transport}
    if config.relay_only and config.turn is None:
        raise CommandError("configure: policy relay needs a turn server")
    return config
