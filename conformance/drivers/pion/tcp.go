package main

// ICE-TCP (RFC 6544) as far as pion/ice v2 goes: passive host candidates only. pion takes incoming connections
// through a TCPMux (one listener; the first STUN Binding request's USERNAME picks the agent, RFC 6544 §7.2), ignores
// remote active candidates and never connects out, so the peer must hold an active candidate (RFC 6544 §6.2).

import (
	"net"

	"github.com/pion/ice/v2"
)

// networkTypes: pion's network types for the configured addresses (none: IPv4 on all interfaces) and transports.
func networkTypes(ips []net.IP, udp, tcp bool) []ice.NetworkType {
	ipv4, ipv6 := len(ips) == 0, false
	for _, ip := range ips {
		ipv4 = ipv4 || ip.To4() != nil
		ipv6 = ipv6 || ip.To4() == nil
	}
	var types []ice.NetworkType
	for _, t := range []struct {
		on   bool
		kind ice.NetworkType
	}{{udp && ipv4, ice.NetworkTypeUDP4}, {udp && ipv6, ice.NetworkTypeUDP6}, {tcp && ipv4, ice.NetworkTypeTCP4}, {tcp && ipv6, ice.NetworkTypeTCP6}} {
		if t.on {
			types = append(types, t.kind)
		}
	}
	return types
}

// listenTCP opens the passive candidates' listener (port 0) and its mux. pion's mux gives every gathered address the
// listener's own port, so one listener must take connections on all of them: the address itself when one is
// configured, else the wildcard (pion's IPFilter still limits the candidates to the configured addresses).
func listenTCP(ips []net.IP) (*ice.TCPMuxDefault, error) {
	address := &net.TCPAddr{}
	if len(ips) == 1 {
		address.IP = ips[0]
	}
	listener, err := net.ListenTCP("tcp", address)
	if err != nil {
		return nil, badInput("configure: cannot listen for ICE-TCP connections on %s: %v", address, err)
	}
	logf("ICE-TCP passive candidates listen on %s", listener.Addr())
	// ReadBufferSize counts datagrams queued per connection (pion's tcpPacketConn channel), not bytes.
	return ice.NewTCPMuxDefault(ice.TCPMuxParams{Listener: listener, ReadBufferSize: 64}), nil
}

// pairTransport: the selected-pair fields of conformance/ADAPTER.md for a pion pair. Over TCP pion's local end is
// always its passive candidate and the remote end the peer's connection, which pion learns as a peer-reflexive
// candidate without a tcptype (agent.go handleInbound): that end is the peer's active one (RFC 6544 §4.5, §7.2).
func pairTransport(local, remote ice.Candidate) map[string]interface{} {
	if !local.NetworkType().IsTCP() {
		return map[string]interface{}{"transport": "udp"}
	}
	remoteTCPType := remote.TCPType().String()
	if remoteTCPType == "" && local.TCPType() == ice.TCPTypePassive {
		remoteTCPType = ice.TCPTypeActive.String()
	}
	return map[string]interface{}{"transport": "tcp", "localTcpType": local.TCPType().String(), "remoteTcpType": remoteTCPType}
}
