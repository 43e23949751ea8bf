#!/usr/bin/env node
// Load a page that frames others (another origin's page with <iframe>s) and print, as JSON, what each frame
// shows: its URL (chrome-error://... when the framed site's frame-ancestors refused it) and its <video>s.
//
//   node frame.mjs HOST_URL

import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

async function main() {
  const [url] = process.argv.slice(2);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const page = await browser.newPage();
    const refused = [];
    page.on('console', (msg) => { if (/frame-ancestors|Refused to frame/i.test(msg.text())) refused.push(msg.text()); });
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForTimeout(500);
    const frames = [];
    for (const el of await page.locator('iframe').elementHandles()) {
      const frame = await el.contentFrame();
      const src = await el.getAttribute('src');
      let videos = 0;
      let title = null;
      try {
        videos = frame ? await frame.locator('video').count() : 0;
        title = frame ? await frame.title() : null;
      } catch (e) { /* an error page: nothing to read */ }
      frames.push({ src, url: frame ? frame.url() : null, videos, title });
    }
    process.stdout.write(`${JSON.stringify({ frames, refused }, null, 2)}\n`);
  } finally {
    await browser.close();
  }
}

main().catch((err) => {
  process.stderr.write(`frame.mjs: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
