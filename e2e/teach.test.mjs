// Issue 12: every sentence computed, and the first thing said is what rebuilds. For every
// scenario: the story's computed sentence, the suggested edit performed, the verdict and the
// graph's marks agreeing with the paths on screen; screenshots before and after. Also the primer
// (dismissal remembered), the pipeline on screen without a click, and exercises that hide the
// answer while predicting.
// Run: DRVLAB_URL=http://127.0.0.1:PORT/ node --test e2e/   (screenshots in DRVLAB_SHOTS)
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openApp, shot, textOf, BASE_URL } from './harness.mjs';
import { pagePaths, loadScenario, openDetails } from './ui.mjs';

const SCENARIOS = [
  'fetch-build-app', 'pullimage-collapse', 'input-derivations', 'local-source', 'garbage-builder', 'url-changed',
  'rerun-on-change', 'font-fod', 'multiple-outputs', 'content-addressed',
];

/** The class each node of the graph carries for the last edit, by key. */
async function nodeMarks(page) {
  return page.evaluate(() => {
    const m = {};
    for (const g of document.querySelectorAll('svg g.node')) {
      const k = g.querySelector('text.k').textContent.trim();
      m[k] = ['out-moved', 'drv-moved', 'to-know'].find((c) => g.classList.contains(c)) ?? 'stays';
    }
    return m;
  });
}

describe('every sentence computed; the verdict first', () => {
  let b;
  before(async () => {
    b = await launch({ width: 1280, height: 900 });
    await openApp(b.page, BASE_URL);
  });
  after(async () => {
    if (b) await b.close();
  });

  test('the primer is above everything, dismissible, and stays dismissed after a reload', async () => {
    const primer = b.page.getByRole('complementary', { name: 'primer' });
    const text = await primer.textContent();
    assert.match(text, /The \.drv path is the hash of the recipe file/);
    assert.match(text, /The output path is where the result lives/);
    assert.match(text, /only when an output path is new/);
    const first = await b.page.evaluate(() => document.querySelector('#app').firstElementChild.className);
    assert.equal(first, 'primer');
    await b.page.getByRole('button', { name: 'dismiss the primer' }).click();
    await openApp(b.page, BASE_URL);
    assert.equal(await b.page.locator('aside.primer').count(), 0, 'dismissal remembered');
    await b.page.getByRole('button', { name: 'Show the three-line primer' }).click();
    await b.page.locator('aside.primer').waitFor();
  });

  test('the selected output pipeline is on screen without a click, in plain words, the fold shown byte by byte', async () => {
    await loadScenario(b.page, 'fetch-build-app');
    const pipe = b.page.getByRole('list', { name: /^how output out is computed/ });
    await pipe.waitFor();
    const text = await pipe.textContent();
    for (const w of ['hashed with its own outputs blank → its own output paths', 'XOR fold, byte by byte', 'byte i XOR byte i+20', 'nix32']) {
      assert.ok(text.includes(w), `pipeline says ${w}`);
    }
    assert.match(text, /byte {2}0: [0-9a-f]{2} \^ [0-9a-f]{2} = [0-9a-f]{2}/);
    const paths = await b.page.getByRole('region', { name: /^paths of / }).textContent();
    assert.ok(paths.includes('hash for dependents (outputs filled in)'));
    await shot(b.page, 'teach-pipeline-build');
  });

  for (const id of SCENARIOS) {
    test(`${id}: the computed sentence, then the suggested edit: verdict and marks agree with the paths`, async () => {
      await loadScenario(b.page, id);
      const said = await textOf(b.page, 'suggested-outcome');
      assert.match(said, /^The suggested edit, computed: (nix-build would|nothing)/);
      assert.match(said, /moves: .*; stays: /);
      await shot(b.page, `teach-${id}-before`);
      const before = await pagePaths(b.page);
      await b.page.getByRole('button', { name: /^Do it for me/ }).click();
      const verdict = await textOf(b.page, 'verdict');
      assert.ok(said.includes(verdict), `${id}: the panel's verdict "${verdict}" is the story's`);
      const after = await pagePaths(b.page);
      const marks = await nodeMarks(b.page);
      for (const k of Object.keys(marks)) {
        const outs = Object.keys(after).filter((t) => t.startsWith(`out-path-${k}-`));
        const outMoved = outs.some((t) => before[t] !== after[t]);
        const drvMoved = before[`drv-path-${k}`] !== after[`drv-path-${k}`];
        const want = outMoved ? 'out-moved' : drvMoved ? (outs.some((t) => after[t] === 'unknown until built') ? 'to-know' : 'drv-moved') : 'stays';
        assert.equal(marks[k], want, `${id}: ${k} is marked ${marks[k]}`);
      }
      const rebuilt = Object.entries(marks).filter(([, m]) => m === 'out-moved').map(([k]) => k);
      if (rebuilt.length) assert.ok(verdict.startsWith('nix-build would rebuild: '), verdict);
      else if (Object.values(marks).includes('drv-moved')) assert.equal(verdict, 'nothing rebuilds: only .drv files changed — the old outputs are reused');
      await shot(b.page, `teach-${id}-after`);
    });
  }

  test('the garbage builder: the toy store shows the reuse', async () => {
    await loadScenario(b.page, 'garbage-builder');
    const sim = await openDetails(b.page, 'Store & cache simulator');
    await sim.getByRole('button', { name: 'nix-build myfetch', exact: true }).click();
    await b.page.locator('pre.log').waitFor();
    const log = await b.page.locator('pre.log').textContent();
    assert.match(log, /is already valid/);
    assert.doesNotMatch(log, /nothing at ""/);
    await shot(b.page, 'teach-garbage-builder-sim');
  });

  test('exercises: the answer is hidden while predicting, and Reveal says why it waits', async () => {
    const x = await launch({ width: 1280, height: 900 });
    try {
      await openApp(x.page, new URL('?exercises', BASE_URL).href);
      await x.page.getByTestId('hidden-while-predicting').waitFor();
      assert.equal(await x.page.getByRole('region', { name: 'what moves' }).count(), 0, 'no matrix while predicting');
      assert.equal(await x.page.getByTestId('suggested-outcome').count(), 0, 'no computed outcome while predicting');
      assert.match(await textOf(x.page, 'reveal-why'), /0 of 3 answered/);
      const ex = x.page.getByRole('region', { name: 'exercises' });
      for (const li of await ex.locator('ol.asks > li').all()) await li.getByRole('button', { name: 'stays' }).click();
      await ex.getByRole('button', { name: 'Reveal' }).click();
      await x.page.getByRole('region', { name: 'what moves' }).waitFor();
      assert.match(await textOf(x.page, 'revealed-moves'), /^moves: src \.drv, hello \.drv; stays: /);
      // The playground below performed the edit: its verdict and marks are now on screen.
      assert.equal(await textOf(x.page, 'verdict'), 'nothing rebuilds: only .drv files changed — the old outputs are reused');
      assert.equal(await x.page.getByRole('button', { name: /^Do it for me/ }).count(), 1);
      // The next question starts again from its scenario, with the answer hidden.
      await ex.getByRole('button', { name: 'Next question' }).click();
      await x.page.getByTestId('hidden-while-predicting').waitFor();
      assert.equal(await x.page.locator('svg g.node.drv-moved, svg g.node.out-moved').count(), 0, 'no marks while predicting');
      assert.equal(await x.page.getByRole('button', { name: /^Do it for me/ }).count(), 0);
      await shot(x.page, 'teach-exercise-revealed');
    } finally {
      await x.close();
    }
  });
});
