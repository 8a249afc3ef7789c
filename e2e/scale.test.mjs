// The page at scale: real Nix instantiates a 5,000-derivation chain and a 600-derivation
// stdenv-shaped closure (a chain whose every member also uses one common `stdenv`); each is
// pasted into the import panel as `nix show-derivation -r` JSON. The test prints the figures
// (first paths, keystroke, longest task, layout) and asserts that the page stays responsive
// (longest task while typing under a generous 200 ms) and that the paths shown are Nix's.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch, openApp, textOf, STORE_PATH_RE, BASE_URL, SHOTS, ms } from './harness.mjs';
import { nixAvailable } from './nix.mjs';

const env = { ...process.env, NIX_CONFIG: 'build-users-group =\nexperimental-features = nix-command' };

// d_i uses d_(i-1) (and, with common, stdenv): the shape of every nixpkgs closure.
const CHAIN_NIX = `{ n, common }:
let
  mk = name: script: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" script ]; };
  stdenv = mk "stdenv" "echo stdenv > $out";
  step = prev: i: mk "pkg\${toString i}" "echo \${if common then "\${stdenv} " else ""}\${if prev == null then "" else "\${prev} "}> $out";
in builtins.foldl' step null (builtins.genList (i: i + 1) n)
`;

/** `nix show-derivation -r` JSON of the chain, as text, and its last derivation's out path. */
function closure(n, common) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drvlab-scale-'));
  try {
    const file = path.join(dir, 'chain.nix');
    fs.writeFileSync(file, CHAIN_NIX);
    const run = (cmd, args) => execFileSync(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 }).toString();
    const top = run('nix-instantiate', [file, '--arg', 'n', String(n), '--arg', 'common', String(common)]).trim();
    const json = run('nix', ['show-derivation', '-r', top]);
    const out = JSON.parse(json)[top].outputs.out.path;
    return { json, top, out };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Before any script of the page: record every long task (start, duration).
const LONGTASKS = `(() => {
  window.__longtasks = [];
  try {
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longtasks.push([e.startTime, e.duration]); })
      .observe({ type: 'longtask', buffered: true });
  } catch (e) {}
  // Every progress line an import shows, as it shows it.
  window.__progress = [];
  new MutationObserver(() => {
    const t = document.querySelector('[data-testid="import-progress"]')?.textContent;
    if (t && window.__progress[window.__progress.length - 1] !== t) window.__progress.push(t);
  }).observe(document, { subtree: true, childList: true, characterData: true });
})();`;

/** A screenshot of the top of the page (a full-page one of a 3 MB paste takes too long). */
async function shot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), timeout: 60_000 });
}

const longestSince = (page, t) => page.evaluate((t) => Math.max(0, ...window.__longtasks.filter(([s]) => s >= t).map(([, d]) => d)), t);

/** Pastes `json` into the import panel and imports it; returns the page-clock time of the click. */
async function importJson(page, json) {
  const details = page.locator('details', { has: page.locator('summary', { hasText: 'Import your own derivation' }) });
  if (!(await details.evaluate((d) => d.open))) await details.locator('summary').click();
  // Pasted (typing 3 MB would take minutes): a paste this big is held aside, never put in the box.
  await page.locator('#import-text').evaluate((el, text) => {
    const data = new DataTransfer();
    data.setData('text/plain', text);
    el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, json);
  await page.getByTestId('import-aside').waitFor();
  const t0 = await page.evaluate(() => performance.now());
  await page.getByRole('button', { name: 'Import and verify' }).click();
  return t0;
}

/** Types `text` into a textbox one key at a time, each as an input event; returns the longest
 * synchronous handling of one key (reducer + render) in ms. */
async function typeTimed(page, locator, text) {
  const handle = await locator.elementHandle();
  let worst = 0;
  for (const ch of text) {
    const t = await page.evaluate(([el, ch]) => {
      const t0 = performance.now();
      el.value += ch;
      el.dispatchEvent(new InputEvent('input', { bubbles: true, data: ch, inputType: 'insertText' }));
      return performance.now() - t0;
    }, [handle, ch]);
    worst = Math.max(worst, t);
    await page.waitForTimeout(30);
  }
  return worst;
}

describe('the page at scale', { skip: !nixAvailable() && 'real Nix is not installed' }, () => {
  let b;
  let chainTypingTask = Infinity;
  let chainKeystroke = Infinity;
  let chain;
  let stdenv;
  let small;
  before(async () => {
    chain = closure(5000, false);
    stdenv = closure(600, true);
    small = closure(3, false);
    b = await launch({ width: 1280, height: 900 });
    await b.page.addInitScript(LONGTASKS);
    b.page.setDefaultTimeout(60_000);
    await openApp(b.page, BASE_URL);
  });
  after(async () => {
    if (b) await b.close();
  });

  test('a 5,000-derivation chain: imported, first paths, keystrokes, the sweep', async () => {
    const p = b.page;
    const t0 = await importJson(p, chain.json);
    await p.waitForFunction((want) => document.querySelector('[data-testid="out-path-pkg5000-out"]')?.textContent.trim() === want, chain.out, { timeout: 60_000 });
    const tPaths = await p.evaluate(() => performance.now());
    const firstPaths = tPaths - t0;
    const importTask = await longestSince(p, t0);
    // The graph's link (~55 KB) is written once the page is quiet, deflated in slices: at once,
    // it had been one task of 0.1–0.2 s after the load and after every pause in typing.
    await p.waitForFunction(() => location.hash.startsWith('#s1.') && location.hash.length > 40000, null, { timeout: 30_000 });
    const linkTask = await longestSince(p, tPaths);
    assert.ok(linkTask < 300, `the longest task between the paths and the link was ${ms(linkTask)}`);
    // The import ran in slices, saying how far it got, stage by stage.
    const progress = await p.evaluate(() => window.__progress);
    for (const stage of ['Reading', 'Verifying', 'Lifting to attributes', 'Evaluating for the page']) {
      assert.ok(progress.some((l) => new RegExp(`^${stage}: [\\d,]+ of 5,000 derivations…$`).test(l)), `${stage} in ${JSON.stringify(progress.slice(0, 40))}`);
    }
    assert.ok(progress.includes('Loading 5,000 derivations into the playground…'), JSON.stringify(progress.slice(-5)));
    // Generous (no timed test): one task of the import was 0.4–0.7 s before it ran in slices.
    assert.ok(importTask < 300, `the longest task of the import was ${ms(importTask)}`);
    assert.match(await textOf(p, 'drv-path-pkg5000'), STORE_PATH_RE);
    assert.equal(await textOf(p, 'drv-path-pkg5000'), chain.top, 'the .drv path Nix wrote');
    // The 3 MB paste is held aside, out of the box (Chromium takes seconds to fill a box with
    // megabytes, and then lays it out again on every redraw that moves it).
    assert.match(await textOf(p, 'import-aside'), /^\d+ KB held aside, out of the box .*Import and verify reads it/);
    assert.equal(await p.locator('#import-text').inputValue(), '');
    // 3 MB would take the browser seconds to put in the box: the page says how to edit it instead.
    assert.match(await textOf(p, 'import-aside'), /too big to edit in the page: to change it, use a text editor and drop the file here\.$/);
    assert.equal(await p.getByRole('button', { name: 'Put it in the box' }).count(), 0);

    const region = p.getByRole('region', { name: 'pkg5000', exact: true });
    const builder = region.getByRole('textbox', { name: 'builder' });
    await builder.waitFor();
    const t1 = await p.evaluate(() => performance.now());
    const keystroke = await typeTimed(p, builder, 'abcde');
    await p.waitForFunction((old) => document.querySelector('[data-testid="out-path-pkg5000-out"]')?.textContent.trim() !== old, chain.out);
    const moved = await textOf(p, 'out-path-pkg5000-out');
    assert.match(moved, STORE_PATH_RE, 'the edited derivation shows a new out path');
    assert.notEqual(moved, chain.out);
    // The sweep of the edited derivation finishes, in slices.
    await p.waitForFunction(() => !document.querySelector('[data-testid="sweep-progress"]'), null, { timeout: 120_000 });
    const typingTask = await longestSince(p, t1);
    await shot(p, 'scale-chain-5000');
    console.log(
      `SCALE 5,000 chain: first paths ${ms(firstPaths)} after the import click (longest task of the import ${ms(importTask)}, target 50 ms: ${importTask < 50 ? 'met' : 'OVER'}; ${progress.length} progress lines); ` +
        `keystroke ${keystroke.toFixed(1)} ms (longest of 5, reducer + render; target 16 ms: ${keystroke < 16 ? 'met' : 'OVER'}); longest task while typing and sweeping ${ms(typingTask)}; ` +
        `longest task from the paths to the link written ${ms(linkTask)}`,
    );
    assert.equal(await p.locator('.dag svg g.node').count() <= 40, true, 'the drawing is capped');
    chainTypingTask = typingTask;
    chainKeystroke = keystroke;
  });

  // The target is 16 ms of main-thread work (the figure and its verdict are printed above); the
  // assertion is that typing stays interactive on a loaded CI machine.
  test('a keystroke on the 5,000 chain stays interactive', () => {
    assert.ok(chainKeystroke < 100, `a keystroke took ${chainKeystroke} ms`);
  });

  // "What moved" finds each derivation's fate in one pass over the change (account::drv_fates),
  // so an edit's render no longer blocks for seconds. The figure (about 120 ms here) is printed
  // above; the assertion is only that the tab never freezes, with room for a loaded CI machine.
  test('no task of the 5,000 chain edit blocks the page 1 s', () => {
    assert.ok(chainTypingTask < 1000, `a task of ${chainTypingTask} ms blocked the page while typing`);
  });

  // A list of 5,000 outputs was built (and rebuilt on each keystroke) for "Use an output of": a
  // big graph asks for a typed key instead, with a few suggestions and a message for a wrong one.
  test('a big graph: "Use an output of" is a typed key with suggestions, checked', async () => {
    const p = b.page;
    const region = p.getByRole('region', { name: 'pkg5000', exact: true });
    const add = region.getByRole('combobox', { name: 'use an output of another derivation' });
    assert.equal(await add.evaluate((el) => el.tagName), 'INPUT');
    assert.equal(await p.locator('select#add-input option').count(), 0, 'no list of thousands');
    await add.fill('pkg12');
    await p.waitForFunction(() => document.querySelectorAll('#add-input-suggested option').length > 0);
    const suggested = await p.locator('#add-input-suggested option').evaluateAll((os) => os.map((o) => o.value));
    assert.ok(suggested.length <= 20 && suggested.every((v) => v.includes('pkg12')), suggested.join(' '));
    await add.fill('pkg99999');
    await add.press('Enter');
    assert.match(await region.getByRole('alert').filter({ hasText: 'pkg99999' }).textContent(), /"pkg99999" was not added: there is no derivation "pkg99999" in this graph/);
    const before = await textOf(p, 'drv-path-pkg5000');
    await add.fill('pkg12');
    await add.press('Enter');
    await p.waitForFunction((old) => document.querySelector('[data-testid="drv-path-pkg5000"]')?.textContent.trim() !== old, before);
    assert.match(await region.locator('p.inputs').textContent(), /pkg12/);
    assert.equal(await add.inputValue(), '', 'the field is emptied once added');
  });

  // Re-exporting 3 MB on every keystroke (and refilling a box with it) froze the tab ~5 s a key.
  test('a big export is a download, made once, that says when the graph has moved on', async () => {
    const p = b.page;
    const blobJson = () => p.locator('[data-testid="export-big"] a').evaluate(async (a) => JSON.parse(await (await fetch(a.href)).text()));
    await p.getByRole('button', { name: 'Export JSON (nix show-derivation)' }).click();
    assert.match(await textOf(p, 'export-big'), /^The export is \d+ KB, too big to show in a box here: download derivations\.json or copy it\. It begins:$/);
    assert.equal(await p.getByRole('textbox', { name: 'exported json' }).count(), 0, 'no box of megabytes');
    let drv = await textOf(p, 'drv-path-pkg5000');
    let shown = await blobJson();
    assert.equal(Object.keys(shown).length, 5000);
    assert.ok(shown[drv], 'the download holds the derivation the page shows');
    const region = p.getByRole('region', { name: 'pkg5000', exact: true });
    const builder = region.getByRole('textbox', { name: 'builder' });
    const toFrame = await builder.evaluate((el) => new Promise((r) => {
      const t0 = performance.now();
      el.value += 'z';
      el.dispatchEvent(new InputEvent('input', { bubbles: true, data: 'z', inputType: 'insertText' }));
      requestAnimationFrame(() => setTimeout(() => r(performance.now() - t0), 0));
    }));
    console.log(`SCALE 5,000 chain with its JSON export open: a keystroke to the next frame ${ms(toFrame)}`);
    assert.ok(toFrame < 1000, `a keystroke with the export open took ${toFrame} ms to the next frame`);
    await p.getByTestId('export-stale').waitFor();
    await p.waitForFunction((old) => document.querySelector('[data-testid="drv-path-pkg5000"]')?.textContent.trim() !== old, drv);
    await p.getByRole('button', { name: 'Export it again' }).click();
    await p.getByTestId('export-stale').waitFor({ state: 'detached' });
    drv = await textOf(p, 'drv-path-pkg5000');
    shown = await blobJson();
    assert.ok(shown[drv], 'exported again: the new .drv path');
  });

  test('a 600-derivation stdenv-shaped closure: layout, the focus, a keystroke', async () => {
    const p = b.page;
    const t0 = await importJson(p, stdenv.json);
    await p.waitForFunction((want) => document.querySelector('[data-testid="out-path-pkg600-out"]')?.textContent.trim() === want, stdenv.out, { timeout: 60_000 });
    const firstPaths = (await p.evaluate(() => performance.now())) - t0;
    const importTask = await longestSince(p, t0);
    const layoutMs = await p.evaluate(() => window.drvlabLayoutMs);
    // The drawing shows the selection's neighbourhood, with markers for what is not drawn.
    assert.match(await textOf(p, 'dag-focus'), /601 derivations/);
    const nodes = await p.locator('.dag svg g.node').count();
    assert.ok(nodes >= 3 && nodes <= 40, `${nodes} nodes drawn`);
    assert.match(await p.locator('[data-testid="more-inputs"]').first().textContent(), /\+\d+ ▲$/);
    await shot(p, 'scale-stdenv-600');
    // Move the view: select stdenv (its users are the whole chain).
    await p.locator('.dag svg g.node', { hasText: 'stdenv' }).first().click();
    await p.waitForFunction(() => /around the selected one, stdenv/.test(document.querySelector('[data-testid="dag-focus"]')?.textContent ?? ''));
    const layoutStdenv = await p.evaluate(() => window.drvlabLayoutMs);
    await shot(p, 'scale-stdenv-600-stdenv');
    const region = p.getByRole('region', { name: 'stdenv', exact: true });
    const builder = region.getByRole('textbox', { name: 'builder' });
    const t1 = await p.evaluate(() => performance.now());
    const keystroke = await typeTimed(p, builder, 'x');
    await p.waitForFunction(() => !document.querySelector('[data-testid="sweep-progress"]'), null, { timeout: 120_000 });
    const typingTask = await longestSince(p, t1);
    // The figure (target: no task over 50 ms) is printed below; the assertion is that the tab
    // never freezes, with room for a loaded CI machine.
    assert.ok(typingTask < 1000, `a task of ${typingTask} ms blocked the page while typing and sweeping`);
    assert.match(await textOf(p, 'out-path-stdenv-out'), STORE_PATH_RE);
    // What was held aside goes into the box, byte for byte.
    await p.getByRole('button', { name: 'Put it in the box' }).click();
    await p.getByTestId('import-aside').waitFor({ state: 'detached' });
    assert.equal(await p.locator('#import-text').inputValue(), stdenv.json);
    console.log(
      `SCALE 601 stdenv-shaped closure: first paths ${ms(firstPaths)} (longest task of the import ${ms(importTask)}); ` +
        `layout ${layoutMs.toFixed(1)} ms (pkg600's neighbourhood), ${layoutStdenv.toFixed(1)} ms (stdenv's); ` +
        `keystroke on stdenv (moves all 601) ${keystroke.toFixed(1)} ms; longest task while typing and sweeping ${ms(typingTask)}`,
    );
  });

  test('a file dropped while a big import runs replaces it: the newest import is the one loaded', async () => {
    const p = b.page;
    await p.evaluate(() => { window.__progress = []; });
    await importJson(p, chain.json);
    // Under way, past reading: then a small closure is dropped on the box.
    await p.waitForFunction(() => /^(Verifying|Lifting)/.test(document.querySelector('[data-testid="import-progress"]')?.textContent ?? ''), null, { timeout: 60_000 });
    await p.locator('#import-text').evaluate((el, text) => {
      const data = new DataTransfer();
      data.items.add(new File([text], 'small.json', { type: 'application/json' }));
      el.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    }, small.json);
    await p.waitForFunction((want) => document.querySelector('[data-testid="out-path-pkg3-out"]')?.textContent.trim() === want, small.out, { timeout: 60_000 });
    await p.getByTestId('import-progress').waitFor({ state: 'detached' });
    // Longer than the whole chain's import takes: it was dropped, not finished and loaded later.
    await p.waitForTimeout(4000);
    assert.equal(await p.locator('[data-testid="out-path-pkg5000-out"]').count(), 0, 'the replaced import never loads');
    assert.equal(await textOf(p, 'out-path-pkg3-out'), small.out);
    assert.equal(await p.getByTestId('import-progress').count(), 0, 'no progress line is left over from the replaced import');
    const progress = await p.evaluate(() => window.__progress);
    assert.ok(!progress.includes('Loading 5,000 derivations into the playground…'), JSON.stringify(progress.slice(-8)));
    assert.equal(await p.locator('#import-text').inputValue(), small.json, 'the dropped file is in the box');
    await shot(p, 'scale-import-replaced');
  });
});
