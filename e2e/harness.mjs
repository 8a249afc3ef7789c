// Shared Playwright harness for drvlab's e2e tests (node:test + playwright-core + Debian chromium).
//
// Env: DRVLAB_URL   page under test (scripts/test.sh serves dist/ on a free port and sets it)
//      DRVLAB_SHOTS screenshot folder (default <repo>/shots, git-ignored)
//      CHROMIUM     browser binary (default /usr/bin/chromium; playwright never downloads one)
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '..');
export const BASE_URL = process.env.DRVLAB_URL ?? 'http://127.0.0.1:8080/';
export const SHOTS = process.env.DRVLAB_SHOTS ?? path.join(ROOT, 'shots');

/** Nix's base32 alphabet (no e, o, u, t). */
export const NIX32 = '0123456789abcdfghijklmnpqrsvwxyz'; // 32 symbols
/** /nix/store/<32 nix32 chars>-<name>; group 1 = hash, group 2 = name. */
export const STORE_PATH_RE = new RegExp(`^/nix/store/([${NIX32}]{32})-([A-Za-z0-9+\\-._?=]+)$`);

// Flags the machine needs: root (no sandbox), no GPU, and no background traffic (closed network).
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

// Runs in the page before any of its scripts: records, in ms since navigation start, when #app
// first carries data-ready="true" and when the first out-path element appears.
const READY_PROBE = `(() => {
  const mark = () => {
    const app = document.getElementById('app');
    if (window.__drvlabReadyAt === undefined && app && app.getAttribute('data-ready') === 'true') {
      window.__drvlabReadyAt = performance.now();
    }
    if (window.__drvlabFirstPathAt === undefined && document.querySelector('[data-testid^="out-path-"]')) {
      window.__drvlabFirstPathAt = performance.now();
    }
  };
  new MutationObserver(mark).observe(document, { subtree: true, childList: true, attributes: true,
    attributeFilter: ['data-ready', 'data-testid'] });
})();`;

/**
 * Launch headless Debian chromium with a fresh user-data-dir.
 * Returns { ctx, page, errors, close }. `errors` collects console errors, uncaught page errors
 * and HTTP responses >= 400 (favicon ignored), each as a string.
 */
export async function launch({ width = 1280, height = 800 } = {}) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'drvlab-e2e-'));
  const ctx = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width, height },
  });
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  page.setDefaultTimeout(10_000); // fail fast: the app renders in well under a second
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message ?? e}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()} @ ${m.location()?.url ?? ''}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !new URL(r.url()).pathname.endsWith('/favicon.ico')) {
      errors.push(`HTTP ${r.status()} ${r.url()}`);
    }
  });
  page.on('requestfailed', (r) => {
    if (!new URL(r.url()).pathname.endsWith('/favicon.ico')) {
      errors.push(`request failed: ${r.url()} (${r.failure()?.errorText ?? '?'})`);
    }
  });
  await page.addInitScript(READY_PROBE);
  const close = async () => {
    await ctx.close().catch(() => {});
    fs.rmSync(userDataDir, { recursive: true, force: true });
  };
  return { ctx, page, errors, close };
}

/**
 * Navigate and wait until #app[data-ready="true"]. Returns timings in ms:
 * { wallMs: goto() start -> ready seen by the test, readyMs / firstPathMs: navigation start -> the
 *   moment the page itself reached that state (from the in-page probe), domContentLoadedMs, loadMs }.
 */
export async function openApp(page, url = BASE_URL, { timeout = 30_000 } = {}) {
  const t0 = Date.now();
  const resp = await page.goto(url, { waitUntil: 'domcontentloaded', timeout });
  if (!resp || !resp.ok()) throw new Error(`GET ${url} -> ${resp ? resp.status() : 'no response'}`);
  await page.locator('#app[data-ready="true"]').waitFor({ state: 'attached', timeout });
  const wallMs = Date.now() - t0;
  const t = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    return {
      readyMs: window.__drvlabReadyAt ?? null,
      firstPathMs: window.__drvlabFirstPathAt ?? null,
      domContentLoadedMs: nav ? nav.domContentLoadedEventEnd : null,
      loadMs: nav ? nav.loadEventEnd : null,
    };
  });
  return { wallMs, ...t };
}

/** Save a full-page screenshot as shots/<name>.png and return its path. */
export async function shot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Trimmed text of the (single) element with data-testid=id. */
export async function textOf(page, testid, { timeout = 10_000 } = {}) {
  const loc = page.getByTestId(testid);
  await loc.first().waitFor({ state: 'attached', timeout });
  return ((await loc.first().textContent()) ?? '').trim();
}

/** Wait until the text of data-testid=id differs from `before`; returns the new text. */
export async function waitForTextChange(page, testid, before, { timeout = 10_000 } = {}) {
  await page.waitForFunction(
    ([id, old]) => {
      const el = document.querySelector(`[data-testid="${id}"]`);
      return el && el.textContent.trim() !== old;
    },
    [testid, before],
    { timeout },
  );
  return textOf(page, testid);
}

/** Format ms for the report line. */
export const ms = (v) => (v === null || v === undefined ? 'n/a' : `${Math.round(v)} ms`);
