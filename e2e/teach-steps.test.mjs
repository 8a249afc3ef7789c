// Issue 12, the newcomer check: every story's follow-ups ("Then change …") are performed in the
// browser, one click each, and what the page says for each is what the panel computed; what a
// step points at is on screen after it; a fixed-output input is described as what it is; "New
// URL, old hash" says who is wrong. Screenshots of every scenario before, after its suggested
// edit and after each follow-up (in DRVLAB_SHOTS).
// Run: DRVLAB_URL=http://127.0.0.1:PORT/ node --test e2e/teach-steps.test.mjs
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openApp, shot, textOf, BASE_URL } from './harness.mjs';
import { loadScenario } from './ui.mjs';

const SCENARIOS = [
  'fetch-build-app', 'pullimage-collapse', 'input-derivations', 'local-source', 'garbage-builder', 'url-changed',
  'rerun-on-change', 'font-fod', 'multiple-outputs', 'content-addressed',
];

/** Is the (first) element matching `selector` entirely inside the viewport? */
async function inView(page, selector) {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) return false;
    const r = el.getBoundingClientRect();
    return r.height > 0 && r.top >= -1 && r.bottom <= window.innerHeight + 1;
  }, selector);
}

/** Wait until the (first) element matching `selector` is in the viewport (scrolling is smooth or late). */
async function waitInView(page, selector) {
  await page.waitForFunction((sel) => {
    const el = document.querySelector(sel);
    if (!el) return false;
    const r = el.getBoundingClientRect();
    return r.height > 0 && r.top >= -1 && r.bottom <= window.innerHeight + 1;
  }, selector, { timeout: 3000 }).catch(() => {});
  return inView(page, selector);
}

describe('every follow-up performed; what a step points at is on screen', () => {
  let b;
  before(async () => {
    b = await launch({ width: 1280, height: 900 });
    await openApp(b.page, BASE_URL);
  });
  after(async () => {
    if (b) await b.close();
  });

  for (const id of SCENARIOS) {
    test(`${id}: the suggested edit, then every follow-up, each one click, each sentence the panel's`, async () => {
      await loadScenario(b.page, id);
      await shot(b.page, `steps-${id}-0-before`);
      await b.page.getByTestId('step-0').click();
      const verdict0 = await textOf(b.page, 'verdict');
      assert.ok((await textOf(b.page, 'suggested-outcome')).includes(verdict0), `${id}: step 0's verdict`);
      await shot(b.page, `steps-${id}-1-after-edit`);
      const n = await b.page.locator('.story .followup').count();
      for (let i = 1; i <= n; i++) {
        const said = await textOf(b.page, `followup-outcome-${i}`);
        const button = b.page.getByTestId(`step-${i}`);
        const label = await button.textContent();
        assert.match(label, /^Next, do it for me: /);
        await button.click();
        if (label.includes(': set ')) {
          // An edit: "What moved" now speaks of this step alone, and agrees with the story.
          const verdict = await textOf(b.page, 'verdict');
          assert.ok(said.includes(verdict), `${id} step ${i}: "${verdict}" is in "${said}"`);
        } else if (label.includes('nix-build')) {
          const log = await b.page.locator('pre.log').textContent();
          if (/builds nothing/.test(said)) {
            assert.match(said, /builds nothing: its output path is already valid/);
            assert.match(log, /is already valid/);
            assert.doesNotMatch(log, /building '/);
          } else if (/ fails: /.test(said)) {
            // The hash mismatch the fix relies on: the real hash is printed, in the log and the story.
            const got = log.match(/got: +(sha256-[A-Za-z0-9+/=]+)/);
            assert.ok(got, log);
            assert.ok(said.includes(`got: ${got[1]}`), said);
            assert.match(log, /hash mismatch in fixed-output derivation/);
          } else {
            assert.match(said, /builds 1 derivation: .*hash verified/);
            assert.match(log, /hash verified/);
          }
          assert.ok(await waitInView(b.page, 'pre.log'), `${id}: the build log is on screen`);
        } else {
          assert.match(label, /select /);
        }
        await shot(b.page, `steps-${id}-${i + 1}-after-followup-${i}`);
      }
    });
  }

  test('font-fod: the lint the story points at stays on screen when theme is selected, however', async () => {
    for (const how of ['list', 'graph', 'button']) {
      await loadScenario(b.page, 'font-fod');
      await b.page.getByTestId('step-0').click();
      if (how === 'list') {
        const item = b.page.locator('.drvlist button', { hasText: /^theme$/ });
        await item.scrollIntoViewIfNeeded();
        await item.click();
      } else if (how === 'graph') {
        const node = b.page.getByRole('button', { name: 'select theme', exact: true });
        await node.scrollIntoViewIfNeeded();
        await node.click();
      } else {
        await b.page.getByTestId('step-1').click();
      }
      await b.page.locator('section.editor .lints').waitFor();
      assert.match(await b.page.locator('section.editor .lints').textContent(), /propagates store paths to its users/);
      assert.ok(await waitInView(b.page, 'section.editor .lints'), `theme's lint is on screen after selecting by ${how}`);
      await shot(b.page, `steps-font-fod-theme-by-${how}`);
    }
    assert.match(await textOf(b.page, 'followup-outcome-1'), /the page warns on theme: propagates store paths/);
  });

  test('input-derivations: both points within two clicks, and the fixed-output input said as what it is', async () => {
    await loadScenario(b.page, 'input-derivations');
    await b.page.getByTestId('step-0').click();
    assert.match(await textOf(b.page, 'verdict'), /^nix-build would rebuild: lib, tool, app$/);
    await b.page.getByTestId('step-1').click();
    assert.equal(await textOf(b.page, 'verdict'), 'nothing rebuilds: only .drv files changed — the old outputs are reused');
    // lib is selected: its output pipeline names patch (fixed-output) by its fixed:out: string.
    const pipe = b.page.getByRole('list', { name: /^how output out is computed/ });
    const text = await pipe.textContent();
    assert.match(text, /input patch/);
    assert.match(text, /the hash that stands for it here \(sha256 of "fixed:out:<method><algo>:<hash>:<output path>", its declared output\)/);
    assert.doesNotMatch(text, /patch's hash with outputs filled in/);
    const marked = await pipe.locator('mark.repl').first().getAttribute('title');
    assert.match(marked, /^patch's hash for dependents: sha256 of "fixed:out:/);
    await shot(b.page, 'steps-input-derivations-lib-pipeline');
    // patch's own row is labelled from its kind, and its trace shows the string that was hashed.
    await b.page.locator('.drvlist button', { hasText: /^patch$/ }).click();
    const paths = b.page.getByRole('region', { name: 'paths of patch' });
    assert.match(await paths.textContent(), /hash for dependents \(of its declared output\)/);
    assert.doesNotMatch(await paths.textContent(), /outputs filled in/);
    // An input-addressed input is still "its hash with outputs filled in".
    await b.page.locator('.drvlist button', { hasText: /^tool$/ }).click();
    const toolPipe = b.page.getByRole('list', { name: /^how output out is computed/ });
    assert.match(await toolPipe.textContent(), /input lib.*\(its hash with outputs filled in\)/s);
  });

  test('url-changed: the page says plainly who is wrong, and the fix is one click', async () => {
    await loadScenario(b.page, 'url-changed');
    const said = await textOf(b.page, 'suggested-outcome');
    assert.match(said, /Who is wrong: not Nix\./);
    await b.page.getByTestId('step-0').click();
    const panel = await b.page.getByRole('region', { name: 'what the last edit did' }).textContent();
    assert.match(panel, /Who is wrong: not Nix\./);
    assert.match(panel, /the declared hash is now wrong and you must change it: put a fake one \(lib\.fakeHash\), let the build fail with a hash mismatch, and copy the real hash/);
    await b.page.getByTestId('step-1').click();
    assert.equal(await textOf(b.page, 'verdict'), 'nix-build would rebuild: src, hello');
    const after = await b.page.getByRole('region', { name: 'what the last edit did' }).textContent();
    assert.doesNotMatch(after, /Who is wrong/);
  });
});
