// First page of drvlab, default scenario (fetch: fixed-output; build: input-addressed, depends on fetch).
// Run: scripts/test.sh (serves dist/ and sets DRVLAB_URL), or by hand:
//   DRVLAB_URL=http://127.0.0.1:8080/ node --test e2e/
//
// DOM hooks the UI provides:
//   #app[data-ready="true"]                once the first paths are rendered
//   [data-testid="drv-path-<key>"]         the .drv path of derivation <key>
//   [data-testid="out-path-<key>-<out>"]   its output paths
//   region named <key> (e.g. <section aria-labelledby=...> with heading "build") holding labelled
//   textboxes, among them "builder".
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { launch, openApp, shot, textOf, waitForTextChange, STORE_PATH_RE, BASE_URL, ms } from './harness.mjs';

const KEYS = ['fetch', 'build'];

describe('drvlab first page (default scenario)', () => {
  let b; // { ctx, page, errors, close }
  let loaded = false;

  before(async () => {
    b = await launch({ width: 1280, height: 800 });
  });
  after(async () => {
    if (b) await b.close();
  });

  test('page loads and becomes ready; time to first paths', async () => {
    const t = await openApp(b.page, BASE_URL);
    loaded = true;
    assert.match(await b.page.title(), /drvlab/);
    // The budget line CI reads: navigation start -> first paths on screen (in-page clock).
    console.log(
      `TIME-TO-FIRST-PATHS: ${t.firstPathMs === null ? 'n/a (no out-path element yet)' : ms(t.firstPathMs)} ` +
        `(navigation start -> first out-path element on screen; ` +
        `#app ready at ${ms(t.readyMs)}, DOMContentLoaded ${ms(t.domContentLoadedMs)}, load ${ms(t.loadMs)}, ` +
        `test wall clock goto->ready ${ms(t.wallMs)})`,
    );
  });

  test('shows the default scenario: .drv and output paths are /nix/store/<32 nix32>-<name>', async () => {
    assert.ok(loaded, 'page did not load');
    for (const key of KEYS) {
      const drv = await textOf(b.page, `drv-path-${key}`);
      const m = drv.match(STORE_PATH_RE);
      assert.ok(m, `drv-path-${key} is not a store path: ${JSON.stringify(drv)}`);
      assert.ok(m[2].endsWith('.drv'), `drv-path-${key} does not end in .drv: ${drv}`);

      const outs = b.page.locator(`[data-testid^="out-path-${key}-"]`);
      const n = await outs.count();
      assert.ok(n >= 1, `no out-path-${key}-<output> element`);
      for (let i = 0; i < n; i++) {
        const out = ((await outs.nth(i).textContent()) ?? '').trim();
        assert.match(out, STORE_PATH_RE, `${await outs.nth(i).getAttribute('data-testid')} is not a store path`);
        assert.ok(!out.endsWith('.drv'), `output path ends in .drv: ${out}`);
      }
      console.log(`  ${key}: drv ${drv}`);
    }
  });

  test("editing build's builder moves build's paths, not fetch's (and undoing restores them)", async () => {
    assert.ok(loaded, 'page did not load');
    const p = b.page;
    // the `out` output if build has one, else its first output
    const outId = (await p.getByTestId('out-path-build-out').count())
      ? 'out-path-build-out'
      : await p.locator('[data-testid^="out-path-build-"]').first().getAttribute('data-testid');
    const before = {
      buildOut: await textOf(p, outId),
      buildDrv: await textOf(p, 'drv-path-build'),
      fetchDrv: await textOf(p, 'drv-path-fetch'),
      fetchOuts: Object.fromEntries(
        await p.locator('[data-testid^="out-path-fetch-"]').evaluateAll((els) =>
          els.map((e) => [e.getAttribute('data-testid'), e.textContent.trim()]),
        ),
      ),
    };
    const region = p.getByRole('region', { name: /^build$/i });
    const builder = region.getByRole('textbox', { name: /^builder$/i });
    await builder.waitFor({ timeout: 10_000 });
    const old = await builder.inputValue();
    const edited = old === '/bin/sh' ? '/bin/bash' : '/bin/sh';
    await builder.fill(edited);
    await builder.blur(); // for UIs that update on change rather than input

    const newOut = await waitForTextChange(p, outId, before.buildOut);
    assert.match(newOut, STORE_PATH_RE);
    assert.notEqual(newOut, before.buildOut);
    assert.notEqual(await textOf(p, 'drv-path-build'), before.buildDrv, "build's .drv path did not move");
    assert.equal(await textOf(p, 'drv-path-fetch'), before.fetchDrv, "editing build moved fetch's .drv path");
    for (const [id, text] of Object.entries(before.fetchOuts)) {
      assert.equal(await textOf(p, id), text, `editing build moved ${id}`);
    }
    console.log(`  builder ${JSON.stringify(old)} -> ${JSON.stringify(edited)}: ${before.buildOut} -> ${newOut}`);

    await builder.fill(old);
    await builder.blur();
    const back = await waitForTextChange(p, outId, newOut);
    assert.equal(back, before.buildOut, 'restoring the builder did not restore the output path');
  });

  test('screenshots at 1280x800 and 360x740', async () => {
    assert.ok(loaded, 'page did not load');
    const p = b.page;
    await p.setViewportSize({ width: 1280, height: 800 });
    const wide = await shot(p, 'page-1280x800');
    await p.setViewportSize({ width: 360, height: 740 });
    await p.waitForTimeout(100);
    const narrow = await shot(p, 'page-360x740');
    for (const f of [wide, narrow]) assert.ok(fs.statSync(f).size > 1000, `screenshot too small: ${f}`);
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    console.log(`  screenshots: ${wide}, ${narrow}; horizontal overflow at 360 px: ${overflow} px`);
  });

  test('no console errors, page errors or failed requests', () => {
    assert.ok(loaded, 'page did not load');
    assert.deepEqual(b.errors, [], `errors on the page:\n${b.errors.join('\n')}`);
  });
});
