#!/usr/bin/env node
// Audit pages in a real browser (Debian's chromium, driven by playwright-core) and print a JSON report.
//
//   node audit.mjs --out DIR [--width 1000] [--height 800] URL...
//
// For each URL: axe-core with the WCAG 2.0/2.1 A and AA rules, the keyboard's first stop (the skip
// link) and its focus style, every <video>'s metadata (duration) and captions track (readyState 2 with
// cues), every <img> (loaded, alt) and <audio> (preload), failed or off-site requests, console errors,
// and a full-page PNG screenshot in DIR.
// The report is for the caller to judge; the exit status is non-zero only when the audit itself failed.

import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const MEDIA_TIMEOUT = 15000;

function parseArgs(argv) {
  const opts = { out: 'screenshots', width: 1000, height: 800, urls: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--out') opts.out = argv[++i];
    else if (arg === '--width') opts.width = Number(argv[++i]);
    else if (arg === '--height') opts.height = Number(argv[++i]);
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else opts.urls.push(arg);
  }
  if (!opts.urls.length) throw new Error('usage: node audit.mjs --out DIR [--width 1000] URL...');
  return opts;
}

// A file name from the URL's path: /seminarer/nye-arbeidsmater/ -> seminarer-nye-arbeidsmater.png
function shotName(url) {
  const name = new URL(url).pathname.replace(/index\.html$/, '').split('/').filter(Boolean).join('-');
  return `${name || 'index'}.png`;
}

// In the page: wait until every <video> has its metadata and every <track> has loaded (or failed).
async function mediaState(page) {
  return page.evaluate(async (timeout) => {
    const until = (check) => new Promise((resolve) => {
      const started = Date.now();
      const tick = () => (check() || Date.now() - started > timeout ? resolve() : setTimeout(tick, 50));
      tick();
    });
    const videos = [...document.querySelectorAll('video')];
    const result = [];
    for (const video of videos) {
      await until(() => video.readyState >= 1 || video.error);
      const tracks = [];
      for (const el of video.querySelectorAll('track')) {
        await until(() => el.readyState >= 2);
        const cues = el.track && el.track.cues ? [...el.track.cues] : [];
        tracks.push({
          kind: el.kind, srclang: el.srclang, label: el.label, src: el.src,
          readyState: el.readyState, mode: el.track ? el.track.mode : null,
          cues: cues.length, firstCue: cues.length ? cues[0].text : null,
        });
      }
      result.push({
        src: video.currentSrc, readyState: video.readyState, duration: Number.isFinite(video.duration) ? video.duration : null,
        width: video.videoWidth, height: video.videoHeight, error: video.error ? video.error.code : null,
        poster: video.poster, tracks,
      });
    }
    return result;
  }, MEDIA_TIMEOUT);
}

// In the page: every <img> (loaded, its size and alt text) and every <audio> (what it would fetch, and when).
async function imagesAndAudio(page) {
  return page.evaluate(async () => {
    const images = [...document.querySelectorAll('img')];
    for (const img of images) img.loading = 'eager'; // a full-page screenshot shows the lazy ones too
    await Promise.all(images.map((img) => (img.complete ? null : new Promise((resolve) => {
      img.addEventListener('load', resolve, { once: true });
      img.addEventListener('error', resolve, { once: true });
    }))));
    return {
      images: images.map((img) => ({ src: img.currentSrc, alt: img.alt, width: img.naturalWidth, height: img.naturalHeight })),
      audio: [...document.querySelectorAll('audio')].map((a) => ({
        src: a.currentSrc || a.getAttribute('src'), preload: a.preload, controls: a.controls, readyState: a.readyState,
      })),
    };
  });
}

// The first Tab press must land on a visible skip link with a visible focus indicator.
async function keyboardState(page) {
  await page.keyboard.press('Tab');
  return page.evaluate(() => {
    const el = document.activeElement;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return {
      tag: el.tagName.toLowerCase(), text: el.textContent.trim(), href: el.getAttribute('href'),
      visible: box.width > 0 && box.height > 0 && box.top >= 0 && box.top < innerHeight,
      outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 ? `${style.outlineWidth} ${style.outlineStyle}` : null,
    };
  });
}

async function audit(browser, url, opts) {
  const context = await browser.newContext({
    viewport: { width: opts.width, height: opts.height }, locale: 'nb-NO', bypassCSP: true, // to inject axe
  });
  const page = await context.newPage();
  const origin = new URL(url).origin;
  const offsite = new Set();
  const httpErrors = [];
  const consoleErrors = [];
  page.on('request', (req) => { if (!req.url().startsWith(origin) && !req.url().startsWith('data:')) offsite.add(req.url()); });
  page.on('response', (res) => { if (res.status() >= 400) httpErrors.push(`${res.status()} ${res.url()}`); });
  page.on('requestfailed', (req) => {
    // A media element may abort its own range request once it has what it needs.
    if (!['media', 'texttrack'].includes(req.resourceType())) httpErrors.push(`failed ${req.url()}: ${req.failure()?.errorText}`);
  });
  page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(`${msg.text()} (${msg.location().url})`); });

  const response = await page.goto(url, { waitUntil: 'load' });
  const media = await mediaState(page);
  const { images, audio } = await imagesAndAudio(page);
  const keyboard = await keyboardState(page);
  await page.keyboard.press('Shift+Tab'); // leave the page as a visitor first sees it
  await page.evaluate(() => document.activeElement && document.activeElement.blur());

  await page.addScriptTag({ path: AXE });
  const axe = await page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations', 'incomplete'] });
    const brief = (list) => list.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
    }));
    return { violations: brief(r.violations), incomplete: brief(r.incomplete), passes: r.passes.length, version: r.testEngine.version };
  }, TAGS);

  mkdirSync(opts.out, { recursive: true });
  const screenshot = path.resolve(opts.out, shotName(url));
  await page.screenshot({ path: screenshot, fullPage: true });
  const title = await page.title();
  const h1 = await page.locator('h1').allTextContents();
  await context.close();
  return {
    url, status: response ? response.status() : null, title, h1, axe, media, images, audio, keyboard, screenshot,
    offsiteRequests: [...offsite], httpErrors, consoleErrors,
  };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const pages = [];
    for (const url of opts.urls) pages.push(await audit(browser, url, opts));
    process.stdout.write(`${JSON.stringify({ browser: browser.version(), tags: TAGS, pages }, null, 2)}\n`);
  } finally {
    await browser.close();
  }
}

main().catch((err) => {
  process.stderr.write(`audit.mjs: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
