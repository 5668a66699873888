// Starts Debian's Chromium headless through puppeteer-core, one page with the agent of page.js installed.
"use strict";
const puppeteer = require("puppeteer-core");
const { installAgent } = require("./page");

const EXECUTABLE = process.env.ICESPEC_CHROMIUM ?? "/usr/bin/chromium";

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
  ];
}

async function openBrowser({ mdns, emit, log }) {
  const browser = await puppeteer.launch({ executablePath: EXECUTABLE, headless: true, pipe: true, args: launchArguments(mdns),
    handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false });
  const page = await browser.newPage();
  await page.exposeFunction("icespecEmit", (event, fields) => emit(event, fields));
  await page.evaluate(installAgent);
  log(`${await browser.version()} started (${EXECUTABLE}, mDNS ${mdns ? "on" : "off"})`);
  return { browser, page };
}

module.exports = { openBrowser };
