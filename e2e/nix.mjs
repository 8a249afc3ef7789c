// Real Nix for the browser tests: instantiate the .nix the page exports and read every path back.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const env = { ...process.env, NIX_CONFIG: 'build-users-group =\nexperimental-features = nix-command ca-derivations' };

export function nixAvailable() {
  try {
    execFileSync('nix-instantiate', ['--version'], { env, stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** nix-instantiate a .nix text; returns the .drv paths it prints (the `!output` suffix removed). */
export function instantiate(nixText) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drvlab-e2e-nix-'));
  const file = path.join(dir, 'graph.nix');
  fs.writeFileSync(file, nixText);
  try {
    return execFileSync('nix-instantiate', [file], { env, stdio: ['ignore', 'pipe', 'pipe'] })
      .toString()
      .trim()
      .split('\n')
      .map((l) => l.split('!')[0]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `nix show-derivation -r` of some .drv paths, parsed. */
export function showDerivation(drvPaths) {
  return JSON.parse(execFileSync('nix', ['show-derivation', '-r', ...drvPaths], { env, stdio: ['ignore', 'pipe', 'pipe'] }).toString());
}

/**
 * The page's graph as real Nix sees it: export .nix from the page, instantiate, and return
 * { key: { drv, outputs: { name: path|null } } } (keys in the export's order, which is key order).
 */
export async function nixPathsOfPage(page) {
  const details = page.locator('details.io');
  if (!(await details.evaluate((d) => d.open))) await details.locator('summary').click();
  await page.getByRole('button', { name: 'Export .nix' }).click();
  const nixText = await page.getByRole('textbox', { name: 'exported nix' }).inputValue();
  // The export lists every derivation in key order (byte order), which is how JS sorts ASCII keys.
  const keys = (
    await page.evaluate(() => [...document.querySelectorAll('.drvlist [data-testid^="drv-path-"]')].map((e) => e.dataset.testid.slice('drv-path-'.length)))
  ).sort();
  const drvs = instantiate(nixText);
  const shown = showDerivation(drvs);
  const out = {};
  keys.forEach((k, i) => {
    const outputs = {};
    for (const [o, v] of Object.entries(shown[drvs[i]].outputs)) outputs[o] = v.path ?? null;
    out[k] = { drv: drvs[i], outputs };
  });
  return out;
}
