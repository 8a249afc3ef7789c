// Close-up screenshots of the teaching parts (story, graph, What moved, pipeline) for a scenario,
// before and after its suggested edit: node e2e/teach-detail.mjs <scenario>… (DRVLAB_URL set).
import { launch, openApp, BASE_URL, SHOTS } from './harness.mjs';
import { loadScenario } from './ui.mjs';
import path from 'node:path';
import fs from 'node:fs';

const b = await launch({ width: 1280, height: 900 });
fs.mkdirSync(SHOTS, { recursive: true });
try {
  await openApp(b.page, BASE_URL);
  for (const id of process.argv.slice(2)) {
    await loadScenario(b.page, id);
    const grab = async (sel, name) => {
      const el = b.page.locator(sel).first();
      if (await el.count()) await el.screenshot({ path: path.join(SHOTS, `teach-detail-${id}-${name}.png`) });
    };
    await grab('header.top', 'header');
    await grab('section.story', 'story');
    await b.page.getByRole('button', { name: /^Do it for me/ }).click();
    await grab('section.dag', 'dag-after');
    await grab('section.change', 'change-after');
    await grab('section.paths', 'paths-after');
  }
} finally {
  await b.close();
}
