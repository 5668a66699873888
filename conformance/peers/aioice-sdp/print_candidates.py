#!/usr/bin/python3
"""Prints the RFC 8839 candidate lines aioice 0.8.0 (Debian python3-aioice, /usr/bin/python3) produces.

aioice skips loopback addresses when gathering, so aioice.ice.get_host_addresses is patched to return the loopback
address(es) given on the command line (default 127.0.0.1). Usage:

    /usr/bin/python3 print_candidates.py [--components N] [ADDRESS ...]
    /usr/bin/python3 print_candidates.py --parse LINE ...     # aioice's Candidate.from_sdp of each line (no "candidate:")

Output: "## sdp", then "a=ice-ufrag:U", "a=ice-pwd:P" and one "a=candidate:<candidate.to_sdp()>" per candidate;
"## api", then "ufrag U", "pwd P" and per candidate
"candidate COMPONENT FOUNDATION TRANSPORT PRIORITY HOST PORT TYPE RELATED_ADDRESS RELATED_PORT TCPTYPE" (missing = "-");
"## end". With --parse: one "candidate …" line (same fields) per LINE, or "error <message>".
"""
import argparse
import asyncio
import sys

import aioice
import aioice.ice


def describe(c) -> str:
    dash = lambda value: "-" if value is None else value
    return (f"candidate {c.component} {c.foundation} {c.transport} {c.priority} {c.host} {c.port} {c.type} "
            f"{dash(c.related_address)} {dash(c.related_port)} {dash(c.tcptype)}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--components", type=int, default=1)
    parser.add_argument("--parse", action="store_true")
    parser.add_argument("addresses", nargs="*", default=["127.0.0.1"])
    args = parser.parse_args()

    if args.parse:
        for line in args.addresses:
            try:
                print(describe(aioice.Candidate.from_sdp(line)))
            except Exception as e:  # report, the test decides
                print(f"error {type(e).__name__}: {e}")
        return 0

    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: list(args.addresses)

    async def gather():
        connection = aioice.Connection(ice_controlling=True, components=args.components, use_ipv4=True,
                                       use_ipv6=any(":" in a for a in args.addresses))
        try:
            await asyncio.wait_for(connection.gather_candidates(), 20)
            return connection.local_username, connection.local_password, list(connection.local_candidates)
        finally:
            await connection.close()

    ufrag, pwd, candidates = asyncio.run(gather())
    print("## sdp")
    print(f"a=ice-ufrag:{ufrag}")
    print(f"a=ice-pwd:{pwd}")
    for candidate in candidates:
        print(f"a=candidate:{candidate.to_sdp()}")
    print("## api")
    print(f"ufrag {ufrag}")
    print(f"pwd {pwd}")
    for c in candidates:
        print(describe(c))
    print("## end")
    print(f"aioice {aioice.__version__}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
