// Checks the `configure` command of conformance/ADAPTER.md before the browser sees it.
"use strict";

class CommandError extends Error {}
class Unsupported extends Error {
  constructor(command, reason) {
    super(reason);
    this.command = command;
  }
}

// "host:port" or "[v6]:port" -> the same text, checked
function hostPort(text, what) {
  const m = typeof text === "string" ? /^(?:\[([^\]]+)\]|([^:\[\]]+)):(\d{1,5})$/.exec(text) : null;
  const port = m ? Number(m[3]) : 0;
  if (!m || port < 1 || port > 65535) throw new CommandError(`configure: ${what} must be "host:port", got ${JSON.stringify(text)}`);
  return text;
}

const isLoopback = (a) => a === "::1" || a.startsWith("127.");

// `transports` -> the candidate transports offered. Chromium's TCP candidates are active ones only (RFC 6544 §4.5: port 9):
// its port allocator never listens ("not listening due to firewall restrictions"), so it has no passive candidates and
// no simultaneous-open ones (§4.5, §5.2).
function parseTransports(command) {
  const transports = command.transports ?? "udp";
  if (!["udp", "tcp", "udp,tcp"].includes(transports)) throw new CommandError('configure: transports must be "udp", "tcp" or "udp,tcp"');
  const so = command["tcp-so"] ?? false;
  if (typeof so !== "boolean") throw new CommandError("configure: tcp-so must be true or false");
  if (so) throw new Unsupported("configure", "Chromium gathers active TCP candidates only: no simultaneous-open ones (RFC 6544 §4.5)");
  return transports.split(",");
}

function parseConfigure(command) {
  const role = command.role;
  if (role !== "controlling" && role !== "controlled") throw new CommandError('configure: role must be "controlling" or "controlled"');
  const nomination = command.nomination ?? "regular";
  if (nomination !== "regular" && nomination !== "aggressive") throw new CommandError('configure: nomination must be "regular" or "aggressive"');
  // libwebrtc nominates one pair after its checks succeeded (RFC 8445 §8.1.1 regular nomination) and has no switch for aggressive.
  if (nomination === "aggressive" && role === "controlling") throw new Unsupported("configure", "libwebrtc nominates regularly only");
  const policy = command.policy ?? "all";
  if (policy !== "all" && policy !== "relay") throw new CommandError('configure: policy must be "all" or "relay"');
  if ((command.components ?? 1) !== 1) throw new Unsupported("configure", "a browser runs one component (rtcp-mux, bundle)");
  const transports = parseTransports(command);
  const addresses = command.addresses ?? [];
  if (!Array.isArray(addresses) || !addresses.every((a) => typeof a === "string")) throw new CommandError("configure: addresses must be an array of strings");
  // Chromium never gathers on loopback interfaces (its network list leaves them out; --allow-loopback-in-peer-connection
  // changes nothing in Chromium 156): a loopback-only configuration cannot be honoured.
  if (addresses.length > 0 && addresses.every(isLoopback)) throw new Unsupported("configure", `Chromium does not gather on loopback (${addresses.join(", ")})`);
  const mdns = command.mdns ?? false;
  if (typeof mdns !== "boolean") throw new CommandError("configure: mdns must be true or false");
  const config = { role, controlling: role === "controlling", nomination, addresses, relayOnly: policy === "relay", mdns, transports, iceServers: [] };
  if (command.stun != null) config.iceServers.push({ urls: `stun:${hostPort(command.stun, "stun")}` });
  if (command.turn != null) {
    const turn = command.turn;
    if (typeof turn !== "object" || Array.isArray(turn)) throw new CommandError("configure: turn must be an object");
    const transport = turn.transport ?? "udp";
    if (transport !== "udp" && transport !== "tcp") throw new CommandError('configure: turn.transport must be "udp" or "tcp"');
    if ((turn.relay ?? "udp") !== "udp") throw new Unsupported("configure", "a browser allocates UDP relays only (RFC 6062 TCP allocations are not in WebRTC)");
    if (typeof turn.username !== "string" || typeof turn.password !== "string") throw new CommandError("configure: turn.username and turn.password are required");
    config.iceServers.push({ urls: `turn:${hostPort(turn.server, "turn.server")}?transport=${transport}`, username: turn.username, credential: turn.password });
  }
  if (config.relayOnly && command.turn == null) throw new CommandError("configure: policy relay needs a turn server");
  return config;
}

module.exports = { CommandError, Unsupported, parseConfigure };
