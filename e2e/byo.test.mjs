// Bring your own derivation (import, verify, edit, export back to real Nix), compare, share links
// (and corrupt ones), the embed example page, exercises (built in and a teacher's set), and the
// store & cache simulator.
// Run: DRVLAB_URL=http://127.0.0.1:PORT/ node --test e2e/   (writes, then removes, two JSON files in dist/)
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { launch, openApp, shot, textOf, BASE_URL, ROOT, STORE_PATH_RE } from './harness.mjs';
import { nixAvailable, instantiate, showDerivation, assertMatchesNix } from './nix.mjs';
import { pagePaths, loadScenario, selectedKey, openDetails } from './ui.mjs';

const haveNix = nixAvailable();
const noNix = !haveNix && 'nix-instantiate missing';

async function importText(page, text) {
  await openDetails(page, 'Import your own derivation, export this graph');
  await page.getByRole('textbox', { name: 'derivation to import' }).fill(text);
  await page.getByRole('button', { name: 'Import and verify' }).click();
  await page.locator('.verify, .io .err').first().waitFor();
}

/** A fixed-output derivation with no inputs. */
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
    assert.equal(await b.page.locator('.verify li', { hasText: '✘' }).count(), 0);
    await shot(b.page, 'byo-import-drv');
    // A small paste stays in the box (only megabytes are kept aside).
    assert.match(await b.page.getByRole('textbox', { name: 'derivation to import' }).inputValue(), /^Derive\(/);
    assert.equal(await b.page.getByTestId('import-aside').count(), 0);
  });

  test('a paste too big for the box is held aside; when it fails, it is kept to be fixed', async () => {
    const p = b.page;
    await openDetails(p, 'Import your own derivation, export this graph');
    const box = p.getByRole('textbox', { name: 'derivation to import' });
    await box.fill('a small text that the big paste replaces');
    const big = '{"/nix/store/x.drv": ' + ' '.repeat(300 * 1024) + '[broken';
    await box.evaluate((el, text) => {
      const data = new DataTransfer();
      data.setData('text/plain', text);
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, big);
    assert.match(await textOf(p, 'import-aside'), /^300 KB held aside, out of the box .*Import and verify reads it\./);
    assert.equal(await box.inputValue(), '', 'the box never holds the big paste');
    await p.getByRole('button', { name: 'Import and verify' }).click();
    assert.match(await p.locator('.io .err').textContent(), /Could not import: .*line 1, column/);
    // Still held, and it can be put in the box to be fixed there.
    await p.getByRole('button', { name: 'Put it in the box' }).click();
    await p.getByTestId('import-aside').waitFor({ state: 'detached' });
    assert.equal(await box.inputValue(), big);
    await box.fill('');
  });

  test('a closure from nix show-derivation -r is verified, editable, and exports back to the same paths', { skip: noNix }, async () => {
    const p = b.page;
    const nix = `let src = ${fodNix('echo two > $out')}; in derivation { name = "byo-build"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" "cp \${src} $out" ]; outputs = [ "out" "dev" ]; }`;
    const drvs = instantiate(nix);
    const shown = showDerivation(drvs);
    assert.equal(Object.keys(shown).length, 2);
    await importText(p, JSON.stringify(shown));
    for (const d of Object.keys(shown)) await p.getByText(`✔ matches what Nix wrote: ${d}`).waitFor();
    assert.equal(await p.locator('.verify li', { hasText: '✘' }).count(), 0);
    // It is now the graph on the page, with Nix's paths.
    assert.equal(await textOf(p, 'drv-path-byo-build'), drvs[0]);
    assert.equal(await textOf(p, 'out-path-byo-build-dev'), shown[drvs[0]].outputs.dev.path);
    await assertMatchesNix(p, 'imported closure, exported back');
    await shot(p, 'byo-import-closure');
    // Editable: change the source's URL; its .drv moves (and so does the build's), its output does not.
    await p.getByRole('button', { name: 'byo-src', exact: true }).click();
    const before = await pagePaths(p);
    await p.getByRole('region', { name: 'byo-src', exact: true }).getByRole('textbox', { name: 'env url' }).fill('https://example.org/y');
    await p.waitForFunction((old) => document.querySelector('[data-testid="drv-path-byo-src"]').textContent.trim() !== old, before['drv-path-byo-src']);
    const after = await pagePaths(p);
    assert.equal(after['out-path-byo-src-out'], before['out-path-byo-src-out']);
    assert.notEqual(after['drv-path-byo-build'], before['drv-path-byo-build']);
    await assertMatchesNix(p, 'imported closure, edited, exported');
  });

  test('two pasted derivations are compared field by field', { skip: noNix }, async () => {
    const [a] = instantiate(fodNix('echo three > $out'));
    const [c] = instantiate(fodNix('echo four > $out'));
    await openDetails(b.page, 'Compare (');
    await b.page.getByRole('textbox', { name: 'derivation A' }).fill(fs.readFileSync(a, 'utf8'));
    await b.page.getByRole('textbox', { name: 'derivation B' }).fill(fs.readFileSync(c, 'utf8'));
    await b.page.getByRole('button', { name: 'Compare A and B' }).click();
    const table = b.page.locator('table.diff').last();
    const row = table.locator('tr', { hasText: 'args.1' });
    await row.waitFor();
    assert.match(await row.textContent(), /echo three > \$out.*echo four > \$out.*A \.drv/);
    assert.equal(await table.locator('tr', { hasText: 'url' }).count(), 0, 'no row for a field that is the same');
    await shot(b.page, 'byo-compare');
  });

  test('a shared link restores the graph and the selection', async () => {
    const p = b.page;
    await loadScenario(p, 'multiple-outputs');
    await p.getByRole('button', { name: 'lib', exact: true }).click();
    await p.getByRole('region', { name: 'lib', exact: true }).getByRole('textbox', { name: 'outputs' }).fill('out dev doc man');
    await p.getByTestId('out-path-lib-man').waitFor();
    const mine = await pagePaths(p);
    await openDetails(p, 'Share, embed');
    const link = await p.getByRole('textbox', { name: 'link to this state' }).inputValue();
    assert.match(link, /#s1\./);
    assert.match(await p.getByRole('textbox', { name: 'embed snippet' }).inputValue(), /<iframe src="[^"]*\?embed#s1\./);
    const other = await launch({ width: 1280, height: 900 });
    try {
      await openApp(other.page, link);
      await other.page.getByTestId('out-path-lib-man').waitFor();
      assert.deepEqual(await pagePaths(other.page), mine, 'same paths');
      await other.page.getByRole('region', { name: 'lib', exact: true }).waitFor();
      assert.equal(await selectedKey(other.page), 'lib', 'same selection');
      await shot(other.page, 'byo-shared-link-restored');
      assert.deepEqual(other.errors, []);
    } finally {
      await other.close();
    }
  });

  test('corrupt, truncated and oversized links fall back to the default scenario with a message', async () => {
    await loadScenario(b.page, 'url-changed');
    await openDetails(b.page, 'Share, embed');
    const good = await b.page.getByRole('textbox', { name: 'link to this state' }).inputValue();
    const [base, frag] = good.split('#');
    const links = {
      garbage: `${base}#s1.garbage`,
      truncated: `${base}#${frag.slice(0, Math.floor(frag.length / 2))}`,
      oversized: `${base}#s1.${'A'.repeat(100_000)}`,
    };
    for (const [what, link] of Object.entries(links)) {
      const x = await launch({ width: 1000, height: 700 });
      try {
        await openApp(x.page, link);
        const notice = x.page.getByRole('alert').filter({ hasText: 'This link could not be opened:' });
        await notice.waitFor();
        assert.equal(await x.page.getByRole('combobox', { name: 'scenario' }).inputValue(), 'fetch-build-app', `${what}: default scenario`);
        assert.match(await textOf(x.page, 'drv-path-fetch'), STORE_PATH_RE, `${what}: default scenario's paths`);
        await shot(x.page, `byo-corrupt-link-${what}`);
        console.log(`  ${what} link: ${(await notice.textContent()).trim()}`);
        assert.deepEqual(x.errors, [], `${what}: page errors`);
      } finally {
        await x.close();
      }
    }
  });

  test('the embed example page: two live panels, "Try it", and a link to the full playground with the state', async () => {
    const html = fs.readFileSync(path.join(ROOT, 'www', 'embed-example.html'), 'utf8');
    assert.equal((html.match(/<iframe [^>]*src="[^"]*\?embed#s1\.[^"]+"/g) ?? []).length, 2, 'two iframes of ?embed#s1.…');
    const x = await launch({ width: 900, height: 1200 });
    try {
      const resp = await x.page.goto(new URL('embed-example.html', BASE_URL).href);
      assert.ok(resp.ok(), 'embed-example.html is in dist/');
      const frames = [x.page.frameLocator('iframe').nth(0), x.page.frameLocator('iframe').nth(1)];
      for (const [i, keys] of [['src', 'hello'], ['foo', 'bar', 'deploy']].entries()) {
        for (const k of keys) {
          assert.match((await frames[i].getByTestId(`drv-path-${k}`).textContent()).trim(), STORE_PATH_RE, `iframe ${i + 1}: ${k} .drv`);
          assert.match((await frames[i].getByTestId(`out-path-${k}-out`).textContent()).trim(), STORE_PATH_RE, `iframe ${i + 1}: ${k} out`);
        }
      }
      // The two image pulls collapse: one output path for two recipes.
      assert.equal(await frames[1].getByTestId('out-path-foo-out').textContent(), await frames[1].getByTestId('out-path-bar-out').textContent());
      await shot(x.page, 'byo-embed-example');
      const f = frames[0];
      const outBefore = (await f.getByTestId('out-path-src-out').textContent()).trim();
      const drvBefore = (await f.getByTestId('drv-path-src').textContent()).trim();
      await f.getByRole('button', { name: /^Try it: set src's env\.url/ }).click();
      await f.getByText(/2 paths moved \(src \.drv, hello \.drv\)/).waitFor();
      await f.locator('.change p.verdict', { hasText: 'nothing rebuilds: only .drv files changed — the old outputs are reused' }).waitFor();
      await f.getByText(/2 paths stayed \(src out, hello out\)/).waitFor();
      const drvAfter = (await f.getByTestId('drv-path-src').textContent()).trim();
      assert.notEqual(drvAfter, drvBefore);
      assert.equal((await f.getByTestId('out-path-src-out').textContent()).trim(), outBefore);
      await shot(x.page, 'byo-embed-example-tried');
      const href = await f.getByRole('link', { name: /Open in the full playground/ }).getAttribute('href');
      assert.match(href, /#s1\./);
      assert.doesNotMatch(href, /[?&]embed/);
      // The link opens the full playground in the state the panel shows (after "Try it").
      await openApp(x.page, new URL(href, new URL('embed-example.html', BASE_URL)).href);
      assert.equal(await textOf(x.page, 'drv-path-src'), drvAfter);
      assert.equal(await selectedKey(x.page), 'src');
      assert.deepEqual(x.errors, []);
    } finally {
      await x.close();
    }
  });

  test('an exercise is predicted, revealed and scored; a teacher set loads by URL; a broken one shows an error', async () => {
    const x = await launch({ width: 1280, height: 900 });
    const dist = path.join(ROOT, 'dist');
    const setFile = path.join(dist, 'e2e-teacher-set.json');
    const badFile = path.join(dist, 'e2e-bad-set.json');
    const score = async (ex) => {
      const m = (await ex.textContent()).match(/score (\d+)\/(\d+)/);
      assert.ok(m, 'score a/b shown');
      return [Number(m[1]), Number(m[2])];
    };
    try {
      await openApp(x.page, new URL('?exercises', BASE_URL).href);
      const ex = x.page.getByRole('region', { name: 'exercises' });
      const [right0, asked0] = await score(ex);
      const items = ex.locator('ol.asks > li');
      const n = await items.count();
      assert.equal(n, 3, 'question 1 asks about three paths');
      const reveal = ex.getByRole('button', { name: 'Reveal' });
      // Question 1: URL changed, hash not: src's output stays, its .drv moves, hello's output stays.
      const predictions = ['stays', 'stays', 'stays'];
      for (let i = 0; i < n; i++) {
        assert.ok(await reveal.isDisabled(), 'Reveal waits for every prediction');
        const btn = items.nth(i).getByRole('button', { name: predictions[i], exact: true });
        await btn.click();
        assert.equal(await btn.getAttribute('aria-pressed'), 'true');
      }
      await reveal.click();
      await ex.getByRole('status').nth(n - 1).waitFor();
      const statuses = (await ex.getByRole('status').allTextContents()).map((s) => s.trim());
      assert.deepEqual(statuses, ['→ it stays (right)', '→ it moves (not quite)', '→ it stays (right)']);
      assert.ok((await ex.getByText(/^Why:/).count()) >= 1, 'a "Why:" explanation');
      const [right1, asked1] = await score(ex);
      assert.deepEqual([right1, asked1], [right0 + 2, asked0 + 3], 'score increased by 2 right of 3');
      await shot(x.page, 'byo-exercise-revealed');
      await ex.getByRole('button', { name: 'Next question' }).click();
      await ex.getByText(/Question 2 of/).waitFor();

      // A teacher's set, served next to the page.
      const set = { title: 'E2E teacher set', questions: [{ scenario: 'garbage-builder', key: 'myfetch', field: 'args.1', value: 'echo ok > $out', prompt: 'The builder changed, the hash did not: does it move?', asks: [{ key: 'myfetch', output: 'out' }], explanation: 'A fixed output is named by its name and hash.' }] };
      fs.writeFileSync(setFile, JSON.stringify(set));
      await openApp(x.page, new URL('?exercises=e2e-teacher-set.json', BASE_URL).href);
      await ex.getByRole('heading', { name: 'E2E teacher set' }).waitFor();
      await ex.getByText('The builder changed, the hash did not: does it move?').waitFor();
      await ex.locator('ol.asks > li').first().getByRole('button', { name: 'stays', exact: true }).click();
      await ex.getByRole('button', { name: 'Reveal' }).click();
      assert.equal((await ex.getByRole('status').first().textContent()).trim(), '→ it stays (right)');
      await ex.getByText('A fixed output is named by its name and hash.').waitFor();
      await shot(x.page, 'byo-exercise-teacher-set');

      // Broken sets: one whose question does not apply, one that is not there.
      fs.writeFileSync(badFile, JSON.stringify({ title: 'Bad', questions: [{ ...set.questions[0], scenario: 'no-such-scenario' }] }));
      await openApp(x.page, new URL('?exercises=e2e-bad-set.json', BASE_URL).href);
      const alert = x.page.getByRole('alert').filter({ hasText: 'Could not load the exercise set' });
      await alert.waitFor();
      assert.match(await alert.textContent(), /question 1: unknown scenario/);
      await ex.getByRole('heading', { name: 'Fixed-output derivations and what moves' }).waitFor(); // the built-in set
      await shot(x.page, 'byo-exercise-bad-set');
      await openApp(x.page, new URL('?exercises=e2e-missing-set.json', BASE_URL).href);
      await x.page.getByRole('alert').filter({ hasText: 'Could not load the exercise set' }).waitFor();
      assert.deepEqual(x.errors.filter((e) => !e.includes('e2e-missing-set.json')), []);
    } finally {
      fs.rmSync(setFile, { force: true });
      fs.rmSync(badFile, { force: true });
      await x.close();
    }
  });

  test("the simulator: hash mismatch in Nix's words, a verified fetch, the stale-recipe warning, --check", async () => {
    const p = b.page;
    await loadScenario(p, 'url-changed');
    await p.getByRole('button', { name: 'src', exact: true }).click();
    const region = p.getByRole('region', { name: 'src', exact: true });
    const url = await region.getByRole('textbox', { name: 'env url' }).inputValue();
    const declared = await region.getByRole('textbox', { name: 'outputHash' }).inputValue();
    const sim = await openDetails(p, 'Store & cache simulator');
    const bytes = 'hello source, served by the e2e test'; // an <input>: one line
    await sim.getByRole('textbox', { name: 'network url' }).fill(url);
    await sim.getByRole('textbox', { name: 'network contents' }).fill(bytes);
    await sim.getByRole('button', { name: 'Serve' }).click();
    const log = sim.getByLabel('build log');
    const build = sim.getByRole('button', { name: 'nix-build src', exact: true });

    await build.click();
    await log.getByText('hash mismatch').waitFor();
    const drv = await textOf(p, 'drv-path-src');
    const sri = 'sha256-' + crypto.createHash('sha256').update(bytes).digest('base64');
    const declaredSri = 'sha256-' + Buffer.from(declared, 'hex').toString('base64');
    let text = await log.textContent();
    assert.ok(text.includes(`building '${drv}'`), 'building line');
    assert.ok(
      text.includes(`error: hash mismatch in fixed-output derivation '${drv}':\n         specified: ${declared.length === 64 ? declaredSri : 'sha256-'}`),
      `Nix's wording, specified: the declared hash as SRI\n${text}`,
    );
    assert.ok(text.includes(`\n            got:    ${sri}`), `got: the SRI sha256 of the served bytes\n${text}`);

    await region.getByRole('textbox', { name: 'outputHash' }).fill(sri);
    await build.click();
    await log.getByText(`fetched ${url}, hash verified`).waitFor();

    await region.getByRole('textbox', { name: 'env url' }).fill('https://example.org/new.tar.gz');
    await build.click();
    await log.getByText('It was produced by a different recipe').waitFor();
    text = await log.textContent();
    assert.match(text, /warning: .* is already valid, so .* is not built\. It was produced by a different recipe/);
    await shot(p, 'byo-simulator-stale');

    await sim.getByRole('button', { name: 'nix-build --check src' }).click();
    await log.getByText('https://example.org/new.tar.gz').last().waitFor();
    text = await log.textContent();
    const tail = text.slice(text.lastIndexOf('building'));
    assert.match(tail, /new\.tar\.gz/);
    assert.match(tail, /error|nothing at/, `--check reruns and fails to fetch the new url\n${tail}`);
    console.log(`  --check: ${tail.trim().replace(/\n/g, ' / ')}`);
    await shot(p, 'byo-simulator-check');
  });

  test('no console errors, page errors or failed requests', () => {
    assert.deepEqual(b.errors, []);
  });
});
