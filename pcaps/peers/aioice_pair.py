"""aioice_pair -- two aioice 0.8 agents (Debian python3-aioice) in one process connect over 127.0.0.1 with fixed
credentials, so that a capture of their checks can be verified and analysed:
  controlling agent: ufrag "AioC", password "AioiceControllingPass01"
  controlled agent:  ufrag "AioD", password "AioiceControlledPass002"
Usage: /usr/bin/python3 aioice_pair.py SECONDS
aioice skips loopback addresses when gathering, so its get_host_addresses is replaced to return 127.0.0.1 only.
Each side sends 3 datagrams after connect(); the program stays up SECONDS in total (aioice's consent checks,
RFC 7675, run every 4-6 s), then closes both and exits 0 when both connected.
"""
import asyncio
import sys

import aioice.ice

aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]


async def main(seconds: float) -> int:
    controlling = aioice.Connection(ice_controlling=True, use_ipv6=False)
    controlled = aioice.Connection(ice_controlling=False, use_ipv6=False)
    controlling.local_username, controlling.local_password = "AioC", "AioiceControllingPass01"
    controlled.local_username, controlled.local_password = "AioD", "AioiceControlledPass002"
    await controlling.gather_candidates()
    await controlled.gather_candidates()
    for me, other in ((controlling, controlled), (controlled, controlling)):
        me.remote_username, me.remote_password = other.local_username, other.local_password
        for candidate in other.local_candidates:
            await me.add_remote_candidate(candidate)
        await me.add_remote_candidate(None)
    start = asyncio.get_event_loop().time()
    await asyncio.wait_for(asyncio.gather(controlling.connect(), controlled.connect()), timeout=10)
    for _ in range(3):
        await controlling.send(b"hello-aioice")
        await controlled.send(b"hello-aioice")
    received = 0
    for _ in range(3):
        await asyncio.wait_for(controlled.recv(), timeout=5)
        await asyncio.wait_for(controlling.recv(), timeout=5)
        received += 2
    await asyncio.sleep(max(0.0, seconds - (asyncio.get_event_loop().time() - start)))
    await controlling.close()
    await controlled.close()
    print(f"connected, {received} datagrams received")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(float(sys.argv[1]) if len(sys.argv) > 1 else 7.0)))
