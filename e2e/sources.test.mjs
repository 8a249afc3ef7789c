// Sources on the page: a small directory added with builtins.path, edited entry by entry; what
// moves is checked against real Nix through the page's export (a script that writes the tree).
// Run: DRVLAB_URL=http://127.0.0.1:PORT/ node --test e2e/
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openApp, shot, textOf, STORE_PATH_RE, BASE_URL } from './harness.mjs';
import { nixAvailable, assertMatchesNix } from './nix.mjs';
import { pagePaths } from './ui.mjs';

describe('drvlab sources', () => {
  let b;
  const noNix = !nixAvailable() && 'nix-instantiate missing';
  before(async () => {
    b = await launch({ width: 1280, height: 900 });
    await openApp(b.page, BASE_URL);
  });
  after(async () => {
    if (b) await b.close();
  });

  test('a directory source: its path, an executable bit that moves it, a bad entry, and real Nix agrees', { skip: noNix }, async () => {
    const p = b.page;
    await p.getByRole('button', { name: 'build', exact: true }).click();
    const editor = p.getByRole('region', { name: 'build', exact: true });
    await editor.getByRole('button', { name: '+ directory (builtins.path)' }).click();
    const src = editor.locator('.source').last();
    const srcPath = src.locator('[data-testid^="source-path-"]');
    const first = (await srcPath.textContent()).trim();
    assert.match(first, STORE_PATH_RE);
    assert.match(first, /-dir\d+$/);
    const attr = first.replace(/^.*-/, '');
    await assertMatchesNix(p, 'directory source added');

    // bin/run stops being executable: the NAR differs, so the source path, build and app move.
    const before = await pagePaths(p);
    await src.getByRole('combobox', { name: `source ${attr} entry 2 kind` }).selectOption('regular');
    await p.waitForFunction((old) => document.querySelector('[data-testid="drv-path-build"]').textContent.trim() !== old, before['drv-path-build']);
    const after = await pagePaths(p);
    assert.notEqual((await srcPath.textContent()).trim(), first, 'the source path moved');
    for (const t of ['drv-path-build', 'out-path-build-out', 'drv-path-app', 'out-path-app-out']) assert.notEqual(after[t], before[t], `${t} moved`);
    for (const t of ['drv-path-fetch', 'out-path-fetch-out']) assert.equal(after[t], before[t], `${t} stays`);
    await assertMatchesNix(p, 'executable bit cleared');

    // An impossible entry: marked on its own field, the last good paths stay (greyed).
    const pathBox = src.getByRole('textbox', { name: `source ${attr} entry 1 path` });
    await pathBox.fill('docs/../README');
    await src.getByRole('alert').filter({ hasText: 'component ".."' }).waitFor();
    assert.deepEqual(await pagePaths(p), after, 'last good paths stay');
    assert.equal(await pathBox.inputValue(), 'docs/../README', 'what was typed stays');
    // Fixed, plus a symlink and an empty directory: still what real Nix computes.
    await pathBox.fill('docs/README');
    await editor.getByRole('button', { name: `+ entry in ${attr}` }).click();
    await src.getByRole('combobox', { name: `source ${attr} entry 3 kind` }).selectOption('symlink');
    await src.getByRole('textbox', { name: `source ${attr} entry 3 link target` }).fill('docs/README');
    await editor.getByRole('button', { name: `+ entry in ${attr}` }).click();
    await src.getByRole('textbox', { name: `source ${attr} entry 4 path` }).fill('empty/');
    await p.waitForFunction(() => !document.querySelector('.drvlist .stale'));
    await assertMatchesNix(p, 'directory with symlink and empty directory');
    await src.scrollIntoViewIfNeeded();
    await shot(p, 'directory-source');
    assert.equal(b.errors.length, 0, b.errors.join('\n'));
  });
});
