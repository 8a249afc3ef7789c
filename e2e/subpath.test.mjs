// dist/ hosted under a subpath (a project page such as https://user.example/drvlab/): the page,
// its assets, a shared link and an embed all load from /drvlab/ with no request outside it.
// The test serves ROOT/dist itself under /drvlab/ (nothing is served at /). An embed downloads
// the embed's own bundle (dist/embed/) and never the page's wasm: the network log says so.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { launch, openApp, shot, textOf, ms, ROOT, STORE_PATH_RE } from './harness.mjs';

const DIST = path.join(ROOT, 'dist');
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };

describe('dist/ served from a subpath', () => {
  let server, base, b;
  const outside = [];
  const served = []; // every path asked for, in order
  const hidden = new Set(); // paths the server answers 404 for (a partial copy of dist/)

  before(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url, 'http://x');
      served.push(url.pathname);
      if (!url.pathname.startsWith('/drvlab/')) {
        outside.push(url.pathname);
        res.writeHead(404).end('not under /drvlab/');
        return;
      }
      if (hidden.has(url.pathname)) {
        res.writeHead(404).end('hidden by the test');
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

  // The page's wasm and JS glue (hashed names) and the embed's, as the network log shows them.
  const pageWasm = (paths) => paths.filter((p) => /\/drvlab-web-[0-9a-f]+_bg\.wasm$/.test(p));
  const embedWasm = (paths) => paths.filter((p) => p.endsWith('/drvlab/embed/drvlab-embed_bg.wasm'));

  test('the page downloads the page bundle, not the embed', async () => {
    served.length = 0;
    await openApp(b.page, `${base}index.html`);
    assert.equal(pageWasm(served).length, 1, `the page's wasm, once: ${served.join(' ')}`);
    assert.deepEqual(embedWasm(served), [], "the page does not download the embed's wasm");
    assert.equal(await b.page.evaluate(() => window.drvlabBundle), 'page');
  });

  test("?exercises downloads the exercises' bundle (the page with the panel), not the page's", async () => {
    served.length = 0;
    // As a person gets there: the page's footer link "Exercises: predict, then reveal".
    await openApp(b.page, `${base}index.html`);
    await b.page.getByRole('link', { name: /Exercises: predict, then reveal/ }).click();
    await b.page.getByRole('region', { name: 'exercises' }).waitFor({ timeout: 30_000 });
    const at = await b.page.evaluate(() => performance.now());
    console.log(`TIME-TO-EXERCISES-PANEL: <= ${ms(at)} (navigation to ?exercises -> the panel on screen, ` +
      'its own bundle fetched and started; measured in the test, so an upper bound)');
    served.length = 0;
    await openApp(b.page, `${base}?exercises`);
    await b.page.getByRole('region', { name: 'exercises' }).waitFor();
    assert.equal(await b.page.evaluate(() => window.drvlabBundle), 'exercises');
    const exWasm = served.filter((p) => p.endsWith('/drvlab/exercises/drvlab-exercises_bg.wasm'));
    assert.equal(exWasm.length, 1, `the exercises' wasm, once: ${served.join(' ')}`);
    assert.deepEqual(pageWasm(served), [], `not the page's wasm too: ${served.join(' ')}`);
    assert.deepEqual(embedWasm(served), []);
  });

  test("the page's wasm carries no exercise questions; the exercises' wasm does", () => {
    // A question's text (lab/exercises.rs): the panel and its questions live in the exercises bundle.
    const question = Buffer.from('Now you also rename the fetch (its name follows the version).');
    const page = fs.readdirSync(DIST).find((f) => /^drvlab-web-[0-9a-f]+_bg\.wasm$/.test(f));
    assert.ok(page, 'the page wasm is in dist/');
    assert.equal(fs.readFileSync(path.join(DIST, page)).includes(question), false, "a question in the page's wasm");
    assert.equal(fs.readFileSync(path.join(DIST, 'exercises', 'drvlab-exercises_bg.wasm')).includes(question), true);
  });

  for (const url of ['?embed', 'index.html?embed', 'index.html?embed=1&scenario=url-changed']) {
    test(`${url} downloads only the embed's bundle (network log), and shows paths`, async () => {
      served.length = 0;
      const t = await openApp(b.page, `${base}${url}`);
      const first = b.page.locator('[data-testid^="out-path-"]').first();
      assert.match(((await first.textContent()) ?? '').trim(), STORE_PATH_RE);
      assert.equal(await b.page.evaluate(() => window.drvlabBundle), 'embed');
      assert.equal(embedWasm(served).length, 1, `the embed's wasm, once: ${served.join(' ')}`);
      assert.deepEqual(pageWasm(served), [], `an embed must not download the page's wasm: ${served.join(' ')}`);
      assert.deepEqual(served.filter((p) => /drvlab-web-[0-9a-f]+\.js$/.test(p)), [], "nor the page's JS glue");
      console.log(`TIME-TO-FIRST-PATHS (embed ${url}): ${ms(t.firstPathMs)} (navigation start -> first out-path; ` +
        `downloads: ${served.filter((p) => /\.(wasm|js)$/.test(p)).join(', ')})`);
    });
  }

  test("a bundle that does not load says so on the page (not a blank page)", async () => {
    const x = await launch({ width: 800, height: 600 });
    try {
      hidden.add('/drvlab/embed/drvlab-embed_bg.wasm');
      await x.page.goto(`${base}?embed`);
      const alert = x.page.getByTestId('load-failed');
      await alert.waitFor();
      assert.match(await alert.textContent(), /drvlab could not load its code \(.*drvlab-embed_bg\.wasm.*HTTP 404\)/);
    } finally {
      hidden.clear();
      await x.close();
    }
  });

  test('the embed and the embed example load under the subpath too', async () => {
    await openApp(b.page, `${base}?embed`);
    const first = b.page.locator('[data-testid^="out-path-"]').first();
    assert.match(((await first.textContent()) ?? '').trim(), STORE_PATH_RE);
    const full = await b.page.getByRole('link', { name: /full playground/ }).getAttribute('href');
    assert.ok(full.includes('/drvlab/'), `the embed's full-page link stays under the subpath: ${full}`);
    served.length = 0;
    const resp = await b.page.goto(`${base}embed-example.html`);
    assert.ok(resp.ok());
    const frame = b.page.frameLocator('iframe').first();
    await frame.locator('#app[data-ready="true"]').waitFor({ state: 'attached', timeout: 30_000 });
    await shot(b.page, 'subpath-embed-example');
    assert.deepEqual(outside, [], 'requests outside /drvlab/');
    assert.deepEqual(pageWasm(served), [], "the embed example's iframes never download the page's wasm");
  });
});
