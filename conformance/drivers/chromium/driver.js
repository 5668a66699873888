// Chromium (libwebrtc) driver for the IceSpec conformance kit (conformance/ADAPTER.md): JSON commands on stdin, events
// on stdout. One headless page, one RTCPeerConnection with one data channel. See README.md for what it supports and how.
"use strict";
const readline = require("node:readline");
const { CommandError, Unsupported, parseConfigure } = require("./configure");
const { remoteSdp, placeholderFingerprint, readLocal, toAttribute } = require("./sdp");
const { openBrowser, allowInterfaceEnumeration, removeProfile } = require("./browser");

const KNOWN = ["configure", "gather", "remote-description", "remote-candidate", "end-of-candidates", "restart", "send", "close"];
const CHANNEL_WAIT_MS = 5000;
const emit = (event, fields = {}) => process.stdout.write(JSON.stringify({ event, ...fields }) + "\n");
const log = (message) => process.stderr.write(`chromium-driver: ${message}\n`);
const REDACTED = "redacted-ip.invalid";
const address = (host, port) => (host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`);

class Driver {
  constructor() {
    Object.assign(this, { browser: null, page: null, profile: null, mdns: false, config: null, local: null, candidates: [], held: [],
      gatherWanted: false, remote: null, gathered: false, restarted: false });
  }

  async open(mdns) {
    await this.close();
    Object.assign(this, await openBrowser({ mdns, emit: (e, f) => this.fromPage(e, f), log }), { mdns });
  }

  call(method, ...args) {
    return this.page.evaluate((m, a) => window.icespec[m](...a), method, args);
  }

  // Events of page.js: candidates are held until local-credentials is out (RFC 8838 §4.1 order).
  fromPage(event, fields) {
    if (event === "page-candidate") {
      const line = `a=${fields.candidate}`;
      if (!this.offered(line)) return log(`not offered (addresses/transports): ${line}`);
      this.candidates.push(line);
      if (this.local) emit("candidate", { line });
      else this.held.push(line);
    } else if (event === "page-gathered") {
      this.gathered = true;
      this.describe();
    } else if (event === "page-selected") {
      const { local, remote } = fields;
      // With mDNS on Chromium hides its own host address too (the page sees only the name): a host candidate stands for
      // the one address it was configured with, if it was configured with one (the lab's hosts have one interface).
      const configured = this.config.addresses;
      if (local.address === REDACTED && local.type === "host" && configured.length === 1) local.address = configured[0];
      const pair = { local: address(local.address, local.port), remote: address(remote.address, remote.port),
        localType: local.type, remoteType: remote.type, transport: local.protocol };
      if (local.protocol === "tcp") Object.assign(pair, { localTcpType: local.tcpType, remoteTcpType: remote.tcpType });
      emit("selected-pair", pair);
    } else if (event === "page-channel-open") {
      log("data channel open");
    } else emit(event, fields);
  }

  // Chromium gathers on every interface: with configured addresses only host candidates on them are offered (an mDNS
  // name stands for one of them), and only those of the configured transports (RFC 8839 §5.1 line: field 3).
  offered(line) {
    const f = line.split(" ");
    const [transport, host, type] = [f[2].toLowerCase(), f[4], f[7]];
    if (!this.config.transports.includes(transport)) return false;
    return type !== "host" || this.config.addresses.length === 0 || host.endsWith(".local") || this.config.addresses.includes(host);
  }

  announce(sdp) {
    this.local = readLocal(sdp);
    emit("local-credentials", { ufrag: this.local.ufrag, pwd: this.local.pwd });
    for (const line of this.held.splice(0)) emit("candidate", { line });
    this.describe();
  }

  describe() {
    if (!this.local || !this.gathered) return;
    emit("local-description", { ufrag: this.local.ufrag, pwd: this.local.pwd, candidates: this.candidates, dtls: this.local.dtls });
  }

  async configure(command) {
    if (this.config) throw new CommandError("configure: already configured");
    const config = parseConfigure(command);
    if (config.mdns !== this.mdns) await this.open(config.mdns);
    if (config.transports.includes("tcp")) await allowInterfaceEnumeration(this.page);
    this.config = config;
    await this.call("configure", { iceServers: config.iceServers, relayOnly: config.relayOnly });
    log(`configured ${config.role}, servers ${JSON.stringify(config.iceServers.map((s) => s.urls))}, addresses ${config.addresses.join(",") || "all"}`);
  }

  // The controlled browser answers, so it has credentials only once it has the offer (the peer's description).
  async gather() {
    if (this.config.controlling) return this.announce(await this.call("offer"));
    this.gatherWanted = true;
    if (this.remote && !this.local) this.announce(await this.call("answer"));
  }

  // An ICE restart (RFC 8445 §9): a new generation, whose candidates are held until its local-credentials are out.
  newGeneration() {
    Object.assign(this, { local: null, candidates: [], held: [], gathered: false });
  }

  // The controlling browser restarts with a new offer (iceRestart); the peer's answer then comes as a remote-description.
  async restart() {
    if (!this.config.controlling) throw new Unsupported("restart", "the answering (controlled) browser restarts on the offerer's new credentials; restarting by itself would make it the offerer");
    if (!this.local) throw new CommandError("restart: gather first");
    this.newGeneration();
    this.announce(await this.call("restartOffer"));
    this.restarted = true;
  }

  async remoteDescription(command) {
    if (typeof command.ufrag !== "string" || typeof command.pwd !== "string") throw new CommandError("remote-description: ufrag and pwd are required strings");
    const lines = command.candidates ?? [];
    if (!Array.isArray(lines) || !lines.every((l) => typeof l === "string")) throw new CommandError("remote-description: candidates must be an array of strings");
    const dtls = command.dtls;
    if (dtls != null && (typeof dtls.fingerprint !== "string" || typeof dtls.setup !== "string")) throw new CommandError("remote-description: dtls needs fingerprint and setup strings");
    const credentials = `${command.ufrag}:${command.pwd}`;
    // New credentials after the first description: the peer restarted (ADAPTER.md "ICE restarts", RFC 8445 §9).
    const restart = this.remote !== null;
    if (restart && this.remote.credentials === credentials) throw new CommandError("remote-description: already given (a restart brings new credentials)");
    if (restart && this.config.controlling && !this.restarted) await this.restart();
    // A peer without DTLS is told to be the DTLS client (setup active, RFC 5763 §5) with a placeholder fingerprint: the
    // browser then waits as the server and never fails a handshake that nobody starts.
    const fingerprint = dtls?.fingerprint ?? placeholderFingerprint();
    const sdp = remoteSdp({ ufrag: command.ufrag, pwd: command.pwd, lite: Boolean(command.lite), fingerprint, setup: dtls?.setup ?? "active" });
    try {
      await this.call("setRemote", this.config.controlling ? "answer" : "offer", sdp);
    } catch (e) {
      // A refused description leaves libwebrtc's session in error for good: the answerer, which has nothing of its own
      // yet, starts over with a new RTCPeerConnection so that a corrected description can follow.
      if (!this.config.controlling && !restart) await this.call("configure", { iceServers: this.config.iceServers, relayOnly: this.config.relayOnly });
      throw new CommandError(`remote-description: the browser refused it: ${e.message.split("\n")[0]}`);
    }
    this.remote = { credentials, dtls };
    this.restarted = false;
    // The answerer restarts by answering the restarted offer: new credentials, new gathering.
    if (restart && !this.config.controlling) this.newGeneration();
    if (!this.config.controlling && this.gatherWanted) this.announce(await this.call("answer"));
    await this.addRemote(lines);
    if (command["end-of-candidates"]) await this.endOfCandidates();
  }

  async addRemote(lines) {
    if (!this.remote) throw new CommandError("remote-candidate: remote-description first");
    for (const line of lines) {
      try {
        await this.call("addCandidate", toAttribute(line));
      } catch (e) {
        emit("error", { message: `the browser refused remote candidate '${line}': ${e.message.split("\n")[0]}` });
      }
    }
  }

  async endOfCandidates() {
    if (!this.remote) throw new CommandError("end-of-candidates: remote-description first");
    await this.call("addCandidate", "");
  }

  // A browser sends data only over a data channel (DTLS + SCTP, RFC 8831), which only a peer that gave `dtls` has.
  async send(command) {
    const data = typeof command.data === "string" ? command.data : "";
    if (data.length === 0) throw new CommandError("send: data (base64) is required");
    if (!this.remote?.dtls) throw new Unsupported("send", "a browser sends only over a data channel, and the peer gave no dtls");
    // The channel opens after DTLS and SCTP (RFC 8831 §6): until then the page says it cannot send yet.
    for (const end = Date.now() + CHANNEL_WAIT_MS; !(await this.call("send", data));) {
      if (Date.now() > end) throw new CommandError(`send: the data channel did not open within ${CHANNEL_WAIT_MS} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close() {
    if (this.page) await this.call("close").catch(() => {});
    if (this.browser) await this.browser.close();
    removeProfile(this.profile);
    Object.assign(this, { browser: null, page: null, profile: null });
  }

  // returns true when the driver should exit
  async run(command) {
    const name = command.command;
    if (typeof name !== "string") throw new CommandError('a command object needs a string member "command"');
    if (!KNOWN.includes(name)) throw new CommandError(`unknown command '${name}' (known: ${KNOWN.join(", ")})`);
    if (name === "configure") return await this.configure(command), false;
    if (name === "close") {
      await this.close();
      emit("state", { state: "closed" });
      emit("closed");
      return true;
    }
    if (!this.config) throw new CommandError(`${name}: configure first`);
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
  const driver = new Driver();
  process.on("exit", () => removeProfile(driver.profile));
  const started = Date.now();
  await driver.open(false);
  const version = (await driver.browser.version()).replace(/^[^/]*\//, "");
  log(`ready after ${Date.now() - started} ms`);
  emit("ready", { name: "chromium", version });
  try {
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
  } finally {
    await driver.close().catch((e) => log(`closing the browser: ${e.message}`));
  }
}

main().then((code) => process.exit(code), (e) => {
  log(e.stack);
  process.exit(1);
});
