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
