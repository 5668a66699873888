// Starts Debian's Chromium headless through puppeteer-core, one page with the agent of page.js installed.
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const puppeteer = require("puppeteer-core");
const { installAgent } = require("./page");

const EXECUTABLE = process.env.ICESPEC_CHROMIUM ?? "/usr/bin/chromium";
const PROFILE_PREFIX = "icespec-chromium-";
// A secure context (W3C Secure Contexts §3.2: file: URLs are potentially trustworthy) that fetches nothing.
const ENUMERATING_PAGE = "file:///dev/null";

/**
 * `pipe: true`: the DevTools protocol runs over the browser's fds 3 and 4, so the browser's life is tied to this
 * process: when the driver dies (killed by PID, stdin closed) the pipe closes and Chromium exits.
 * mDNS candidates (draft-ietf-mmusic-mdns-ice-candidates) are Chromium's default; without `mdns` they are turned off.
 * No background networking: nothing but the page's ICE traffic leaves the browser.
 */
function launchArguments(mdns) {
  return [
    ...(process.getuid?.() === 0 ? ["--no-sandbox"] : []),
    ...(mdns ? [] : ["--disable-features=WebRtcHideLocalIpsWithMdns"]),
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
    "--disable-default-apps", "--disable-domain-reliability", "--no-pings", "--disable-gpu", "--mute-audio",
    // For allowInterfaceEnumeration: a microphone request is granted, by a fake device.
    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
  ];
}

/**
 * The browser's profile is a directory of the driver's own (`$TMPDIR/icespec-chromium-*`), removed when the driver exits
 * (`removeProfile`, also on process exit): puppeteer removes its own temporary profile asynchronously, after the
 * driver has often exited already.
 */
async function openBrowser({ mdns, emit, log }) {
  sweepProfiles(log);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), PROFILE_PREFIX));
  const browser = await puppeteer.launch({ executablePath: EXECUTABLE, headless: true, pipe: true, args: launchArguments(mdns),
    userDataDir: profile, handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false });
  const page = await browser.newPage();
  await page.exposeFunction("icespecEmit", (event, fields) => emit(event, fields));
  await page.evaluate(installAgent);
  log(`${await browser.version()} started (${EXECUTABLE}, mDNS ${mdns ? "on" : "off"})`);
  return { browser, page, profile };
}

/**
 * Without mDNS, Chromium gathers on its interfaces one by one only for a page granted the microphone or the camera;
 * otherwise it gathers on the "any" address of its default route alone, where its TCP candidate (0.0.0.0:9) is
 * dropped (libwebrtc's basic_port_allocator: "Discarding candidate because it doesn't match filter") and only UDP is
 * offered. So for ICE-TCP the page moves to a secure context that loads nothing from the network (getUserMedia needs
 * one: about:blank is not) and asks for the (fake) microphone, whose track it stops at once; the agent of page.js is
 * installed again there.
 */
async function allowInterfaceEnumeration(page) {
  await page.goto(ENUMERATING_PAGE);
  await page.evaluate(installAgent);
  await page.evaluate(async () => (await navigator.mediaDevices.getUserMedia({ audio: true })).getTracks().forEach((t) => t.stop()));
}

const removeProfile = (profile) => profile && fs.rmSync(profile, { recursive: true, force: true });

/**
 * A driver killed by signal (the kit stops a prepared driver that way once it printed ready) cannot remove its
 * profile: the next driver removes every profile whose browser is gone. Chromium's `SingletonLock` in a profile is a
 * symbolic link to "HOST-PID" of the browser that holds it; a profile without one may be starting and is left alone.
 */
function sweepProfiles(log) {
  for (const name of fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(PROFILE_PREFIX))) {
    const profile = path.join(os.tmpdir(), name);
    let holder;
    try {
      holder = Number(fs.readlinkSync(path.join(profile, "SingletonLock")).split("-").pop());
    } catch {
      continue;
    }
    if (Number.isInteger(holder) && holder > 0 && !fs.existsSync(`/proc/${holder}`)) {
      removeProfile(profile);
      log(`removed ${profile}: its browser (PID ${holder}) is gone`);
    }
  }
}

module.exports = { openBrowser, allowInterfaceEnumeration, removeProfile };
