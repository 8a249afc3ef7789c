// Real Nix for the browser tests: instantiate the .nix the page exports and read every path back.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { pagePaths, UNKNOWN } from './ui.mjs';

const env = { ...process.env, NIX_CONFIG: 'build-users-group =\nexperimental-features = nix-command ca-derivations' };

export function nixAvailable() {
  try {
    execFileSync('nix-instantiate', ['--version'], { env, stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/**
 * nix-instantiate a .nix text; returns the .drv paths it prints (the `!output` suffix removed).
 * A page export that starts with `#!` is the shell script for a graph with directory sources:
 * it is run in an empty directory and writes default.nix there.
 */
export function instantiate(nixText) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drvlab-e2e-nix-'));
  let file = path.join(dir, 'graph.nix');
  if (nixText.startsWith('#!')) {
    execFileSync('sh', ['-c', nixText], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    file = path.join(dir, 'default.nix');
  } else {
    fs.writeFileSync(file, nixText);
  }
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

/** The name part of a store path: /nix/store/<hash>-<name>[.drv] -> <name>. */
export const storeName = (p) => p.replace(/^\/nix\/store\/[^-]+-/, '').replace(/\.drv$/, '');

/** Export the page's graph as .nix (the "Export .nix" button); returns the text. */
export async function exportNix(page) {
  const details = page.locator('details', { has: page.locator('summary', { hasText: 'Import your own derivation, export this graph' }) });
  if (!(await details.evaluate((d) => d.open))) await details.locator('summary').click();
  await page.getByRole('button', { name: 'Export .nix' }).click();
  return page.getByRole('textbox', { name: 'exported nix' }).inputValue();
}

/**
 * The page's graph as real Nix sees it: export .nix from the page, nix-instantiate it, read every
 * derivation back with `nix show-derivation -r`, and pair each of the page's derivations with
 * Nix's by derivation name (the name in the .drv path the page shows). Where two derivations
 * share a name (pullimage-collapse), the export's order (one .drv per line, in key order)
 * decides. Returns { key: { drv, outputs: { name: path|null } } }.
 */
export async function nixPathsOfPage(page) {
  const nixText = await exportNix(page);
  const shownDrv = await page.evaluate(() => Object.fromEntries(
    [...document.querySelectorAll('.drvlist [data-testid^="drv-path-"]')].map((e) => [e.dataset.testid.slice('drv-path-'.length), e.textContent.trim()])));
  const keys = Object.keys(shownDrv).sort(); // the export's order: byte order of keys
  const drvs = instantiate(nixText);
  if (drvs.length !== keys.length) throw new Error(`the .nix export gave ${drvs.length} derivations, the page shows ${keys.length}`);
  const shown = showDerivation(drvs);
  const byName = {};
  for (const d of Object.keys(shown)) (byName[storeName(d)] ??= []).push(d);
  const out = {};
  keys.forEach((k, i) => {
    const name = storeName(shownDrv[k]);
    const candidates = byName[name] ?? [];
    const drv = candidates.length === 1 ? candidates[0] : drvs[i];
    if (!drv || storeName(drv) !== name) throw new Error(`no derivation named ${name} (${k}) in what Nix wrote: ${Object.keys(shown).join(' ')}`);
    const outputs = {};
    for (const [o, v] of Object.entries(shown[drv].outputs)) outputs[o] = v.path ?? null;
    out[k] = { drv, outputs };
  });
  return out;
}

/** Every .drv and output path the page shows must equal what real Nix writes for the page's own .nix export. */
export async function assertMatchesNix(page, label) {
  const nix = await nixPathsOfPage(page);
  const shown = await pagePaths(page);
  let n = 0;
  for (const [key, v] of Object.entries(nix)) {
    assert.equal(shown[`drv-path-${key}`], v.drv, `${label}: ${key} .drv path (page vs nix-instantiate)`);
    n++;
    for (const [o, p] of Object.entries(v.outputs)) {
      assert.equal(shown[`out-path-${key}-${o}`], p === null ? UNKNOWN : p, `${label}: ${key} output ${o} (page vs nix show-derivation)`);
      n++;
    }
  }
  // …and the page shows nothing Nix did not write.
  assert.equal(Object.keys(shown).length, n, `${label}: the page shows ${Object.keys(shown).length} paths, Nix wrote ${n}`);
  return nix;
}

