// Nothing a link, a paste or a typed value can do breaks the page, loses work or runs code
// (issue 11): one test per harm, asserting on what a person sees.
// Run: DRVLAB_URL=http://127.0.0.1:PORT/ node --test e2e/
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch, openApp, shot, BASE_URL } from './harness.mjs';
import { nixAvailable, exportNix, assertMatchesNix } from './nix.mjs';
import { openDetails } from './ui.mjs';

/** A share link for a state, as the page makes them (raw deflate, base64url, "s1."). */
const link = (state, base = BASE_URL) =>
  `${base}#s1.${zlib.deflateRawSync(Buffer.from(JSON.stringify(state))).toString('base64url')}`;

const spec = (name, extra = {}) => ({
  name, system: 'x86_64-linux', builder: '/bin/sh', args: ['-c', 'echo hi > $out'], env: [], outputs: [],
  fixed: null, content_addressed: false, sources: [], ...extra,
});

const env = { ...process.env, NIX_CONFIG: 'build-users-group =\nexperimental-features = nix-command ca-derivations' };

/** nix-instantiate a text; returns { ok, stdout, stderr }. */
function instantiateRaw(text) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drvlab-e2e-hostile-'));
  const file = path.join(dir, 'x.nix');
  fs.writeFileSync(file, text);
  try {
    const stdout = execFileSync('nix-instantiate', [file], { env, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    return { ok: true, stdout, stderr: '' };
  } catch (e) {
    return { ok: false, stdout: String(e.stdout ?? ''), stderr: String(e.stderr ?? '') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('drvlab safety', () => {
  let b;
  const noNix = !nixAvailable() && 'nix-instantiate missing';
  before(async () => {
    b = await launch({ width: 1280, height: 900 });
  });
  after(async () => {
    if (b) await b.close();
  });

  test('link: hostile text and an empty store source export escaped, quickly, and run nothing in Nix', { skip: noNix }, async () => {
    const p = b.page;
    const hostile = '${builtins.trace "PWNED" 1} "q" \\ \'\' $${x}';
    const state = {
      v: 1, selected: 'b',
      specs: {
        b: spec('b', { env: [['x', hostile]], args: ['-c', hostile], store_srcs: [''] }),
      },
    };
    await openApp(p, link(state));
    const editor = p.getByRole('region', { name: 'b', exact: true });
    // The store source the link carried is shown, with what is wrong with it.
    const srcs = editor.getByRole('group', { name: 'store paths used as sources' });
    await srcs.waitFor();
    assert.match(await srcs.textContent(), /is not a store path/);
    await shot(p, 'safety-link-store-source');
    const t0 = Date.now();
    const nix = await exportNix(p);
    assert.ok(Date.now() - t0 < 5000, `export took ${Date.now() - t0} ms`);
    assert.ok(nix.includes('\\${builtins.trace'), nix);
    const r = instantiateRaw(nix);
    assert.ok(!r.stderr.includes('trace: PWNED'), r.stderr);
    // Without the bad store source the graph evaluates, and real Nix agrees with every path.
    await srcs.getByRole('button', { name: 'remove store source 0' }).click();
    await p.locator('[data-testid="drv-path-b"]').first().waitFor();
    await assertMatchesNix(p, 'hostile text after removing the empty store source');
    const again = instantiateRaw(await exportNix(p));
    assert.ok(again.ok && !again.stderr.includes('trace:'), again.stderr);
    assert.deepEqual(b.errors, [], b.errors.join('\n'));
  });

  test('link: a link the page refuses stays in the address bar and is offered for copying', async () => {
    const p = b.page;
    const long = `${BASE_URL}#s1.${'A'.repeat(70000)}`;
    await p.goto('about:blank'); // a fresh load, not a same-page fragment change
    await openApp(p, long);
    await p.getByRole('alert').filter({ hasText: 'This link could not be opened' }).waitFor();
    assert.equal(p.url(), long, 'the address bar keeps the refused link');
    const kept = await p.locator('#refused-link').inputValue();
    assert.equal(kept, long);
    await shot(p, 'safety-refused-link');
  });

  test('paste and reload: 80 KB in a field offers no link but a file, and a reload keeps the work', async () => {
    const p = b.page;
    await openApp(p, `${BASE_URL}?scenario=fetch-build-app`);
    const key = (await p.locator('#f-key').inputValue()).trim();
    const editor = p.getByRole('region', { name: key, exact: true });
    const noise = crypto.randomBytes(60000).toString('base64'); // 80,000 characters, incompressible
    const arg0 = editor.getByRole('textbox', { name: 'args 0' });
    await arg0.fill(noise);
    await p.waitForFunction(() => !location.hash.includes('s1.'));
    const share = await openDetails(p, 'Share, embed');
    await share.getByTestId('no-link').waitFor();
    assert.match(await share.getByTestId('no-link').textContent(), /too large for a link/);
    assert.equal(await share.getByRole('textbox', { name: 'link to this state' }).count(), 0, 'no link is offered');
    await share.getByRole('button', { name: 'Save the state as a file' }).waitFor();
    assert.ok(!p.url().includes('#s1.'), 'the address bar holds no link the page would refuse');
    await shot(p, 'safety-too-large');
    // Reload: the edit is still there, restored from this browser.
    await openApp(p, BASE_URL);
    await p.getByText('Restored your last session').waitFor();
    const restoredKey = (await p.locator('#f-key').inputValue()).trim();
    const restored = await p.getByRole('region', { name: restoredKey, exact: true }).getByRole('textbox', { name: 'args 0' }).inputValue();
    assert.equal(restored.length, 80000);
    await shot(p, 'safety-restored');
    // Start fresh: the default scenario again.
    await p.getByRole('button', { name: 'Start fresh' }).click();
    await p.getByText('Restored your last session').waitFor({ state: 'detached' });
  });

  test('paste: the state file loads back through the import panel', async () => {
    const p = b.page;
    const state = { v: 1, selected: 'filed', specs: { filed: spec('filed') } };
    await openApp(p, `${BASE_URL}?scenario=fetch-build-app`);
    const io = await openDetails(p, 'Import your own derivation');
    await io.getByRole('textbox', { name: 'derivation to import' }).fill(JSON.stringify(state, null, 2));
    await io.getByRole('button', { name: 'Import and verify' }).click();
    await io.getByText('Read a drvlab state file.').waitFor();
    await p.getByRole('region', { name: 'filed', exact: true }).waitFor();
  });

  test('typed value: renaming a key to a taken or invalid one says why next to the field', async () => {
    const p = b.page;
    await openApp(p, link({ v: 1, selected: 'b', specs: { a: spec('a'), b: spec('b') } }));
    const keyField = p.locator('#f-key');
    await keyField.fill('a');
    await keyField.press('Enter');
    await keyField.blur();
    const err = p.locator('#f-key-err');
    await err.waitFor();
    assert.match(await err.textContent(), /already a derivation a/);
    await keyField.fill('9 bad');
    await keyField.blur();
    await p.waitForFunction(() => /starts with a letter/.test(document.querySelector('#f-key-err')?.textContent ?? ''));
    await shot(p, 'safety-rename');
  });

  test('embed: a state with a cycle or a bad name says what is wrong, where', async () => {
    const p = b.page;
    const state = {
      v: 1, selected: 'a',
      specs: { a: spec('a', { env: [['d', '${b}']] }), b: spec('b', { env: [['d', '${a}']] }), c: spec('bad name') },
    };
    const url = link(state, `${BASE_URL}?embed`);
    await openApp(p, url);
    const errs = p.getByTestId('embed-errors');
    await errs.waitFor();
    const text = await errs.textContent();
    assert.match(text, /derivation a.*refers back to itself/);
    assert.match(text, /derivation c, name: .*bad name/);
    await shot(p, 'safety-embed-errors');
  });

  test('clear errors: a hash with an accent and a zero-width space is counted in characters', async () => {
    const p = b.page;
    const hash = `é${'0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73'.slice(1)}\u200b`;
    const state = {
      v: 1, selected: 'f',
      specs: { f: spec('f', { fixed: { mode: 'flat', algo: 'sha256', hash } }) },
    };
    await openApp(p, link(state));
    const err = p.locator('.field.invalid', { has: p.getByRole('textbox', { name: 'outputHash' }) }).locator('.fielderr');
    await err.waitFor();
    const t = await err.textContent();
    assert.match(t, /is 53 characters/);
    assert.match(t, /U\+200B \(zero-width space\) at character 53/);
    assert.ok(!/Some\(|FailedCannotMakeProgress/.test(await p.locator('body').textContent()));
  });

  test('clear errors: ?scenario= is percent-decoded', async () => {
    const p = b.page;
    await openApp(p, `${BASE_URL}?scenario=url%2Dchanged`);
    assert.equal(await p.getByRole('combobox', { name: 'scenario' }).inputValue(), 'url-changed');
  });

  test('clear errors: an exercise address that answers with a page, or never answers, says so', async () => {
    const p = b.page;
    await p.goto('about:blank');
    await openApp(p, `${BASE_URL}?exercises=./`);
    const region = p.getByRole('region', { name: 'exercises' });
    await region.getByText('web page (HTML), not an exercise set').waitFor();
    assert.ok(!/line 1 column 1/.test(await region.textContent()));
    await p.route('**/never.json', () => {}); // held: the server never answers
    await p.goto('about:blank');
    await openApp(p, `${BASE_URL}?exercises=never.json`);
    await region.getByText('did not answer within 15 seconds').waitFor({ timeout: 20_000 });
    await p.unroute('**/never.json');
    await shot(p, 'safety-exercise-timeout');
  });
});
