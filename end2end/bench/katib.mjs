// The experiment page with 10,000 trials in Chromium: from navigation until the page is
// hydrated with its overview drawn (interactive), and until its 10,000 trials are in the page
// (fetched after hydration); then the first rows from the click on the Trials tab, and each
// plot from the click on the Plots tab until its SVG is in the page. Prints the median of several rounds. Not a test
// (timings vary by machine); run it by hand against the bench's server:
//   cargo leptos build --release
//   KFDASH_BENCH_SERVE=127.0.0.1:3391 KFDASH_BENCH_SITE=target/site cargo bench -p server --bench katib &
//   node end2end/bench/katib.mjs http://127.0.0.1:3391
import { chromium } from '@playwright/test';

const base = process.argv[2] ?? 'http://127.0.0.1:3391';
const rounds = Number(process.argv[3] ?? 5);
const path = '/experiments/kubeflow-user-example-com/ten-thousand';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const times = { interactive: [], listed: [], trials: [], plots: [] };
let pageBytes = 0;
for (let round = 0; round < rounds; round++) {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const started = Date.now();
  const response = await page.goto(`${base}${path}`);
  await page.waitForSelector('[data-hydrated=true]', { state: 'attached', timeout: 60_000 });
  await page.waitForSelector('[data-testid=best-trial-card]', { timeout: 60_000 });
  times.interactive.push(Date.now() - started);
  await page.waitForSelector('[data-trials=listed]', { state: 'attached', timeout: 60_000 });
  times.listed.push(Date.now() - started);
  pageBytes = (await response.request().sizes()).responseBodySize;
  const tabs = async (id, ...selectors) => {
    const t0 = await page.evaluate(() => performance.now());
    await page.getByTestId(id).click();
    await Promise.all(selectors.map((s) => page.waitForSelector(s, { timeout: 60_000 })));
    return (await page.evaluate(() => performance.now())) - t0;
  };
  times.trials.push(await tabs('tab-trials', '[data-testid=trial-row]'));
  times.plots.push(
    await tabs('tab-plots', ...['parallel', 'history', 'parameters'].map((p) => `[data-testid=plot-${p}] svg`)),
  );
  await page.close();
}
await browser.close();
console.log(`${path}, medians of ${rounds}:`);
console.log(`  navigation → hydrated and interactive   ${median(times.interactive)} ms (page: ${(pageBytes / 1024).toFixed(0)} KiB as sent)`);
console.log(`  navigation → all 10,000 trials fetched   ${median(times.listed)} ms`);
console.log(`  Trials tab → 50 of 10,000 rows drawn     ${median(times.trials).toFixed(0)} ms`);
console.log(`  Plots tab → three 10,000-trial plots     ${median(times.plots).toFixed(0)} ms`);
