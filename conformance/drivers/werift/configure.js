// Checks the `configure` command of conformance/ADAPTER.md before werift-ice sees it.
"use strict";

class CommandError extends Error {}
class Unsupported extends Error {
  constructor(command, reason) {
    super(reason);
    this.command = command;
  }
}

// "host:port" or "[v6]:port" -> [host, port]
function splitHostPort(text, what) {
  const m = typeof text === "string" ? /^(?:\[([^\]]+)\]|([^:\[\]]+)):(\d{1,5})$/.exec(text) : null;
  const port = m ? Number(m[3]) : 0;
  if (!m || port < 1 || port > 65535) throw new CommandError(`configure: ${what} must be "host:port", got ${JSON.stringify(text)}`);
  return [m[1] ?? m[2], port];
}

function parseConfigure(command) {
  const role = command.role;
  if (role !== "controlling" && role !== "controlled") throw new CommandError('configure: role must be "controlling" or "controlled"');
  const nomination = command.nomination ?? "regular";
  if (nomination !== "regular" && nomination !== "aggressive") throw new CommandError('configure: nomination must be "regular" or "aggressive"');
  const policy = command.policy ?? "all";
  if (policy !== "all" && policy !== "relay") throw new CommandError('configure: policy must be "all" or "relay"');
  if ((command.components ?? 1) !== 1) throw new Unsupported("configure", "this driver runs one component");
  const transports = command.transports ?? "udp";
  if (!["udp", "tcp", "udp,tcp"].includes(transports)) throw new CommandError('configure: transports must be "udp", "tcp" or "udp,tcp"');
  if (transports !== "udp") throw new Unsupported("configure", "this driver does not offer ICE-TCP (RFC 6544) candidates");
  const addresses = command.addresses ?? [];
  if (!Array.isArray(addresses) || !addresses.every((a) => typeof a === "string")) throw new CommandError("configure: addresses must be an array of strings");
  const config = { controlling: role === "controlling", nomination, addresses, relayOnly: policy === "relay" };
  if (command.stun != null) config.stun = splitHostPort(command.stun, "stun");
  if (command.turn != null) {
    const turn = command.turn;
    if (typeof turn !== "object" || Array.isArray(turn)) throw new CommandError("configure: turn must be an object");
    const transport = turn.transport ?? "udp";
    if (transport !== "udp" && transport !== "tcp") throw new Unsupported("configure", `turn.transport ${transport}`);
    if (typeof turn.username !== "string" || typeof turn.password !== "string") throw new CommandError("configure: turn.username and turn.password are required");
    config.turn = { server: splitHostPort(turn.server, "turn.server"), username: turn.username, password: turn.password, transport };
  }
  if (config.relayOnly && !config.turn) throw new CommandError("configure: policy relay needs a turn server");
  return config;
}

module.exports = { CommandError, Unsupported, parseConfigure };
