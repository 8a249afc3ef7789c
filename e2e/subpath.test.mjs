// dist/ hosted under a subpath (a project page such as https://user.example/drvlab/): the page,
// its assets, a shared link and an embed all load from /drvlab/ with no request outside it.
// The test serves ROOT/dist itself under /drvlab/ (nothing is served at /).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { launch, openApp, shot, textOf, ROOT, STORE_PATH_RE } from './harness.mjs';

const DIST = path.join(ROOT, 'dist');
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };

describe('dist/ served from a subpath', () => {
  let server, base, b;
  const outside = [];

  before(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url, 'http://x');
      if (!url.pathname.startsWith('/drvlab/')) {
        outside.push(url.pathname);
        res.writeHead(404).end('not under /drvlab/');
        return;
      }
      let rel = decodeURIComponent(url.pathname.slice('/drvlab/'.length)) || 'index.html';
      const file = path.join(DIST, rel);
      if (!file.startsWith(DIST) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
        res.writeHead(404).end('missing');
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      fs.createReadStream(file).pipe(res);
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${server.address().port}/drvlab/`;
    b = await launch({ width: 1280, height: 800 });
  });
  after(async () => {
    if (b) await b.close();
    if (server) server.close();
  });

  test('the page loads and computes its paths', async () => {
    await openApp(b.page, base);
    assert.match(await textOf(b.page, 'out-path-build-out'), STORE_PATH_RE);
    await shot(b.page, 'subpath-page');
    assert.deepEqual(outside, [], 'requests outside /drvlab/');
    assert.deepEqual(b.errors, []);
  });

  test('the embed and the embed example load under the subpath too', async () => {
    await openApp(b.page, `${base}?embed`);
    const first = b.page.locator('[data-testid^="out-path-"]').first();
    assert.match(((await first.textContent()) ?? '').trim(), STORE_PATH_RE);
    const full = await b.page.getByRole('link', { name: /full playground/ }).getAttribute('href');
    assert.ok(full.includes('/drvlab/'), `the embed's full-page link stays under the subpath: ${full}`);
    const resp = await b.page.goto(`${base}embed-example.html`);
    assert.ok(resp.ok());
    const frame = b.page.frameLocator('iframe').first();
    await frame.locator('#app[data-ready="true"]').waitFor({ state: 'attached', timeout: 30_000 });
    await shot(b.page, 'subpath-embed-example');
    assert.deepEqual(outside, [], 'requests outside /drvlab/');
  });
});
