// Bring your own derivation, compare, share, embed, exercises, simulator.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch, openApp, shot, textOf, BASE_URL, ROOT } from './harness.mjs';
import { nixAvailable, instantiate, showDerivation, nixPathsOfPage } from './nix.mjs';

const haveNix = nixAvailable();
const noNix = !haveNix && 'nix-instantiate missing';

async function openDetails(page, summaryText) {
  const d = page.locator('details', { has: page.locator('summary', { hasText: summaryText }) });
  if (!(await d.evaluate((x) => x.open))) await d.locator('summary').click();
  return d;
}

async function importText(page, text) {
  await openDetails(page, 'Import your own derivation');
  await page.getByRole('textbox', { name: 'derivation to import' }).fill(text);
  await page.getByRole('button', { name: 'Import and verify' }).click();
  await page.locator('.verify, .io .err').first().waitFor();
}

function fodNix(script) {
  return `derivation { name = "byo-src"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" ${JSON.stringify(script)} ];
    outputHashMode = "flat"; outputHashAlgo = "sha256"; outputHash = "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73"; url = "https://example.org/x"; }`;
}

describe('bring your own, share, embed, teach', () => {
  let b;
  before(async () => {
    b = await launch({ width: 1280, height: 900 });
    await openApp(b.page, BASE_URL);
  });
  after(async () => {
    if (b) await b.close();
  });

  test('a real .drv written by nix-instantiate is verified as matching', { skip: noNix }, async () => {
    const [drv] = instantiate(fodNix('echo one > $out'));
    await importText(b.page, fs.readFileSync(drv, 'utf8'));
    await b.page.getByText(`✔ matches what Nix wrote: ${drv}`).waitFor();
    await shot(b.page, 'import-drv');
  });

  test('a closure from nix show-derivation -r is verified, editable, and exports back to the same paths', { skip: noNix }, async () => {
    const nix = `let src = ${fodNix('echo two > $out')}; in derivation { name = "byo-build"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" "cp \${src} $out" ]; outputs = [ "out" "dev" ]; }`;
    const drvs = instantiate(nix);
    const json = JSON.stringify(showDerivation(drvs));
    await importText(b.page, json);
    const oks = b.page.locator('.verify li.ok');
    await oks.nth(1).waitFor();
    assert.equal(await oks.count(), 2);
    assert.equal(await b.page.locator('.verify li.bad').count(), 0);
    // It is now the graph on the page, with real paths.
    const shownBuild = await textOf(b.page, 'drv-path-byo-build');
    assert.equal(shownBuild, drvs[0]);
    const again = await nixPathsOfPage(b.page);
    assert.equal(again['byo-build'].drv, drvs[0], 'export → nix-instantiate gives the imported .drv path back');
    // Editable: change the source's URL; its .drv moves, its output does not.
    await b.page.getByRole('button', { name: 'byo-src', exact: true }).click();
    const before = await textOf(b.page, 'out-path-byo-src-out');
    const beforeDrv = await textOf(b.page, 'drv-path-byo-src');
    await b.page.getByRole('region', { name: 'byo-src', exact: true }).getByRole('textbox', { name: 'env url' }).fill('https://example.org/y');
    await b.page.waitForFunction((old) => document.querySelector('[data-testid="drv-path-byo-src"]').textContent.trim() !== old, beforeDrv);
    assert.equal(await textOf(b.page, 'out-path-byo-src-out'), before);
  });

  test('two pasted derivations are compared field by field', { skip: noNix }, async () => {
    const [a] = instantiate(fodNix('echo three > $out'));
    const [c] = instantiate(fodNix('echo four > $out'));
    await openDetails(b.page, 'Compare (');
    await b.page.getByRole('textbox', { name: 'derivation A' }).fill(fs.readFileSync(a, 'utf8'));
    await b.page.getByRole('textbox', { name: 'derivation B' }).fill(fs.readFileSync(c, 'utf8'));
    await b.page.getByRole('button', { name: 'Compare A and B' }).click();
    const row = b.page.locator('.compare-panel table.diff').last().locator('tr', { hasText: 'args.1' });
    await row.waitFor();
    assert.match(await row.textContent(), /echo three > \$out.*echo four > \$out.*A \.drv/);
    await shot(b.page, 'compare');
  });

  test('a shared link restores the graph and the selection', async () => {
    const p = b.page;
    await p.getByRole('combobox', { name: 'scenario' }).selectOption('multiple-outputs');
    await p.getByRole('button', { name: 'lib', exact: true }).click();
    await p.getByRole('region', { name: 'lib', exact: true }).getByRole('textbox', { name: 'outputs' }).fill('out dev doc man');
    await p.getByTestId('out-path-lib-man').waitFor();
    await openDetails(p, 'Share, embed');
    const link = await p.getByRole('textbox', { name: 'link to this state' }).inputValue();
    assert.match(link, /#s1\./);
    const other = await launch({ width: 1280, height: 900 });
    try {
      await openApp(other.page, link);
      assert.equal(await textOf(other.page, 'out-path-lib-man'), await textOf(p, 'out-path-lib-man'));
      await other.page.getByRole('region', { name: 'lib', exact: true }).waitFor();
      assert.deepEqual(other.errors, []);
    } finally {
      await other.close();
    }
  });

  test('corrupt, truncated and oversized links fall back to the default scenario with a message', async () => {
    await openDetails(b.page, 'Share, embed');
    const good = await b.page.getByRole('textbox', { name: 'link to this state' }).inputValue();
    const [base, frag] = good.split('#');
    const links = [`${base}#s1.garbage`, `${base}#${frag.slice(0, Math.floor(frag.length / 2))}`, `${base}#s1.${'A'.repeat(100_000)}`, `${base}#hello`];
    for (const [i, link] of links.entries()) {
      const x = await launch({ width: 1000, height: 700 });
      try {
        await openApp(x.page, link);
        const notice = x.page.getByRole('alert').filter({ hasText: 'This link could not be opened:' });
        await notice.waitFor();
        assert.match(await textOf(x.page, 'drv-path-fetch'), /^\/nix\/store\//, 'default scenario shown');
        if (i === 0) await shot(x.page, 'corrupt-link');
        assert.deepEqual(x.errors, []);
      } finally {
        await x.close();
      }
    }
  });

  test('the embed example page shows two live panels', async () => {
    const x = await launch({ width: 900, height: 1200 });
    try {
      await openApp(x.page, new URL('embed-example.html', BASE_URL).href).catch(() => {});
      const f1 = x.page.frameLocator('iframe').first();
      await f1.getByTestId('drv-path-src').waitFor();
      const outBefore = (await f1.getByTestId('out-path-src-out').textContent()).trim();
      await f1.getByRole('button', { name: /Try it: set src's env.url/ }).click();
      await f1.getByText('its output path stayed', { exact: false }).waitFor();
      assert.equal((await f1.getByTestId('out-path-src-out').textContent()).trim(), outBefore);
      const href = await f1.getByRole('link', { name: /Open in the full playground/ }).getAttribute('href');
      assert.match(href, /#s1\./);
      await x.page.frameLocator('iframe').nth(1).getByTestId('drv-path-bar').waitFor();
      await shot(x.page, 'embed-example');
      assert.deepEqual(x.errors, []);
    } finally {
      await x.close();
    }
  });

  test('an exercise is predicted, revealed and scored; a teacher set loads by URL', async () => {
    const x = await launch({ width: 1280, height: 900 });
    const dist = path.join(ROOT, 'dist');
    const setFile = path.join(dist, 'e2e-teacher-set.json');
    try {
      await openApp(x.page, new URL('?exercises', BASE_URL).href);
      const ex = x.page.getByRole('region', { name: 'exercises' });
      const items = ex.locator('ol.asks > li');
      const n = await items.count();
      assert.ok(n >= 1);
      for (let i = 0; i < n; i++) await items.nth(i).getByRole('button', { name: 'stays' }).click();
      await ex.getByRole('button', { name: 'Reveal' }).click();
      await ex.getByRole('status').first().waitFor();
      const statuses = await ex.getByRole('status').allTextContents();
      assert.equal(statuses.length, n);
      // Question 1: URL changed, hash not: the output stays, the .drv moves, hello stays.
      assert.match(statuses[0], /it stays \(right\)/);
      assert.match(statuses[1], /it moves \(not quite\)/);
      assert.match(await ex.textContent(), /score 2\/3/);
      await shot(x.page, 'exercise-revealed');
      // A teacher's set, served next to the page.
      const set = { title: 'Teacher set', questions: [{ scenario: 'garbage-builder', key: 'myfetch', field: 'args.1', value: 'echo ok > $out', prompt: 'Does it move?', asks: [{ key: 'myfetch', output: 'out' }], explanation: 'Fixed.' }] };
      if (fs.existsSync(dist)) {
        fs.writeFileSync(setFile, JSON.stringify(set));
        await openApp(x.page, new URL('?exercises=e2e-teacher-set.json', BASE_URL).href);
        await x.page.getByRole('heading', { name: 'Teacher set' }).waitFor();
        await openApp(x.page, new URL('?exercises=missing-set.json', BASE_URL).href);
        await x.page.getByRole('alert').filter({ hasText: 'Could not load the exercise set' }).waitFor();
      }
      assert.deepEqual(x.errors.filter((e) => !e.includes('missing-set.json')), []);
    } finally {
      fs.rmSync(setFile, { force: true });
      await x.close();
    }
  });

  test('the simulator: hash mismatch in Nix\'s words, a verified fetch, then the stale-recipe warning', async () => {
    const p = b.page;
    await p.getByRole('combobox', { name: 'scenario' }).selectOption('url-changed');
    await p.getByRole('button', { name: 'src', exact: true }).click();
    const sim = await openDetails(p, 'Store & cache simulator');
    const url = 'https://ftp.gnu.org/gnu/hello/hello-2.12.1.tar.gz';
    await sim.getByRole('textbox', { name: 'network url' }).fill(url);
    await sim.getByRole('textbox', { name: 'network contents' }).fill('hello source');
    await sim.getByRole('button', { name: 'Serve' }).click();
    await sim.getByRole('button', { name: 'nix-build src', exact: true }).click();
    const log = sim.getByLabel('build log');
    await log.getByText('hash mismatch').waitFor();
    const text = await log.textContent();
    assert.match(text, /error: hash mismatch in fixed-output derivation '\/nix\/store\/[a-z0-9]{32}-hello-2\.12\.1\.tar\.gz\.drv':\n {9}specified: sha256-jZkUKv2SV28wsM18tCqNxoCZmLxdYH2Idh9RLibH2yA=\n {12}got: {4}sha256-/);
    const sri = 'sha256-' + crypto.createHash('sha256').update('hello source').digest('base64');
    assert.ok(text.includes(sri), 'got: is the sha256 of the served bytes');
    await p.getByRole('region', { name: 'src', exact: true }).getByRole('textbox', { name: 'outputHash' }).fill(sri);
    await sim.getByRole('button', { name: 'nix-build src', exact: true }).click();
    await log.getByText('hash verified').waitFor();
    await p.getByRole('region', { name: 'src', exact: true }).getByRole('textbox', { name: 'env url' }).fill('https://example.org/new.tar.gz');
    await sim.getByRole('button', { name: 'nix-build src', exact: true }).click();
    await log.getByText('It was produced by a different recipe').waitFor();
    await shot(p, 'simulator-stale');
    await sim.getByRole('button', { name: 'nix-build --check src' }).click();
    await log.getByText('the toy network has nothing at').waitFor();
  });

  test('no console errors, page errors or failed requests', () => {
    assert.deepEqual(b.errors, []);
  });
});
