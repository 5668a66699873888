package main

// The pion/ice v2 Agent behind the adapter commands: RFC 8445 roles (controlling dials, controlled accepts),
// RFC 8839 candidate lines converted to and from pion's Marshal form (the same fields without "candidate:").

import (
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/pion/ice/v2"
)

type driver struct {
	agent       *ice.Agent
	tcpMux      *ice.TCPMuxDefault // the passive ICE-TCP listener (transports with tcp), closed after the agent
	controlling bool
	cancel      context.CancelFunc
	conn        *ice.Conn     // set once, before connected is closed
	connected   chan struct{} // closed when Dial/Accept returned a connection
	connecting  bool
	// What onCandidate reports, kept here: pion calls onCandidate from the goroutine that also delivers its state
	// changes, and an agent method called from there (GetLocalCandidates, GetLocalUserCredentials: both wait for the
	// agent's task loop) deadlocks when the loop is meanwhile sending a state change (Dial right after gathering).
	ufrag, pwd string
	gathered   []string
	// The configured host addresses: what a local host candidate stands for when pion signals it as an mDNS name
	// (pion/ice v2 keeps the address it resolved to unexported).
	hostIPs []net.IP
	// The peer's credentials in force: new ones in a later remote-description mean it restarted (RFC 8445 §9).
	remoteUfrag, remotePwd string
	restarted              bool // this agent restarted since the peer's last credentials
}

func (d *driver) configure(command map[string]interface{}) error {
	if d.agent != nil {
		return badInput("configure: already configured")
	}
	c, err := parseConfigure(command)
	if err != nil {
		return err
	}
	if c.controlling && c.nomination == "aggressive" {
		return unsupported{"configure", "pion/ice v2 nominates regularly when controlling (no aggressive mode)"}
	}
	ips := make([]net.IP, 0, len(c.addresses))
	for _, a := range c.addresses {
		ip := net.ParseIP(a)
		if ip == nil {
			return badInput("configure: address '%s' is not an IP address", a)
		}
		ips = append(ips, ip)
	}
	config := &ice.AgentConfig{
		NetworkTypes:     networkTypes(ips, c.udp, c.tcp),
		MulticastDNSMode: multicastDNSMode(c.mdns),
		Urls:             c.urls,
		// A controlled agent takes a later USE-CANDIDATE over its selected pair only with this (aggressive peers).
		AcceptAggressiveNomination: c.nomination == "aggressive",
	}
	if c.relayOnly {
		config.CandidateTypes = []ice.CandidateType{ice.CandidateTypeRelay}
	}
	if len(ips) > 0 {
		allowed := map[string]bool{}
		for _, ip := range ips {
			allowed[ip.String()] = true
			config.IncludeLoopback = config.IncludeLoopback || ip.IsLoopback()
		}
		config.IPFilter = func(ip net.IP) bool { return allowed[ip.String()] }
	}
	if c.tcp {
		mux, err := listenTCP(ips)
		if err != nil {
			return err
		}
		d.tcpMux, config.TCPMux = mux, mux
	}
	agent, err := ice.NewAgent(config)
	if err != nil {
		d.closeTCPMux()
		return badInput("configure: pion rejected the configuration: %v", err)
	}
	d.agent, d.controlling, d.connected, d.hostIPs = agent, c.controlling, make(chan struct{}), ips
	must(agent.OnCandidate(d.onCandidate))
	must(agent.OnConnectionStateChange(func(s ice.ConnectionState) {
		if name, ok := stateNames[s]; ok {
			emit("state", map[string]interface{}{"state": name})
		}
	}))
	must(agent.OnSelectedCandidatePairChange(func(local, remote ice.Candidate) {
		pair := pairTransport(local, remote)
		pair["local"], pair["remote"] = d.localHostPort(local), hostPort(remote)
		pair["localType"], pair["remoteType"] = local.Type().String(), remote.Type().String()
		emit("selected-pair", pair)
	}))
	logf("configured %s, %s nomination", command["role"], c.nomination)
	return nil
}

// stateNames: the adapter's state words (pion's String() capitalises them; "new" is not an ICE connection state there).
var stateNames = map[ice.ConnectionState]string{
	ice.ConnectionStateChecking:     "checking",
	ice.ConnectionStateConnected:    "connected",
	ice.ConnectionStateCompleted:    "completed",
	ice.ConnectionStateFailed:       "failed",
	ice.ConnectionStateDisconnected: "disconnected",
	ice.ConnectionStateClosed:       "closed",
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func hostPort(c ice.Candidate) string {
	return net.JoinHostPort(c.Address(), fmt.Sprint(c.Port()))
}

// localHostPort: the adapter's selected-pair "local" is "ip:port"; a host candidate pion offered under its mDNS name
// (mdns: true) is reported at the configured IPv4 address it was gathered on (the kit configures one per family).
func (d *driver) localHostPort(c ice.Candidate) string {
	if strings.HasSuffix(c.Address(), ".local") {
		for _, ip := range d.hostIPs {
			if ip.To4() != nil {
				return net.JoinHostPort(ip.String(), fmt.Sprint(c.Port()))
			}
		}
	}
	return hostPort(c)
}

// onCandidate: a gathered candidate (trickle), or nil when gathering is done. It must not call the agent (see driver).
func (d *driver) onCandidate(c ice.Candidate) {
	if c != nil {
		line := "a=candidate:" + c.Marshal()
		d.gathered = append(d.gathered, line)
		emit("candidate", map[string]interface{}{"line": line})
		return
	}
	lines := append([]string{}, d.gathered...)
	emit("local-description", map[string]interface{}{"ufrag": d.ufrag, "pwd": d.pwd, "candidates": lines})
}

func (d *driver) gather() error {
	ufrag, pwd, err := d.agent.GetLocalUserCredentials()
	if err != nil {
		return badInput("gather: %v", err)
	}
	d.ufrag, d.pwd = ufrag, pwd
	emit("local-credentials", map[string]interface{}{"ufrag": ufrag, "pwd": pwd})
	if err := d.agent.GatherCandidates(); err != nil {
		return badInput("gather: %v", err)
	}
	return nil
}

func (d *driver) remoteDescription(command map[string]interface{}) error {
	ufrag, ok1 := command["ufrag"].(string)
	pwd, ok2 := command["pwd"].(string)
	if !ok1 || !ok2 {
		return badInput("remote-description: ufrag and pwd are required strings")
	}
	if lite, _ := command["lite"].(bool); lite {
		return unsupported{"remote-description", "pion/ice v2 has no setting for an ICE-lite peer"}
	}
	lines, err := stringArray(command["candidates"], "remote-description: candidates")
	if err != nil {
		return err
	}
	if d.connecting {
		return d.restartedDescription(ufrag, pwd, lines)
	}
	for _, line := range lines {
		if err := d.addRemote(line); err != nil {
			emit("error", map[string]interface{}{"message": err.Error()})
		}
	}
	d.remoteUfrag, d.remotePwd = ufrag, pwd
	d.connecting = true
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	go d.connect(ctx, ufrag, pwd)
	return nil
}

// restartedDescription: a later description with new credentials means the peer restarted ICE (RFC 8445 §9); unless
// this agent restarted first, it restarts too. The connection from Dial/Accept stays; checks use the new credentials.
func (d *driver) restartedDescription(ufrag, pwd string, lines []string) error {
	if ufrag == d.remoteUfrag && pwd == d.remotePwd {
		return badInput("remote-description: already given (new credentials would mean an ICE restart)")
	}
	if !d.restarted {
		if err := d.restart(); err != nil {
			return err
		}
	}
	d.restarted = false
	d.remoteUfrag, d.remotePwd = ufrag, pwd
	if err := d.agent.SetRemoteCredentials(ufrag, pwd); err != nil {
		return badInput("remote-description: %v", err)
	}
	for _, line := range lines {
		if err := d.addRemote(line); err != nil {
			emit("error", map[string]interface{}{"message": err.Error()})
		}
	}
	return nil
}

// restart: pion's Agent.Restart gives new local credentials and drops every candidate and the selected pair; the new
// generation gathers again (new local-description).
func (d *driver) restart() error {
	if err := d.agent.Restart("", ""); err != nil {
		return badInput("restart: %v", err)
	}
	ufrag, pwd, err := d.agent.GetLocalUserCredentials()
	if err != nil {
		return badInput("restart: %v", err)
	}
	d.ufrag, d.pwd, d.gathered, d.restarted = ufrag, pwd, nil, true
	emit("local-credentials", map[string]interface{}{"ufrag": ufrag, "pwd": pwd})
	if err := d.agent.GatherCandidates(); err != nil {
		return badInput("restart: gather: %v", err)
	}
	return nil
}

// connect runs pion's blocking Dial (controlling) or Accept (controlled), then reads datagrams until closed.
func (d *driver) connect(ctx context.Context, ufrag, pwd string) {
	var conn *ice.Conn
	var err error
	if d.controlling {
		conn, err = d.agent.Dial(ctx, ufrag, pwd)
	} else {
		conn, err = d.agent.Accept(ctx, ufrag, pwd)
	}
	if err != nil {
		logf("connect: %v", err)
		return
	}
	d.conn = conn
	close(d.connected)
	buffer := make([]byte, 65536)
	for {
		n, err := conn.Read(buffer)
		if err != nil {
			logf("read: %v", err)
			return
		}
		emit("received", map[string]interface{}{"data": base64.StdEncoding.EncodeToString(buffer[:n])})
	}
}

func (d *driver) addRemote(line string) error {
	value := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(line), "a="), "candidate:")
	c, err := ice.UnmarshalCandidate(value)
	if err != nil {
		return badInput("pion cannot parse remote candidate '%s': %v", line, err)
	}
	if err := d.agent.AddRemoteCandidate(c); err != nil {
		return badInput("pion rejected remote candidate '%s': %v", line, err)
	}
	return nil
}

func (d *driver) send(command map[string]interface{}) error {
	text, _ := command["data"].(string)
	data, err := base64.StdEncoding.DecodeString(text)
	if err != nil || len(data) == 0 {
		return badInput("send: data must be non-empty base64")
	}
	// pion reports the selected pair a moment before Dial/Accept returns the connection.
	select {
	case <-d.connected:
	case <-time.After(5 * time.Second):
		return badInput("send: not connected")
	}
	if _, err := d.conn.Write(data); err != nil {
		return badInput("send: %v", err)
	}
	return nil
}

func (d *driver) close() {
	if d.cancel != nil {
		d.cancel()
	}
	if d.agent != nil {
		if err := d.agent.Close(); err != nil {
			logf("close: %v", err)
		}
	}
	d.closeTCPMux()
}

func (d *driver) closeTCPMux() {
	if d.tcpMux != nil {
		if err := d.tcpMux.Close(); err != nil {
			logf("close ICE-TCP listener: %v", err)
		}
		d.tcpMux = nil
	}
}

// multicastDNSMode: draft-ietf-mmusic-mdns-ice-candidates in pion/ice v2. QueryOnly resolves the peer's ".local" host
// candidates (§3.2) and offers addresses; QueryAndGather also offers one "UUIDv4.local" name for the host candidates
// (§3.1.1; pion v2 uses one name per agent) and answers queries for it. pion binds 224.0.0.251:5353 for either; when it
// cannot, it logs and goes on with mDNS disabled.
func multicastDNSMode(offerNames bool) ice.MulticastDNSMode {
	if offerNames {
		return ice.MulticastDNSModeQueryAndGather
	}
	return ice.MulticastDNSModeQueryOnly
}
