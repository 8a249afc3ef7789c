// The derivation forms real closures use, made in the page's editor: structured attributes with
// values of every JSON type, an impure derivation, and Nix 2.8's name rules. Every path the page
// shows must be what real Nix writes for the page's own .nix export.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openApp, shot, BASE_URL } from './harness.mjs';
import { nixAvailable, assertMatchesNix } from './nix.mjs';
import { UNKNOWN } from './ui.mjs';

describe('structured attributes, impure derivations and the Nix version', () => {
  let b;
  before(async () => {
    b = await launch({ width: 1280, height: 900 });
    await openApp(b.page, BASE_URL);
  });
  after(async () => {
    if (b) await b.close();
  });

  test('structured attributes with a JSON value: the paths are Nix\'s', async () => {
    const page = b.page;
    const before = await page.getByTestId('out-path-build-out').first().textContent();
    await page.getByRole('checkbox', { name: 'structured attributes' }).check();
    await page.getByRole('button', { name: '+ value' }).click();
    const value = page.getByRole('textbox', { name: 'value value1' });
    await value.fill('[1, 2.5, "x", {"a": null, "b": true}');
    await assert.doesNotReject(page.getByText('not JSON yet').first().waitFor());
    await value.fill('[1, 2.5, "x", {"a": null, "b": true}]');
    await page.waitForFunction(() => !document.body.textContent.includes('not JSON yet'));
    const after = await page.getByTestId('out-path-build-out').first().textContent();
    assert.notEqual(after, before, 'structured attributes move the output path');
    await shot(page, 'forms-structured');
    if (nixAvailable()) await assertMatchesNix(page, 'structured attributes');
  });

  test('an impure derivation has no output path, and a name Nix 2.8 accepts resolves under 2.8', async () => {
    const page = b.page;
    await page.getByRole('checkbox', { name: 'structured attributes' }).uncheck();
    await page.getByRole('button', { name: /remove value/ }).click();
    await page.getByRole('checkbox', { name: 'impure' }).check();
    assert.equal((await page.getByTestId('out-path-build-out').first().textContent()).trim(), UNKNOWN);
    await page.getByRole('checkbox', { name: 'impure' }).uncheck();
    await page.getByRole('textbox', { name: 'name', exact: true }).fill('..a');
    await page.getByRole('combobox', { name: 'Nix version behaviour' }).selectOption('2.8');
    await page.waitForFunction(() => /\.\.a$/.test(document.querySelector('[data-testid="out-path-build-out"]')?.textContent.trim() ?? ''));
    await shot(page, 'forms-nix28-name');
    if (nixAvailable()) await assertMatchesNix(page, 'a leading-dot name under Nix 2.8');
  });
});
