import * as fs from 'fs';
import * as path from 'path';
import { test, expect, hydrated } from './fixtures';

const NS = 'kubeflow-user-example-com';
/** The Katib conformance corpus: real Experiment YAMLs from kubeflow/katib. */
const example = (file: string) =>
  fs.readFileSync(path.join(__dirname, '..', '..', '..', 'shared', 'conformance', 'katib', 'examples', file), 'utf8');

test('the seeded experiments are listed with their counts, status and best value', async ({ page, consoleErrors }) => {
  await page.goto(`/experiments?ns=${NS}`);
  await hydrated(page);
  const finished = page.locator('[data-testid=experiment-row][data-name="mnist-random"]');
  await expect(finished).toHaveAttribute('data-state', 'Succeeded');
  await expect(finished.getByTestId('experiment-best')).toContainText('Validation-accuracy');
  await expect(finished.getByTestId('trial-counts')).toContainText('succeeded');
  const running = page.locator('[data-testid=experiment-row][data-name="pytorch-mnist-random"]');
  await expect(running).toHaveAttribute('data-state', 'Running');
  await expect(page.getByTestId('live-state')).toHaveAttribute('data-state', 'live');
  // The status filter keeps only what it names.
  await page.getByTestId('experiment-state-filter').selectOption('Running');
  await expect(finished).toHaveCount(0);
  await expect(running).toBeVisible();
});

test('a real example is created from YAML, its trials appear live and the plots fill in', async ({ page, consoleErrors }) => {
  test.setTimeout(90_000);
  await page.goto(`/experiments/new?ns=${NS}`);
  await hydrated(page);
  const yaml = example('hp-tuning_random.yaml').replace('name: random', 'name: e2e-random');
  await page.getByTestId('tab-yaml').click();
  // A broken document first: the problem names its line, and nothing can be created.
  await page.getByTestId('experiment-yaml').fill(yaml.replace('min: "0.01"', 'min: "0.09"'));
  await expect(page.getByTestId('experiment-problems')).toContainText('line 20');
  await expect(page.getByTestId('experiment-create')).toBeDisabled();
  await page.getByTestId('experiment-yaml').fill(yaml);
  await expect(page.getByTestId('experiment-problems')).toHaveCount(0);
  await page.getByTestId('experiment-create').click();

  await expect(page).toHaveURL(new RegExp(`/experiments/${NS}/e2e-random`));
  await expect(page.getByTestId('page-title')).toHaveText('e2e-random');
  await page.getByTestId('tab-trials').click();
  await expect(page.getByTestId('trial-row').first()).toBeVisible({ timeout: 20_000 });
  // Trials finish while the page is open; the best one is marked.
  await expect(page.locator('[data-testid=trial-row][data-state="Succeeded"]').first()).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('best-trial')).toHaveCount(1, { timeout: 30_000 });

  await page.getByTestId('tab-plots').click();
  const parallel = page.getByTestId('plot-parallel').locator('svg');
  await expect(parallel).toBeVisible();
  await expect(parallel).toContainText('momentum');
  await expect(page.getByTestId('plot-history').locator('svg')).toContainText('loss');
  await expect(page.getByTestId('plot-parameters').locator('svg')).toContainText('lr');
  await expect(page.getByTestId('curves-plot').locator('svg')).toBeVisible({ timeout: 20_000 });

  // A download of the plot's data is a CSV with a header.
  const download = page.waitForEvent('download');
  await page.getByTestId('plot-parallel-csv').click();
  const file = await (await download).path();
  const csv = fs.readFileSync(file!, 'utf8');
  expect(csv.split('\n')[0]).toContain('lr');

  // The best trial's page: parameters, metrics and its learning curve.
  await page.getByTestId('tab-trials').click();
  await page.locator('[data-testid=trial-row]:has([data-testid=best-trial]) [data-testid=trial-link]').click();
  await expect(page.getByTestId('trial-parameters')).toContainText('lr');
  await expect(page.getByTestId('trial-metrics')).toContainText('loss');
  await expect(page.locator('[data-testid=trial-curve][data-metric="loss"] svg')).toBeVisible({ timeout: 20_000 });
});

test('the experiment page of the finished seed has 200 trials in pages, sortable, with a highlighted line', async ({ page, consoleErrors }) => {
  await page.goto(`/experiments/${NS}/mnist-random`);
  await hydrated(page);
  await expect(page.getByTestId('experiment-state')).toHaveAttribute('data-state', 'Succeeded');
  await expect(page.getByTestId('best-trial-link')).toBeVisible();
  await page.getByTestId('tab-trials').click();
  await expect(page.getByTestId('trial-row')).toHaveCount(50);
  await expect(page.getByTestId('trial-range')).toContainText('of');
  await page.getByTestId('trial-pager-next').click();
  await expect(page.getByTestId('trial-range')).toContainText('51–100');
  await page.getByTestId('trial-state-filter').selectOption('Failed');
  const states = await page.getByTestId('trial-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-state')));
  expect(new Set(states)).toEqual(new Set(['Failed']));
  await page.getByTestId('trial-state-filter').selectOption('');
  // Picking a row marks its line in the parallel coordinates.
  await page.getByTestId('trial-row').first().click();
  await expect(page.getByTestId('trial-row').first()).toHaveClass(/trial-row--selected/);
  await page.getByTestId('tab-plots').click();
  await expect(page.getByTestId('plot-parallel').locator('svg')).toBeVisible();
  await page.getByTestId('tab-yaml').click();
  await expect(page.getByTestId('experiment-yaml-view')).toContainText('objectiveMetricName');
});

test('an example read from a file is created in the namespace you work in; an oversized file is refused unread', async ({ page, consoleErrors }) => {
  await page.goto(`/experiments/new?ns=${NS}`);
  await hydrated(page);
  await page.getByTestId('tab-yaml').click();
  const editor = page.getByTestId('experiment-yaml');
  await editor.fill('# my draft\n');
  // Larger than the server accepts: refused before reading, and the draft stays as it was.
  await page.getByTestId('experiment-file').setInputFiles({
    name: 'huge.yaml',
    mimeType: 'application/yaml',
    buffer: Buffer.alloc(1_200_000, 'a'),
  });
  await expect(page.getByTestId('experiment-file-error')).toContainText('huge.yaml is 1.1 MiB');
  await expect(editor).toHaveValue('# my draft\n');

  const file = path.join(__dirname, '..', '..', '..', 'shared', 'conformance', 'katib', 'examples', 'hp-tuning_grid.yaml');
  await page.getByTestId('experiment-file').setInputFiles(file);
  await expect(page.getByTestId('experiment-file-status')).toHaveText('Read hp-tuning_grid.yaml');
  await expect(editor).toHaveValue(example('hp-tuning_grid.yaml'));
  // The example says namespace kubeflow; it is created where the user works, and says so.
  await expect(page.getByTestId('experiment-valid')).toHaveText(`Ready to create grid in ${NS}.`);
  await expect(page.getByTestId('experiment-notes')).toContainText(`kubeflow is replaced by ${NS}`);
  await page.getByTestId('experiment-create').click();
  await expect(page).toHaveURL(new RegExp(`/experiments/${NS}/grid`));
  await expect(page.getByTestId('algorithm')).toHaveText('grid');
});

test('the form builds an experiment, which is given more trials, stopped, then deleted', async ({ page, consoleErrors }) => {
  test.setTimeout(90_000);
  await page.goto(`/experiments/new?ns=${NS}`);
  await hydrated(page);
  await page.getByTestId('form-name').fill('e2e-form');
  await page.getByTestId('form-image').fill('registry.example.com/team/train:1.0');
  await page.getByTestId('form-parallel').fill('2');
  await page.getByTestId('form-max-trials').fill('3');
  await page.getByTestId('form-review').click();
  // The form's YAML is shown for review before anything is created.
  const editor = page.getByTestId('experiment-yaml');
  await expect(editor).toBeVisible();
  await expect(editor).toHaveValue(/name: e2e-form/);
  await expect(editor).toHaveValue(/parallelTrialCount: 2/);
  await expect(editor).toHaveValue(/image: registry\.example\.com\/team\/train:1\.0/);
  await page.getByTestId('experiment-create').click();
  await expect(page).toHaveURL(new RegExp(`/experiments/${NS}/e2e-form`));
  await expect(page.getByTestId('budget')).toContainText('of 3 ·');

  // Far more than can finish before the stop below, so it is the stop that ends the experiment.
  await page.getByTestId('max-trials-input').fill('40');
  await page.getByTestId('raise-budget-submit').click();
  await expect(page.getByTestId('budget')).toContainText('of 40 ·');

  // Stop keeps what has finished, so it waits for a first finished trial.
  await page.getByTestId('tab-trials').click();
  const finished = ['Succeeded', 'Failed', 'EarlyStopped', 'MetricsUnavailable']
    .map((state) => `[data-testid=trial-row][data-state="${state}"]`)
    .join(', ');
  await expect(page.locator(finished).first()).toBeVisible({ timeout: 40_000 });
  await page.getByTestId('experiment-stop').click();
  await expect(page.getByTestId('experiment-dialog')).toContainText('Stop e2e-form?');
  await page.getByTestId('experiment-confirm').click();
  await expect(page.getByTestId('experiment-state')).toHaveAttribute('data-state', 'Succeeded', { timeout: 20_000 });
  const active = page.locator('[data-testid=trial-row][data-state="Running"], [data-testid=trial-row][data-state="Pending"]');
  await expect(active).toHaveCount(0);
  await expect(page.locator(finished).first()).toBeVisible();
  // The budget became what had finished.
  await page.getByTestId('tab-overview').click();
  await expect(page.getByTestId('budget')).toHaveText(/^(\d+) trials of \1 ·/);
  // A finished experiment offers neither more trials nor a stop.
  await expect(page.getByTestId('raise-budget')).toHaveCount(0);
  await expect(page.getByTestId('experiment-stop')).toHaveCount(0);

  await page.getByTestId('experiment-delete').click();
  await page.getByTestId('experiment-confirm').click();
  await expect(page).toHaveURL(new RegExp(`/experiments\\?ns=${NS}|/experiments$`));
  await expect(page.locator('[data-testid=experiment-row][data-name="e2e-form"]')).toHaveCount(0, { timeout: 20_000 });
});
