#!/bin/bash
# Does a Linux NAT let a crossing SYN in (TCP simultaneous open, RFC 6544 §7.2)? Two hosts, each behind its own router
# with nftables `snat to WAN persistent` (endpoint-independent mapping), connect from fixed ports to each other's mapped
# address, the second 50 ms after the first. Variant "drop": the routers also drop unsolicited inbound packets at
# prerouting priority -150 (the NAT lab's port-restricted NAT, conformance/IceSpec.Conformance/Lab/NatRules.cs);
# "plain": they do not. Prints both connects' results and both routers' TCP conntrack events (needs root, nft,
# conntrack, tcpdump, python3); the pcaps stay in OUTDIR. Its namespaces (tsx<pid>-*) are deleted on exit.
# Results and their reading: conformance/README.md, "Server reflexive S-O candidates through two Linux NATs".
variant=${1:?usage: nat-tcp-simultaneous-open.sh drop|plain [OUTDIR]}; p=tsx$$; out=${2:-$(mktemp -d)}; mkdir -p $out
ns="$p-ha $p-ra $p-pub $p-rb $p-hb"
cleanup() { for pid in $(jobs -p); do kill $pid 2>/dev/null; done; for n in $ns; do ip netns del $n 2>/dev/null; done; }
trap cleanup EXIT
for n in $ns; do ip netns add $n; ip -n $n link set lo up; done
link() { ip link add $3 netns $1 type veth peer name $4 netns $2; ip -n $1 link set $3 up; ip -n $2 link set $4 up; }
link $p-ha $p-ra eth0 lan1; link $p-ra $p-pub wan0 ra; link $p-rb $p-pub wan0 rb; link $p-hb $p-rb eth0 lan1
ip -n $p-ha addr add 10.1.1.2/24 dev eth0; ip -n $p-ra addr add 10.1.1.1/24 dev lan1
ip -n $p-hb addr add 10.2.1.2/24 dev eth0; ip -n $p-rb addr add 10.2.1.1/24 dev lan1
ip -n $p-ra addr add 198.51.100.2/30 dev wan0; ip -n $p-pub addr add 198.51.100.1/30 dev ra
ip -n $p-rb addr add 198.51.100.6/30 dev wan0; ip -n $p-pub addr add 198.51.100.5/30 dev rb
ip -n $p-ha route add default via 10.1.1.1; ip -n $p-hb route add default via 10.2.1.1
ip -n $p-ra route add default via 198.51.100.1; ip -n $p-rb route add default via 198.51.100.5
for n in $p-ra $p-pub $p-rb; do ip netns exec $n sysctl -qw net.ipv4.ip_forward=1; done
for r in ra rb; do
  wan=$([ $r = ra ] && echo 198.51.100.2 || echo 198.51.100.6)
  rules="table ip lab {\n"
  [ $variant = drop ] && rules+="  chain unsolicited { type filter hook prerouting priority -150; policy accept;\n    iifname \"wan0\" ct state new drop\n  }\n"
  rules+="  chain outbound { type nat hook postrouting priority srcnat; policy accept;\n    oifname \"wan0\" snat to $wan persistent\n  }\n}\n"
  printf "$rules" | ip netns exec $p-$r nft -f -
  ip netns exec $p-$r conntrack -E -p tcp -o timestamp > $out/$r.events 2>&1 &
done
ip netns exec $p-ha tcpdump -U -n -i eth0 -w $out/ha.pcap tcp 2>/dev/null &
ip netns exec $p-hb tcpdump -U -n -i eth0 -w $out/hb.pcap tcp 2>/dev/null &
sleep 1
so() { ip netns exec $1 python3 -c "
import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEPORT,1)
s.bind(('$2',$3)); s.settimeout(4); t=time.time()
try: s.connect(('$4',$5)); print('$1 connected', s.getsockname(), '->', s.getpeername(), '%.0f ms' % ((time.time()-t)*1000))
except Exception as e: print('$1 connect failed:', e, '%.0f ms' % ((time.time()-t)*1000))
time.sleep(0.5)"; }
so $p-ha 10.1.1.2 40001 198.51.100.6 40002 > $out/ha.result &
sleep 0.05
so $p-hb 10.2.1.2 40002 198.51.100.2 40001 > $out/hb.result &
wait %5 %6 2>/dev/null; sleep 5
cat $out/ha.result $out/hb.result
for r in ra rb; do echo "== $r"; cat $out/$r.events; done
echo "kernel $(uname -r)"
