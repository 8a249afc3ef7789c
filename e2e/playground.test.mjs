// The playground: every scenario (and its paths against real Nix), what moves checked against real
// Nix, undo/redo, invalid input, keyboard, and the per-keystroke budget (printed, not asserted).
// Run: DRVLAB_URL=http://127.0.0.1:PORT/ node --test e2e/   (screenshots in DRVLAB_SHOTS)
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openApp, shot, textOf, STORE_PATH_RE, BASE_URL } from './harness.mjs';
import { nixAvailable, assertMatchesNix } from './nix.mjs';
import { pagePaths, loadScenario, selectedKey, UNKNOWN } from './ui.mjs';

const SCENARIOS = [
  'fetch-build-app', 'pullimage-collapse', 'input-derivations', 'local-source', 'garbage-builder', 'url-changed',
  'rerun-on-change', 'font-fod', 'multiple-outputs', 'content-addressed',
];

describe('drvlab playground', () => {
  let b;
  const haveNix = nixAvailable();
  const noNix = !haveNix && 'nix-instantiate missing';
  before(async () => {
    b = await launch({ width: 1280, height: 800 });
    await openApp(b.page, BASE_URL);
  });
  after(async () => {
    if (b) await b.close();
  });

  test('every scenario loads and shows every path (1280x800), and fits 360 px', async () => {
    for (const id of SCENARIOS) {
      await loadScenario(b.page, id);
      const paths = await pagePaths(b.page);
      const keys = Object.keys(paths).filter((t) => t.startsWith('drv-path-')).map((t) => t.slice('drv-path-'.length));
      assert.ok(keys.length >= 1, `${id}: no derivation listed`);
      for (const k of keys) {
        const drv = paths[`drv-path-${k}`];
        assert.match(drv, STORE_PATH_RE, `${id}: drv-path-${k}`);
        assert.ok(drv.endsWith('.drv'), `${id}: drv-path-${k} ends in .drv`);
        const outs = Object.keys(paths).filter((t) => t.startsWith(`out-path-${k}-`));
        assert.ok(outs.length >= 1, `${id}: ${k} shows no output path`);
        for (const o of outs) assert.ok(STORE_PATH_RE.test(paths[o]) || paths[o] === UNKNOWN, `${id}: ${o} = ${paths[o]}`);
      }
      await shot(b.page, `playground-scenario-${id}-1280x800`);
    }
    const narrow = await launch({ width: 360, height: 740 });
    try {
      await openApp(narrow.page, BASE_URL);
      for (const id of SCENARIOS) {
        await loadScenario(narrow.page, id);
        const w = await narrow.page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(w <= 360, `${id}: page is ${w} px wide at 360 px`);
        await shot(narrow.page, `playground-scenario-${id}-360`);
      }
    } finally {
      await narrow.close();
    }
  });

  test('every scenario: each path shown equals what real Nix writes for the exported .nix', { skip: noNix }, async () => {
    for (const id of SCENARIOS) {
      await loadScenario(b.page, id);
      await assertMatchesNix(b.page, id);
      // The story's "Do it for me" performs the suggested edit: something moves, and what the
      // page then shows is still what real Nix writes.
      const before = await pagePaths(b.page);
      await b.page.getByRole('button', { name: /^Do it for me: / }).click();
      await b.page.waitForFunction((old) => [...document.querySelectorAll('.drvlist [data-testid]')].some((e) => e.textContent.trim() !== old[e.dataset.testid]), before);
      await assertMatchesNix(b.page, `${id}, suggested edit done`);
    }
  });

  test("editing a fixed-output derivation's args moves only .drv paths — as real Nix says", { skip: noNix }, async () => {
    const p = b.page;
    await loadScenario(p, 'fetch-build-app');
    const before = await assertMatchesNix(p, 'before');
    await p.getByRole('button', { name: 'fetch', exact: true }).click();
    const region = p.getByRole('region', { name: 'fetch', exact: true });
    const args1 = region.getByRole('textbox', { name: 'args 1' });
    assert.notEqual(await args1.inputValue(), 'curl -L "$url" -o "$out" --retry 5');
    await args1.fill('curl -L "$url" -o "$out" --retry 5');
    await p.waitForFunction((old) => document.querySelector('[data-testid="drv-path-fetch"]').textContent.trim() !== old, before.fetch.drv);
    const after = await assertMatchesNix(p, 'after');
    assert.notEqual(after.fetch.drv, before.fetch.drv, "fetch's .drv moves");
    assert.equal(after.fetch.outputs.out, before.fetch.outputs.out, "fetch's output stays");
    assert.deepEqual(after.build.outputs, before.build.outputs, "build's outputs stay");
    assert.deepEqual(after.app.outputs, before.app.outputs, "app's output stays");
    assert.notEqual(after.build.drv, before.build.drv, "build's .drv names the new fetch .drv");
    const account = await p.getByRole('region', { name: 'what the last edit did' }).textContent();
    assert.match(account, /nix-build --check/);
    assert.match(account, /— moved/);
    assert.match(account, /— stays/);
    await shot(p, 'playground-fod-args-edit');
  });

  test('"Use an output of" lists every other output in a small graph and adds the reference', async () => {
    const p = b.page;
    await loadScenario(p, 'fetch-build-app');
    await p.getByRole('button', { name: 'app', exact: true }).click();
    const region = p.getByRole('region', { name: 'app', exact: true });
    const choose = region.getByRole('combobox', { name: 'use an output of another derivation' });
    const offered = await choose.locator('option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
    assert.deepEqual(offered.filter((v) => !v.includes('.')), ['build', 'fetch'], 'every other derivation, not app itself');
    const before = await textOf(p, 'drv-path-app');
    await choose.selectOption('fetch');
    await p.waitForFunction((old) => document.querySelector('[data-testid="drv-path-app"]')?.textContent.trim() !== old, before);
    assert.match(await region.locator('p.inputs').textContent(), /fetch/);
    await p.getByRole('button', { name: 'Undo' }).click();
    await p.waitForFunction((old) => document.querySelector('[data-testid="drv-path-app"]')?.textContent.trim() === old, before);
  });

  test('an input-addressed edit (build\'s builder) cascades to app; undo and redo restore exactly', async () => {
    const p = b.page;
    await loadScenario(p, 'fetch-build-app');
    await p.getByRole('button', { name: 'build', exact: true }).click();
    const before = await pagePaths(p);
    await p.getByRole('region', { name: 'build', exact: true }).getByRole('textbox', { name: 'builder' }).fill('/bin/bash');
    await p.waitForFunction((old) => document.querySelector('[data-testid="out-path-app-out"]').textContent.trim() !== old, before['out-path-app-out']);
    const after = await pagePaths(p);
    assert.notEqual(after['drv-path-build'], before['drv-path-build']);
    assert.notEqual(after['out-path-build-out'], before['out-path-build-out']);
    assert.notEqual(after['drv-path-app'], before['drv-path-app'], 'the cascade reaches app (.drv)');
    assert.notEqual(after['out-path-app-out'], before['out-path-app-out'], 'the cascade reaches app (out)');
    assert.equal(after['drv-path-fetch'], before['drv-path-fetch']);
    assert.equal(after['out-path-fetch-out'], before['out-path-fetch-out']);
    if (haveNix) await assertMatchesNix(p, 'cascade');
    await shot(p, 'playground-cascade');
    await p.getByRole('button', { name: 'Undo' }).click();
    await p.waitForFunction((old) => document.querySelector('[data-testid="out-path-app-out"]').textContent.trim() === old, before['out-path-app-out']);
    assert.deepEqual(await pagePaths(p), before, 'undo restores every path');
    assert.notEqual(await p.getByRole('region', { name: 'build', exact: true }).getByRole('textbox', { name: 'builder' }).inputValue(), '/bin/bash');
    await p.getByRole('button', { name: 'Redo' }).click();
    await p.waitForFunction((v) => document.querySelector('[data-testid="out-path-app-out"]').textContent.trim() === v, after['out-path-app-out']);
    assert.deepEqual(await pagePaths(p), after, 'redo re-applies');
    assert.equal(await p.getByRole('region', { name: 'build', exact: true }).getByRole('textbox', { name: 'builder' }).inputValue(), '/bin/bash');
  });

  test("an invalid hash is marked with the engine's message and the last paths stay, greyed", async () => {
    const p = b.page;
    await loadScenario(p, 'url-changed');
    await p.getByRole('button', { name: 'src', exact: true }).click();
    const before = await pagePaths(p);
    const region = p.getByRole('region', { name: 'src', exact: true });
    const hash = region.getByRole('textbox', { name: 'outputHash' });
    await hash.fill('abc');
    const err = region.getByRole('alert').filter({ hasText: /characters/ }).first();
    await err.waitFor();
    assert.match(await err.textContent(), /is 3 characters; sha256 is 64 in base16, 52 in nix32 or 44 in base64/);
    assert.equal(await hash.getAttribute('aria-invalid'), 'true');
    assert.equal(await hash.inputValue(), 'abc', 'what was typed is kept');
    await p.getByRole('status').filter({ hasText: 'Showing the last valid paths' }).waitFor();
    assert.deepEqual(await pagePaths(p), before, 'the last valid paths are still shown');
    assert.ok((await p.locator('.drvlist li.stale').count()) >= 1, 'greyed (class "stale")');
    await shot(p, 'playground-invalid-hash');
    await p.getByRole('button', { name: 'Undo' }).click();
    await p.waitForFunction(() => !document.querySelector('.drvlist li.stale'));
    assert.notEqual(await hash.getAttribute('aria-invalid'), 'true');
  });

  test('keyboard: Tab reaches a graph node and Enter selects it', async () => {
    const p = b.page;
    await loadScenario(p, 'fetch-build-app');
    await p.getByRole('button', { name: 'build', exact: true }).click();
    await p.getByRole('region', { name: 'build', exact: true }).waitFor();
    await p.getByRole('combobox', { name: 'scenario' }).focus();
    let target = null;
    for (let i = 0; i < 300 && !target; i++) {
      await p.keyboard.press('Tab');
      const label = await p.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '');
      const m = label.match(/^select (.+)$/);
      if (m && m[1] !== 'build') target = m[1];
    }
    assert.ok(target, 'Tab never reached a graph node other than the selected one');
    assert.equal(await p.evaluate(() => document.activeElement.getAttribute('role')), 'button');
    await p.keyboard.press('Enter');
    await p.getByRole('region', { name: target, exact: true }).waitFor();
    assert.equal(await selectedKey(p), target);
    await shot(p, `playground-keyboard-selected-${target}`);
  });

  test('recompute + render per keystroke, every scenario (printed, not asserted)', async () => {
    const p = b.page;
    for (const id of SCENARIOS) {
      await loadScenario(p, id);
      const key = await selectedKey(p);
      const input = await p.getByRole('region', { name: key, exact: true }).getByRole('textbox', { name: 'builder' }).elementHandle();
      const r = await p.evaluate(async ([el, k]) => {
        const drv = () => document.querySelector(`[data-testid="drv-path-${k}"]`).textContent;
        const frame = () => new Promise((res) => requestAnimationFrame(res));
        const total = [];
        const dom = [];
        let unchanged = 0;
        for (let i = 0; i < 10; i++) {
          await frame(); // start each keystroke at a frame boundary
          const before = drv();
          let domAt = null;
          let updated;
          const domUpdated = new Promise((res) => { updated = res; });
          const mo = new MutationObserver(() => {
            if (domAt === null && drv() !== before) { domAt = performance.now(); updated(); }
          });
          mo.observe(document.body, { subtree: true, childList: true, characterData: true });
          const t0 = performance.now();
          el.value = el.value + 'abcdefghij'[i];
          el.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText', data: 'abcdefghij'[i] }));
          // the key -> the paths in the DOM changed -> the next animation frame (the one that paints them)
          await Promise.race([domUpdated, new Promise((res) => setTimeout(res, 1000))]);
          await frame();
          const t1 = performance.now();
          mo.disconnect();
          total.push(t1 - t0);
          dom.push((domAt ?? t1) - t0);
          if (drv() === before) unchanged++;
        }
        return { total, dom, unchanged, value: el.value };
      }, [input, key]);
      const stat = (xs) => {
        const s = [...xs].sort((a, c) => a - c);
        return { median: (s[4] + s[5]) / 2, max: s[s.length - 1] };
      };
      const t = stat(r.total);
      const d = stat(r.dom);
      // The work is key -> paths changed in the DOM (recompute, matrix, Yew render); the paint
      // then waits for the next vsync of headless Chromium's 60 Hz frame clock, so "to the next
      // frame" is ~16.7 ms whatever the work takes, as long as it fits in one frame.
      const verdict = d.median < 16 ? 'within one 16 ms frame' : 'OVER one 16 ms frame';
      console.log(`KEYSTROKE ${id}: recompute + render (key -> DOM updated) median ${d.median.toFixed(1)} ms, max ${d.max.toFixed(1)} ms: ${verdict}`);
      console.log(`  (${id}: typed into ${key}'s builder; painted at the next animation frame: median ${t.median.toFixed(1)} ms, max ${t.max.toFixed(1)} ms; ` +
        `last Yew render ${Number(await p.evaluate(() => window.drvlabLastRenderMs)).toFixed(2)} ms)`);
      assert.equal(r.unchanged, 0, `${id}: ${r.unchanged} keystrokes did not move ${key}'s .drv path`);
      assert.ok(r.value.endsWith('abcdefghij'));
      assert.ok(t.median < 250, `${id}: median ${t.median} ms`);
    }
  });

  test('the masked ATerm marks what each part came from, as the engine recorded it', async () => {
    const p = b.page;
    await loadScenario(p, 'fetch-build-app');
    await p.getByRole('button', { name: 'build', exact: true }).click();
    const fetchDrv = await textOf(p, 'drv-path-fetch');
    const paths = p.getByRole('region', { name: 'paths of build' });
    // The output's pipeline is on screen without a click.
    assert.equal(await paths.getByRole('button', { name: 'how: output out' }).getAttribute('aria-expanded'), 'true');
    const step = paths.locator('li.step', { hasText: 'masked ATerm' });
    const marks = await step.locator('pre mark').evaluateAll((xs) => xs.map((x) => [x.className, x.title, x.textContent]));
    const repl = marks.find(([c]) => c === 'repl');
    assert.ok(repl, 'an input replaced by its hash modulo is marked');
    // fetch is fixed-output: what stands for it is the sha256 of its fixed:out: string (issue 12).
    assert.equal(repl[1], `fetch's hash for dependents: sha256 of "fixed:out:<method><algo>:<hash>:<output path>", its declared output, in place of ${fetchDrv}`);
    assert.match(repl[2], /^"[0-9a-f]{64}"$/);
    assert.ok(marks.some(([c, t, v]) => c === 'blank' && t.includes('path of output out') && v === '""'), 'own output path blanked');
    assert.ok(marks.some(([c, t]) => c === 'fld' && t === 'from builder'), 'builder attributed');
    assert.ok(marks.some(([c, t]) => c === 'fld' && t === "from the attribute src, holding the path of fetch's output out"));
    await paths.getByRole('button', { name: 'how: output out' }).click();
  });

  test('no console errors, page errors or failed requests', () => {
    assert.deepEqual(b.errors, []);
  });
});
