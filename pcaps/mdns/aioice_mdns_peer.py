"""aioice_mdns_peer -- one aioice 0.8 agent (Debian python3-aioice) that offers its host candidates as mDNS names
(draft-ietf-mmusic-mdns-ice-candidates §3.1: a fresh "<uuid-v4>.local" per address, published and answered for with
aioice.mdns) and resolves the peer's .local candidates (aioice's Connection does, §3.2; an unresolved one is dropped).
Signalling is two files in DIR: each side writes ROLE.json (ufrag, password, a=candidate lines) and waits for the other's;
it also writes ROLE.sdp, the same as RFC 8839 attributes (what `icespec analyze/diagnose --signalling` read).
  controlling agent: ufrag "MdnC", password "MdnsControllingPass0001"
  controlled agent:  ufrag "MdnD", password "MdnsControlledPass00002"
Usage: /usr/bin/python3 aioice_mdns_peer.py controlling|controlled DIR SECONDS
Prints "connected" or "failed" and the names it published and resolved; exits 0 either way once ICE has ended (the
script that runs it checks the outcome it expects), 2 on a signalling timeout.
"""
import asyncio
import copy
import json
import os
import sys
import uuid

import aioice
import aioice.ice

CREDENTIALS = {"controlling": ("MdnC", "MdnsControllingPass0001"), "controlled": ("MdnD", "MdnsControlledPass00002")}


async def read_peer(path: str, timeout: float) -> dict:
    loop = asyncio.get_event_loop()
    deadline = loop.time() + timeout
    while not os.path.exists(path):
        if loop.time() > deadline:
            raise TimeoutError(f"no signalling from the peer in {path}")
        await asyncio.sleep(0.05)
    with open(path) as f:
        return json.load(f)


async def main(role: str, folder: str, seconds: float) -> int:
    other = "controlled" if role == "controlling" else "controlling"
    connection = aioice.Connection(ice_controlling=role == "controlling", use_ipv6=False)
    connection.local_username, connection.local_password = CREDENTIALS[role]
    await connection.gather_candidates()
    mdns = await aioice.ice.get_or_create_mdns_protocol(connection)
    lines = []
    for candidate in connection.local_candidates:
        name = f"{uuid.uuid4()}.local"
        await mdns.publish(name, candidate.host)
        print(f"published {name} = {candidate.host}", flush=True)
        offered = copy.copy(candidate)
        offered.host = name
        lines.append(offered.to_sdp())
    temporary = os.path.join(folder, f".{role}.json")
    with open(temporary, "w") as f:
        json.dump({"ufrag": connection.local_username, "password": connection.local_password, "candidates": lines}, f)
    with open(os.path.join(folder, f"{role}.sdp"), "w") as f:
        f.write(f"a=ice-ufrag:{connection.local_username}\na=ice-pwd:{connection.local_password}\n")
        f.writelines(f"a=candidate:{line}\n" for line in lines)
        f.write("a=end-of-candidates\n")
    os.rename(temporary, os.path.join(folder, f"{role}.json"))
    try:
        peer = await read_peer(os.path.join(folder, f"{other}.json"), 10)
    except TimeoutError as e:
        print(e, flush=True)
        return 2
    connection.remote_username, connection.remote_password = peer["ufrag"], peer["password"]
    for line in peer["candidates"]:
        await connection.add_remote_candidate(aioice.Candidate.from_sdp(line))
    await connection.add_remote_candidate(None)
    print(f"remote candidates after resolution: {[f'{c.host}:{c.port}' for c in connection.remote_candidates]}", flush=True)
    start = asyncio.get_event_loop().time()
    try:
        await asyncio.wait_for(connection.connect(), timeout=10)
        for _ in range(3):
            await connection.send(b"hello-mdns")
        for _ in range(3):
            await asyncio.wait_for(connection.recv(), timeout=5)
        print("connected", flush=True)
    except (ConnectionError, asyncio.TimeoutError) as e:
        print(f"failed: {e!r}", flush=True)
    await asyncio.sleep(max(0.0, seconds - (asyncio.get_event_loop().time() - start)))
    await connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 3.0)))
