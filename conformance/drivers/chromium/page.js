// What runs inside the browser page: one RTCPeerConnection with one data channel. Installed by page.evaluate; it
// reports through window.icespecEmit (page.exposeFunction in driver.js) and is driven by page.evaluate calls.
"use strict";

/* eslint-env browser */
function installAgent() {
  const emit = (event, fields) => window.icespecEmit(event, fields ?? {});
  const toBase64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
  const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const agent = (window.icespec = {
    pc: null,
    channel: null,
    lastPair: "",
    polling: null,

    configure({ iceServers, relayOnly }) {
      this.pc?.close();
      const pc = (this.pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: relayOnly ? "relay" : "all",
        bundlePolicy: "max-bundle", rtcpMuxPolicy: "require" }));
      pc.onicecandidate = (e) => emit(e.candidate && e.candidate.candidate ? "page-candidate" : "page-gathered",
        e.candidate && e.candidate.candidate ? { candidate: e.candidate.candidate } : {});
      // iceConnectionState, not connectionState: against a peer without DTLS the DTLS transport never connects, and
      // that is not ICE's doing.
      pc.oniceconnectionstatechange = () => {
        const state = pc.iceConnectionState;
        if (state !== "new") emit("state", { state });
        if ((state === "checking" || state === "connected" || state === "completed") && !this.polling)
          this.polling = setInterval(() => this.reportPair(), 100);
      };
      pc.ondatachannel = (e) => this.useChannel(e.channel);
    },

    useChannel(channel) {
      channel.binaryType = "arraybuffer";
      channel.onmessage = (e) => emit("received", { data: toBase64(e.data) });
      channel.onopen = () => emit("page-channel-open");
      this.channel = channel;
    },

    // The controlling browser makes the offer (so it is the controlling agent, RFC 8445 §6.1.1 / RFC 8829 §3.5.3).
    async offer() {
      this.useChannel(this.pc.createDataChannel("icespec", { ordered: true }));
      await this.pc.setLocalDescription(await this.pc.createOffer());
      return this.pc.localDescription.sdp;
    },

    // An ICE restart (RFC 8445 §9, RFC 8829 §5.2.1 iceRestart): new ufrag and pwd, new gathering; the data channel and
    // the DTLS association stay.
    async restartOffer() {
      await this.pc.setLocalDescription(await this.pc.createOffer({ iceRestart: true }));
      return this.pc.localDescription.sdp;
    },

    async setRemote(type, sdp) {
      await this.pc.setRemoteDescription({ type, sdp });
    },

    async answer() {
      await this.pc.setLocalDescription(await this.pc.createAnswer());
      return this.pc.localDescription.sdp;
    },

    async addCandidate(candidate) {
      await this.pc.addIceCandidate({ candidate, sdpMid: "0", sdpMLineIndex: 0 });
    },

    // getStats(): transport.selectedCandidatePairId -> candidate-pair -> local-candidate / remote-candidate.
    async reportPair() {
      const stats = await this.pc.getStats();
      let transport;
      stats.forEach((s) => { if (s.type === "transport" && s.selectedCandidatePairId) transport = s; });
      const pair = transport && stats.get(transport.selectedCandidatePairId);
      if (!pair) return;
      const local = stats.get(pair.localCandidateId), remote = stats.get(pair.remoteCandidateId);
      // A remote peer-reflexive candidate's address is never exposed (webrtc-pc §4.8.1.1; Chromium gives ""): the
      // driver prints Chromium's own placeholder for it, as RTCIceTransport.getSelectedCandidatePair() does.
      // usernameFragment names the pair's generation: a restart over the same path may select the same addresses again.
      const side = (c) => ({ address: c.address || c.ip || "redacted-ip.invalid", port: c.port, type: c.candidateType, protocol: c.protocol,
        tcpType: c.tcpType, ufrag: c.usernameFragment });
      const selected = { local: side(local), remote: side(remote) };
      const key = JSON.stringify(selected);
      if (key === this.lastPair) return;
      this.lastPair = key;
      emit("page-selected", selected);
    },

    send(data) {
      if (!this.channel || this.channel.readyState !== "open") return false;
      this.channel.send(fromBase64(data));
      return true;
    },

    close() {
      clearInterval(this.polling);
      this.pc?.close();
    },
  });
  return agent !== undefined;
}

module.exports = { installAgent };
