#!/usr/bin/env node
// The archive's search and a seminar page's transcript in a real browser (Debian's chromium, playwright-core).
//
//   node search.mjs ARCHIVE_URL WORD SEMINAR_URL
//
// Search, with the page's own Content-Security-Policy enforced: the form search.js inserts (its role, label
// and input), what typing WORD lists (titles, links, the status line, the snippets), console errors (a CSP
// violation is one). Then the same with the CSP bypassed, to run axe-core on the page with the results shown.
// Transcript: SEMINAR_URL with its <details> opened: axe, the heading order, the time links.
// Prints a JSON report; the exit status is non-zero only when the audit itself failed.

import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

async function axe(page) {
  await page.addScriptTag({ path: AXE });
  return page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return {
      violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) })),
      passes: r.passes.length,
    };
  }, TAGS);
}

async function search(browser, url, word, bypassCSP) {
  const context = await browser.newContext({ locale: 'nb-NO', bypassCSP });
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()); });
  page.on('pageerror', (err) => consoleErrors.push(String(err)));
  await page.goto(url, { waitUntil: 'load' });
  const input = page.getByRole('searchbox', { name: 'Søk i opptakene' });
  await input.waitFor({ timeout: 5000 });
  await input.click();
  await input.pressSequentially(word, { delay: 20 });
  await page.waitForFunction(() => document.querySelector('.search-status')?.textContent, null, { timeout: 5000 });
  const result = await page.evaluate(() => {
    const form = document.querySelector('form[role="search"]');
    const input = form.querySelector('input');
    return {
      form: { role: form.getAttribute('role'), label: form.querySelector(`label[for="${input.id}"]`)?.textContent },
      status: document.querySelector('.search-status').textContent,
      hits: [...document.querySelectorAll('.search-hit')].map((li) => ({
        title: li.querySelector('a').textContent, href: li.querySelector('a').href,
        snippet: li.querySelector('.snippet')?.textContent ?? null,
        marked: [...li.querySelectorAll('mark')].map((m) => m.textContent),
      })),
    };
  });
  result.consoleErrors = consoleErrors;
  if (bypassCSP) result.axe = await axe(page);
  await context.close();
  return result;
}

async function transcript(browser, url) {
  const context = await browser.newContext({ locale: 'nb-NO', bypassCSP: true });
  const page = await context.newPage();
  await page.goto(url, { waitUntil: 'load' });
  await page.getByText('Transkripsjon', { exact: true }).click(); // opens the <details>, as a visitor would
  const state = await page.evaluate(() => ({
    open: document.querySelector('details.transcript').open,
    headings: [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map((h) => Number(h.tagName[1])),
    links: [...document.querySelectorAll('details.transcript a')].map((a) => ({ href: a.getAttribute('href'), name: a.textContent })),
    track: (() => { const t = document.querySelector('track'); return t && { label: t.label, srclang: t.srclang }; })(),
  }));
  state.axe = await axe(page);
  await context.close();
  return state;
}

async function main() {
  const [archive, word, seminar] = process.argv.slice(2);
  if (!seminar) throw new Error('usage: node search.mjs ARCHIVE_URL WORD SEMINAR_URL');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const report = {
      search: await search(browser, archive, word, false),
      searchAudited: await search(browser, archive, word, true),
      transcript: await transcript(browser, seminar),
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await browser.close();
  }
}

main().catch((err) => {
  process.stderr.write(`search.mjs: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
