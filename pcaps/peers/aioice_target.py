"""aioice_target -- one live aioice 0.8 agent (Debian python3-aioice) on 127.0.0.1 for `icespec replay` to talk to.
Usage: /usr/bin/python3 aioice_target.py UFRAG PASSWORD REMOTE_UFRAG REMOTE_PASSWORD controlling|controlled [SECONDS]
It gathers a host candidate on 127.0.0.1 (aioice skips loopback, so get_host_addresses is replaced), prints
"port N" on stdout, answers the connectivity checks it receives (aioice answers once it has gathered) and exits after
SECONDS (default 60) or when its standard input closes, whichever comes first.
"""
import asyncio
import sys

import aioice.ice

aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]


async def stdin_closed() -> None:
    loop = asyncio.get_event_loop()
    await loop.run_in_executor(None, sys.stdin.read)


async def main(ufrag: str, password: str, remote_ufrag: str, remote_password: str, role: str, seconds: float) -> int:
    agent = aioice.Connection(ice_controlling=role == "controlling", use_ipv6=False)
    agent.local_username, agent.local_password = ufrag, password
    agent.remote_username, agent.remote_password = remote_ufrag, remote_password
    await agent.gather_candidates()
    print(f"port {agent.local_candidates[0].port}", flush=True)
    await asyncio.wait([asyncio.ensure_future(stdin_closed()), asyncio.ensure_future(asyncio.sleep(seconds))],
                       return_when=asyncio.FIRST_COMPLETED)
    await agent.close()
    return 0


if __name__ == "__main__":
    if len(sys.argv) not in (6, 7) or sys.argv[5] not in ("controlling", "controlled"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(asyncio.run(main(*sys.argv[1:6], float(sys.argv[6]) if len(sys.argv) == 7 else 60.0)))
