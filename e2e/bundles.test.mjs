// The page's wasm is built with panic=immediate-abort (scripts/rustc-web.sh): a bug is a wasm trap
// (a WebAssembly.RuntimeError), not a Rust panic, so ui/share.rs's panic hook never runs. The
// handler in index.html takes its place: the "drvlab hit a bug" notice with the state's link, kept
// in the browser, and offered (not reopened) on the next load by the page itself.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openApp, shot, BASE_URL } from './harness.mjs';

// (module (func (export "f") unreachable)): calling f traps as a Rust panic does in this build.
const TRAP_MODULE = [
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
  0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, 0x0a, 0x05, 0x01, 0x03, 0x00, 0x00, 0x0b,
];

describe('a wasm trap on the page', () => {
  let b;
  before(async () => {
    b = await launch({ width: 1280, height: 800 });
  });
  after(async () => {
    if (b) await b.close();
  });

  test('shows the bug notice with the link of the state, and the next load offers that link', async () => {
    const p = b.page;
    await openApp(p, new URL('?scenario=url-changed', BASE_URL).href);
    await p.waitForFunction(() => location.hash.startsWith('#s1.'));
    const link = await p.evaluate(() => location.href);
    // A real trap, uncaught, from a task of its own (as a trap in an event handler is).
    await p.evaluate((bytes) => {
      const instance = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(bytes)));
      setTimeout(() => instance.exports.f(), 0);
    }, TRAP_MODULE).catch(() => {});
    const crash = p.getByTestId('crash');
    await crash.waitFor();
    assert.match(await crash.textContent(), /drvlab hit a bug and stopped/);
    assert.match(await crash.textContent(), /What went wrong, for a bug report: .*unreachable/);
    assert.equal(await crash.getByRole('textbox', { name: 'link to your work' }).inputValue(), link);
    assert.equal(await p.evaluate(() => localStorage.getItem('drvlab.crashed')), link);
    await shot(p, 'bundles-crash');

    // Next visit without a link: the state is offered, not reopened by itself.
    await openApp(p, BASE_URL);
    await p.getByText(/drvlab hit a bug last time/).waitFor();
    assert.equal(await p.locator('#refused-link').inputValue(), link);
  });
});

// The embed is drawn without Yew (ui/embed.rs: plain DOM, one click handler on #app): each of its
// actions, its notices and its link follow the state as the page's do.
describe('the embed, drawn by its own bundle', () => {
  let b;
  before(async () => {
    b = await launch({ width: 900, height: 900 });
  });
  after(async () => {
    if (b) await b.close();
  });

  test('Try it, Undo, the fragment and the full-page link follow the state', async () => {
    const p = b.page;
    await openApp(p, new URL('?embed&scenario=url-changed', BASE_URL).href);
    assert.equal(await p.evaluate(() => window.drvlabBundle), 'embed');
    const drv = async () => (await p.getByTestId('drv-path-src').textContent()).trim();
    const before = await drv();
    const undo = p.getByRole('button', { name: 'Undo' });
    assert.ok(await undo.isDisabled(), 'nothing to undo yet');
    const tryIt = p.getByRole('button', { name: /^Try it: set src's env\.url/ });
    await tryIt.click();
    await p.locator('.change p.verdict').waitFor();
    assert.notEqual(await drv(), before);
    assert.ok(await tryIt.isDisabled(), 'Try it is done once');
    assert.equal(await p.locator('.fateline').first().textContent(), 'src: ○ .drv only');
    assert.ok(await p.locator('.pathline.moved [data-testid="drv-path-src"]').count(), 'the moved .drv is marked');
    const tried = await p.evaluate(() => location.hash);
    assert.match(tried, /^#s1\./);
    const full = await p.getByRole('link', { name: /Open in the full playground/ }).getAttribute('href');
    assert.ok(full.endsWith(tried), `the full-page link holds the state shown: ${full}`);
    await shot(p, 'bundles-embed-tried');
    await undo.click();
    await p.waitForFunction((b) => document.querySelector('[data-testid="drv-path-src"]').textContent.trim() === b, before);
    assert.notEqual(await p.evaluate(() => location.hash), tried);
  });

  test('a link it cannot open: the notice (dismissable) and the link to copy', async () => {
    const p = b.page;
    await openApp(p, new URL('?embed#s1.garbage', BASE_URL).href);
    const notice = p.locator('.notice[role="alert"]');
    assert.match(await notice.textContent(), /This link could not be opened: the link's state is not valid base64url/);
    assert.equal(await p.locator('#refused-link').inputValue(), new URL('?embed#s1.garbage', BASE_URL).href);
    assert.match((await p.locator('[data-testid^="drv-path-"]').first().textContent()).trim(), /^\/nix\/store\//, 'the default scenario is shown');
    await p.getByRole('button', { name: 'dismiss' }).click();
    await notice.waitFor({ state: 'detached' });
    assert.equal(await p.locator('#refused-link').count(), 1, 'the refused link stays until an edit');
  });
});
