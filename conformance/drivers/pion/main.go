// Command piondriver is the pion/ice v2 driver for the IceSpec conformance kit (conformance/ADAPTER.md):
// one JSON command per line on stdin, one JSON event per line on stdout, log on stderr. See README.md.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
)

// version is set at build time (build.sh: the Debian package version of golang-github-pion-ice.v2-dev).
var version = "v2"

var knownCommands = []string{"configure", "gather", "remote-description", "remote-candidate", "end-of-candidates", "restart", "send", "close"}

var stdout = struct {
	sync.Mutex
	encoder *json.Encoder
}{encoder: json.NewEncoder(os.Stdout)}

// emit prints one event; pion calls back from its own goroutines, so writes are serialised.
func emit(event string, fields map[string]interface{}) {
	object := map[string]interface{}{"event": event}
	for k, v := range fields {
		object[k] = v
	}
	stdout.Lock()
	defer stdout.Unlock()
	if err := stdout.encoder.Encode(object); err != nil {
		logf("stdout: %v", err)
	}
}

func logf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "pion-driver: "+format+"\n", args...)
}

// commandError is bad input: an `error` event, the driver keeps running.
type commandError struct{ message string }

func (e commandError) Error() string { return e.message }

func badInput(format string, args ...interface{}) error {
	return commandError{fmt.Sprintf(format, args...)}
}

// unsupported is something pion cannot do: an `unsupported` event and exit code 127.
type unsupported struct{ command, reason string }

func (e unsupported) Error() string { return e.command + ": " + e.reason }

func main() {
	emit("ready", map[string]interface{}{"name": "pion", "version": version})
	d := &driver{}
	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 64*1024), 1024*1024)
	for scanner.Scan() {
		text := strings.TrimSpace(scanner.Text())
		if text == "" {
			continue
		}
		var command map[string]interface{}
		if err := json.Unmarshal([]byte(text), &command); err != nil {
			emit("error", map[string]interface{}{"message": "not a JSON object: " + err.Error()})
			continue
		}
		closed, err := d.run(command)
		if u, ok := err.(unsupported); ok {
			emit("unsupported", map[string]interface{}{"command": u.command})
			logf("unsupported %s", u.Error())
			os.Exit(127)
		}
		if err != nil {
			emit("error", map[string]interface{}{"message": err.Error()})
		}
		if closed {
			os.Exit(0)
		}
	}
	if err := scanner.Err(); err != nil {
		logf("stdin: %v", err)
		os.Exit(1)
	}
	logf("stdin closed without \"close\"")
}

func (d *driver) run(command map[string]interface{}) (bool, error) {
	name, ok := command["command"].(string)
	if !ok {
		return false, badInput(`a command object needs a string member "command"`)
	}
	switch name {
	case "configure":
		return false, d.configure(command)
	case "close":
		d.close()
		emit("state", map[string]interface{}{"state": "closed"})
		emit("closed", nil)
		return true, nil
	}
	known := false
	for _, k := range knownCommands {
		known = known || k == name
	}
	if !known {
		return false, badInput("unknown command '%s' (known: %s)", name, strings.Join(knownCommands, ", "))
	}
	if d.agent == nil {
		return false, badInput("%s: configure first", name)
	}
	switch name {
	case "gather":
		return false, d.gather()
	case "remote-description":
		return false, d.remoteDescription(command)
	case "remote-candidate":
		line, ok := command["line"].(string)
		if !ok {
			return false, badInput("remote-candidate: line is required")
		}
		return false, d.addRemote(line)
	case "end-of-candidates":
		logf("end-of-candidates: pion/ice v2 has no API for it; noted only")
		return false, nil
	case "restart":
		return false, d.restart()
	default: // send
		return false, d.send(command)
	}
}
