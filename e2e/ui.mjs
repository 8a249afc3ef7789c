// Small helpers over drvlab's DOM hooks, shared by the e2e tests.

/** What an output path shows when it is content-addressed (floating) or deferred. */
export const UNKNOWN = 'unknown until built';

/** Every path the list under the graph shows: { 'drv-path-x': '/nix/store/…', 'out-path-x-out': … }. */
export async function pagePaths(page) {
  return page.evaluate(() => {
    const m = {};
    for (const el of document.querySelectorAll('.drvlist [data-testid]')) m[el.dataset.testid] = el.textContent.trim();
    return m;
  });
}

/** Pick a scenario in the "scenario" combobox and wait until the page has it. */
export async function loadScenario(page, id) {
  await page.getByRole('combobox', { name: 'scenario' }).selectOption(id);
  await page.waitForFunction((sid) => document.querySelector('select[aria-label="scenario"]').value === sid, id);
}

/** The key of the selected derivation (its paths panel is the region "paths of <key>"). */
export async function selectedKey(page) {
  const name = await page.getByRole('region', { name: /^paths of / }).first().evaluate((el) => {
    const by = el.getAttribute('aria-labelledby');
    return el.getAttribute('aria-label') ?? (by ? document.getElementById(by)?.textContent : '') ?? '';
  });
  return name.trim().replace(/^paths of /, '');
}

/** Open the <details> whose summary contains `summaryText` (if closed); returns its locator. */
export async function openDetails(page, summaryText) {
  const d = page.locator('details', { has: page.locator('summary', { hasText: summaryText }) });
  if (!(await d.evaluate((x) => x.open))) await d.locator('summary').click();
  return d;
}
