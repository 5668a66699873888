package main

// Checks the `configure` command of conformance/ADAPTER.md before pion sees it.

import (
	"net"
	"strconv"

	"github.com/pion/ice/v2"
)

type configuration struct {
	controlling bool
	nomination  string
	addresses   []string
	urls        []*ice.URL
	relayOnly   bool
	udp, tcp    bool // the host candidates to gather: `transports` (tcp: RFC 6544 passive only, see tcp.go)
	mdns        bool // offer host candidates as mDNS names (`mdns`); the peer's names are resolved either way
}

func parseConfigure(command map[string]interface{}) (configuration, error) {
	var c configuration
	role, _ := command["role"].(string)
	if role != "controlling" && role != "controlled" {
		return c, badInput(`configure: role must be "controlling" or "controlled"`)
	}
	c.controlling = role == "controlling"
	c.nomination = stringOr(command["nomination"], "regular")
	if c.nomination != "regular" && c.nomination != "aggressive" {
		return c, badInput(`configure: nomination must be "regular" or "aggressive"`)
	}
	policy := stringOr(command["policy"], "all")
	if policy != "all" && policy != "relay" {
		return c, badInput(`configure: policy must be "all" or "relay"`)
	}
	c.relayOnly = policy == "relay"
	if components, ok := command["components"].(float64); ok && components != 1 {
		return c, unsupported{"configure", "this driver runs one component"}
	}
	switch transports := stringOr(command["transports"], "udp"); transports {
	case "udp", "tcp", "udp,tcp":
		c.udp = transports != "tcp"
		c.tcp = transports != "udp"
	default:
		return c, badInput(`configure: transports must be "udp", "tcp" or "udp,tcp"`)
	}
	switch mdns := command["mdns"].(type) {
	case nil:
	case bool:
		c.mdns = mdns
	default:
		return c, badInput(`configure: mdns must be true or false`)
	}
	var err error
	if c.addresses, err = stringArray(command["addresses"], "configure: addresses"); err != nil {
		return c, err
	}
	if stun, ok := command["stun"].(string); ok {
		host, port, err := splitHostPort(stun, "stun")
		if err != nil {
			return c, err
		}
		c.urls = append(c.urls, &ice.URL{Scheme: ice.SchemeTypeSTUN, Host: host, Port: port, Proto: ice.ProtoTypeUDP})
	}
	if turn, ok := command["turn"].(map[string]interface{}); ok {
		url, err := parseTurn(turn)
		if err != nil {
			return c, err
		}
		c.urls = append(c.urls, url)
	} else if command["turn"] != nil {
		return c, badInput("configure: turn must be an object")
	}
	if c.relayOnly && len(c.urls) == 0 {
		return c, badInput("configure: policy relay needs a turn server")
	}
	return c, nil
}

func parseTurn(turn map[string]interface{}) (*ice.URL, error) {
	server, _ := turn["server"].(string)
	host, port, err := splitHostPort(server, "turn.server")
	if err != nil {
		return nil, err
	}
	username, ok1 := turn["username"].(string)
	password, ok2 := turn["password"].(string)
	if !ok1 || !ok2 {
		return nil, badInput("configure: turn.username and turn.password are required")
	}
	url := &ice.URL{Scheme: ice.SchemeTypeTURN, Host: host, Port: port, Username: username, Password: password}
	switch transport := stringOr(turn["transport"], "udp"); transport {
	case "udp":
		url.Proto = ice.ProtoTypeUDP
	case "tcp":
		url.Proto = ice.ProtoTypeTCP
	default:
		return nil, unsupported{"configure", "turn.transport " + transport}
	}
	return url, nil
}

func splitHostPort(text, what string) (string, int, error) {
	host, portText, err := net.SplitHostPort(text)
	port, perr := strconv.Atoi(portText)
	if err != nil || perr != nil || host == "" || port < 1 || port > 65535 {
		return "", 0, badInput(`configure: %s must be "host:port", got '%s'`, what, text)
	}
	return host, port, nil
}

func stringOr(value interface{}, fallback string) string {
	if s, ok := value.(string); ok {
		return s
	}
	return fallback
}

func stringArray(value interface{}, what string) ([]string, error) {
	if value == nil {
		return nil, nil
	}
	items, ok := value.([]interface{})
	if !ok {
		return nil, badInput("%s must be an array of strings", what)
	}
	out := make([]string, 0, len(items))
	for _, item := range items {
		s, ok := item.(string)
		if !ok {
			return nil, badInput("%s must be an array of strings", what)
		}
		out = append(out, s)
	}
	return out, nil
}
