// Screenshots to look at (issue 12): for every scenario, before its suggested edit, after it and
// after each follow-up — the top of the page as a person sees it, and close-ups of the story,
// "What moved" and the paths. node e2e/teach-shots.mjs [scenario…]  (DRVLAB_URL, DRVLAB_SHOTS set)
import { launch, openApp, BASE_URL, SHOTS } from './harness.mjs';
import { loadScenario } from './ui.mjs';
import path from 'node:path';
import fs from 'node:fs';

const ALL = [
  'fetch-build-app', 'pullimage-collapse', 'input-derivations', 'local-source', 'garbage-builder', 'url-changed',
  'rerun-on-change', 'font-fod', 'multiple-outputs', 'content-addressed',
];
const ids = process.argv.slice(2).length ? process.argv.slice(2) : ALL;
const b = await launch({ width: 1280, height: 900 });
fs.mkdirSync(SHOTS, { recursive: true });
try {
  await openApp(b.page, BASE_URL);
  for (const id of ids) {
    await loadScenario(b.page, id);
    await b.page.evaluate(() => window.scrollTo(0, 0));
    const grab = async (stage) => {
      const file = (part) => path.join(SHOTS, `look-${id}-${stage}-${part}.png`);
      await b.page.screenshot({ path: file('view') });
      for (const [sel, part] of [['section.story', 'story'], ['section.change', 'change'], ['section.paths', 'paths']]) {
        const el = b.page.locator(sel).first();
        if (await el.count()) await el.screenshot({ path: file(part) });
      }
    };
    await grab('0');
    const steps = await b.page.locator('[data-testid^="step-"]').count();
    for (let i = 0; i < steps; i++) {
      await b.page.getByTestId(`step-${i}`).click();
      await b.page.waitForTimeout(150);
      await grab(`${i + 1}`);
    }
  }
} finally {
  await b.close();
}
