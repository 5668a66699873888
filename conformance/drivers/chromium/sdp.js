// The SDP around the adapter's ICE description: what a browser needs to accept a remote description that carries ICE
// credentials only (RFC 8839 attributes, RFC 8841 data channel m-line), and the ICE and DTLS members read back out of
// the browser's own description.
"use strict";
const crypto = require("node:crypto");

// A peer that is not a browser has no DTLS: a well-formed sha-256 fingerprint (RFC 8122 §5) that no certificate
// matches, so the browser accepts the description; the DTLS handshake then never completes, which does not touch ICE.
const placeholderFingerprint = () => "sha-256 " + crypto.randomBytes(32).toString("hex").toUpperCase().match(/../g).join(":");

/**
 * One application m-section (RFC 8841 §4: `m=application 9 UDP/DTLS/SCTP webrtc-datachannel`, port 9 = "not used"),
 * mid 0, bundled:
 *
 *   v=0 / o=- 1 1 IN IP4 0.0.0.0 / s=- / t=0 0 / [a=ice-lite] / a=group:BUNDLE 0
 *   m=application 9 UDP/DTLS/SCTP webrtc-datachannel / c=IN IP4 0.0.0.0
 *   a=mid:0 / a=ice-ufrag / a=ice-pwd / a=ice-options:trickle / a=fingerprint / a=setup / a=sctp-port:5000
 *
 * Candidates are not in it: the driver adds them with addIceCandidate, trickled or not.
 */
function remoteSdp({ ufrag, pwd, lite, fingerprint, setup }) {
  return [
    "v=0", "o=- 1 1 IN IP4 0.0.0.0", "s=-", "t=0 0",
    ...(lite ? ["a=ice-lite"] : []),
    "a=group:BUNDLE 0",
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel", "c=IN IP4 0.0.0.0",
    "a=mid:0",
    `a=ice-ufrag:${ufrag}`, `a=ice-pwd:${pwd}`, "a=ice-options:trickle",
    `a=fingerprint:${fingerprint}`,
    `a=setup:${setup}`,
    "a=sctp-port:5000", "a=max-message-size:262144",
    "",
  ].join("\r\n");
}

const attribute = (sdp, name) => (new RegExp(`^a=${name}:(.*)$`, "m").exec(sdp) ?? [])[1]?.trim();

/** The ICE credentials and DTLS parameters of the browser's own description. */
function readLocal(sdp) {
  return { ufrag: attribute(sdp, "ice-ufrag"), pwd: attribute(sdp, "ice-pwd"),
    dtls: { fingerprint: attribute(sdp, "fingerprint"), setup: attribute(sdp, "setup") } };
}

/** RFC 8839 §5.1 `a=candidate:` line -> the candidate-attribute the browser takes (`candidate:…`). */
const toAttribute = (line) => line.trim().replace(/^a=/, "");

module.exports = { remoteSdp, placeholderFingerprint, readLocal, toAttribute };
