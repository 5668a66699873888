// werift-ice driver for the IceSpec conformance kit (conformance/ADAPTER.md): JSON commands on stdin, events on stdout.
// One werift-ice Connection, component 1. See README.md for what it supports and how.
"use strict";
const readline = require("node:readline");
const werift = require("werift-ice");
const weriftUtils = require("werift-ice/lib/ice/src/utils");
const { CommandError, Unsupported, parseConfigure } = require("./configure");

const KNOWN = ["configure", "gather", "remote-description", "remote-candidate", "end-of-candidates", "restart", "send", "close"];
const emit = (event, fields = {}) => process.stdout.write(JSON.stringify({ event, ...fields }) + "\n");
const log = (message) => process.stderr.write(`werift-driver: ${message}\n`);
const address = ([host, port]) => (host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`);
// RFC 8839 §5.1 line -> the value werift's Candidate.fromSdp takes (no "a=", no "candidate:")
const toValue = (line) => line.trim().replace(/^a=/, "").replace(/^candidate:/, "");

class Driver {
  constructor() {
    this.connection = null;
    this.config = null;
    this.connecting = false;
    this.remoteKnown = false;
    this.remoteCandidateSeen = false;
    this.remoteEnd = false;
    this.gathered = false;
    this.remoteCredentials = null; // the peer's ufrag:pwd in force: new ones mean it restarted (RFC 8445 §9)
    this.restarted = false; // this agent restarted since the peer's last credentials
  }

  configure(command) {
    if (this.connection) throw new CommandError("configure: already configured");
    const config = (this.config = parseConfigure(command));
    const options = { useIpv4: true, useIpv6: config.addresses.some((a) => a.includes(":")), forceTurn: config.relayOnly };
    if (config.addresses.length > 0) {
      // werift drops loopback when it lists interfaces: list none and add exactly the configured addresses.
      weriftUtils.getHostAddresses = () => [];
      options.additionalHostAddresses = config.addresses;
      options.useIpv4 = config.addresses.some((a) => !a.includes(":"));
    }
    if (config.stun) options.stunServer = config.stun;
    if (config.turn) {
      Object.assign(options, { turnServer: config.turn.server, turnUsername: config.turn.username,
        turnPassword: config.turn.password, turnTransport: config.turn.transport });
    }
    this.connection = new werift.Connection(config.controlling, options);
    this.connection.onIceCandidate.subscribe((c) => emit("candidate", { line: `a=candidate:${c.toSdp()}` }));
    this.connection.onData.subscribe((data) => emit("received", { data: data.toString("base64") }));
    this.connection.stateChanged.subscribe((state) => {
      // werift also says "completed" when gathering ends: only states after checks started are ICE states.
      if (this.connecting && state !== "new") emit("state", { state });
    });
    log(`configured ${command.role}, ${config.nomination} nomination`);
  }

  async gather() {
    emit("local-credentials", { ufrag: this.connection.localUsername, pwd: this.connection.localPassword });
    await this.connection.gatherCandidates();
    this.gathered = true;
    emit("local-description", { ufrag: this.connection.localUsername, pwd: this.connection.localPassword,
      candidates: this.connection.localCandidates.map((c) => `a=candidate:${c.toSdp()}`) });
    this.maybeConnect();
  }

  async addRemote(lines) {
    for (const line of lines) {
      let candidate;
      try {
        candidate = werift.Candidate.fromSdp(toValue(line));
      } catch (e) {
        emit("error", { message: `werift cannot parse remote candidate '${line}': ${e.message}` });
        continue;
      }
      await this.connection.addRemoteCandidate(candidate);
      this.remoteCandidateSeen = true;
    }
    this.maybeConnect();
  }

  async remoteDescription(command) {
    if (typeof command.ufrag !== "string" || typeof command.pwd !== "string") throw new CommandError("remote-description: ufrag and pwd are required strings");
    const lines = command.candidates ?? [];
    if (!Array.isArray(lines) || !lines.every((l) => typeof l === "string")) throw new CommandError("remote-description: candidates must be an array of strings");
    // werift (a port of aioice) nominates on its first check (aggressive) unless the peer is ICE-lite, where it checks
    // first and nominates after (regular, RFC 8445 §8.1.1): regular nomination takes that path.
    const credentials = `${command.ufrag}:${command.pwd}`;
    if (this.remoteCredentials !== null && this.remoteCredentials !== credentials && !this.restarted) await this.restart();
    this.remoteCredentials = credentials;
    this.restarted = false;
    const lite = Boolean(command.lite) || (this.config.controlling && this.config.nomination === "regular");
    this.connection.setRemoteParams({ iceLite: lite, usernameFragment: command.ufrag, password: command.pwd });
    this.remoteKnown = true;
    await this.addRemote(lines);
    if (command["end-of-candidates"]) await this.endOfCandidates();
  }

  async endOfCandidates() {
    if (!this.remoteEnd) {
      this.remoteEnd = true;
      await this.connection.addRemoteCandidate(undefined);
    }
    this.maybeConnect();
  }

  // ICE restart (RFC 8445 §9): werift's restart() gives new credentials and forgets the peer and the selected pair; the
  // new generation gathers again (local-credentials, local-description) and checks start with the next description.
  async restart() {
    await this.connection.restart();
    Object.assign(this, { restarted: true, connecting: false, remoteKnown: false, remoteCandidateSeen: false, remoteEnd: false, gathered: false });
    await this.gather();
  }

  // werift fails at once on an empty check list, so checks wait for the first remote candidate (RFC 8838 trickle);
  // and connect() refuses to run before local gathering, which a peer's early description may precede.
  maybeConnect() {
    if (this.connecting || !this.gathered || !this.remoteKnown || !(this.remoteCandidateSeen || this.remoteEnd)) return;
    this.connecting = true;
    emit("state", { state: "checking" });
    this.connection.connect().then(() => {
      const pair = this.connection.nominated;
      emit("selected-pair", { local: address([pair.localCandidate.host, pair.localCandidate.port]),
        remote: address(pair.remoteAddr), localType: pair.localCandidate.type, remoteType: pair.remoteCandidate.type });
    }, (e) => {
      log(`connect: ${e.message}`);
      emit("state", { state: "failed" });
    });
  }

  async send(command) {
    const data = typeof command.data === "string" ? Buffer.from(command.data, "base64") : Buffer.alloc(0);
    if (data.length === 0) throw new CommandError("send: data (base64) is required");
    if (!this.connection.nominated) throw new CommandError("send: no selected pair yet");
    await this.connection.send(data);
  }

  // returns true when the driver should exit
  async run(command) {
    const name = command.command;
    if (typeof name !== "string") throw new CommandError('a command object needs a string member "command"');
    if (!KNOWN.includes(name)) throw new CommandError(`unknown command '${name}' (known: ${KNOWN.join(", ")})`);
    if (name === "configure") return this.configure(command), false;
    if (name === "close") {
      if (this.connection) await this.connection.close();
      emit("state", { state: "closed" });
      emit("closed");
      return true;
    }
    if (!this.connection) throw new CommandError(`${name}: configure first`);
    if (name === "gather") await this.gather();
    else if (name === "remote-description") await this.remoteDescription(command);
    else if (name === "remote-candidate") {
      if (typeof command.line !== "string") throw new CommandError("remote-candidate: line is required");
      await this.addRemote([command.line]);
    } else if (name === "end-of-candidates") await this.endOfCandidates();
    else if (name === "restart") await this.restart();
    else if (name === "send") await this.send(command);
    return false;
  }
}

async function main() {
  emit("ready", { name: "werift", version: require("werift-ice/package.json").version });
  const driver = new Driver();
  for await (const raw of readline.createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    const text = raw.trim();
    if (!text) continue;
    try {
      let command;
      try {
        command = JSON.parse(text);
      } catch (e) {
        throw new CommandError(`not JSON: ${e.message}`);
      }
      if (typeof command !== "object" || command === null || Array.isArray(command)) throw new CommandError("each line must be one JSON object");
      if (await driver.run(command)) return 0;
    } catch (e) {
      if (e instanceof Unsupported) {
        emit("unsupported", { command: e.command });
        log(`unsupported ${e.command}: ${e.message}`);
        return 127;
      }
      if (!(e instanceof CommandError)) log(e.stack);
      emit("error", { message: e.message });
    }
  }
  log('stdin closed without "close"');
  return 0;
}

main().then((code) => process.exit(code), (e) => {
  log(e.stack);
  process.exit(1);
});
