import { APIRequestContext } from '@playwright/test';
import { test, expect, hydrated } from './fixtures';
import { ROOT_URL } from '../playwright.config';

const NS = 'kubeflow-user-example-com';
const SEEDED = ['Coin flip', 'Fan-out after a loop', 'Nested loops and conditions'];

/** Calls a server function the way kfdash's own pages do (same origin, CSRF header). */
async function serverFn(request: APIRequestContext, endpoint: string, body: { form?: Record<string, string>; json?: object }) {
  const response = await request.post(`${ROOT_URL}/api/${endpoint}`, {
    headers: { 'x-kfdash-csrf': '1', origin: ROOT_URL },
    ...(body.form ? { form: body.form } : { data: body.json }),
  });
  expect(response.ok(), `${endpoint}: ${await response.text()}`).toBeTruthy();
  return response.json();
}

/** Starts a run of the seeded `parallel_for_after_dependency` sample; the sandbox runs it in a few seconds. */
async function startRun(request: APIRequestContext, name: string): Promise<string> {
  const shared = await serverFn(request, 'pipelines/list', { form: { namespace: NS, shared: 'true' } });
  const pipeline = shared.rows.find((p: { name: string }) => p.name === 'parallel_for_after_dependency');
  const details = await serverFn(request, 'pipelines/get', { form: { id: pipeline.id } });
  const experiments = await serverFn(request, 'experiments/list', { form: { namespace: NS } });
  const run = await serverFn(request, 'runs/create', {
    json: {
      new: {
        namespace: NS,
        pipeline_id: pipeline.id,
        version_id: details.versions[0].id,
        experiment_id: experiments[0].id,
        new_experiment: null,
        name,
        description: 'started by runs.spec.ts',
        parameters: {},
      },
    },
  });
  return run.id;
}

const row = (page: import('@playwright/test').Page, name: string) =>
  page.locator(`[data-testid=run-row][data-name="${name}"]`);

test('the seeded runs are listed, filtered by state and name, and sorted by name', async ({ page, consoleErrors }) => {
  await page.goto(`/runs?ns=${NS}`);
  await hydrated(page);
  for (const name of SEEDED) await expect(row(page, name)).toBeVisible();
  await expect(row(page, 'Coin flip')).toHaveAttribute('data-state', 'succeeded');
  await expect(row(page, 'Fan-out after a loop')).toHaveAttribute('data-state', 'failed');
  await expect(row(page, 'Fan-out after a loop')).toContainText('fail_step=print-op-2');
  await expect(row(page, 'Coin flip')).toContainText('Default');
  await expect(row(page, 'Coin flip').getByTestId('run-pipeline')).toHaveText('pipeline_with_condition');

  // Only failed runs: KFP filters, the page shows what it answers.
  await page.getByTestId('runs-state').selectOption('FAILED');
  await expect(row(page, 'Coin flip')).toHaveCount(0);
  await expect(row(page, 'Fan-out after a loop')).toBeVisible();
  const states = await page.getByTestId('run-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-state')));
  expect(states.length).toBeGreaterThan(0);
  expect(new Set(states)).toEqual(new Set(['failed']));
  await expect(row(page, 'Fan-out after a loop').getByTestId('run-retry')).toBeVisible();

  await page.getByTestId('runs-state').selectOption('');
  await page.getByTestId('runs-search').fill('Coin');
  await expect(row(page, 'Fan-out after a loop')).toHaveCount(0);
  await expect(row(page, 'Coin flip')).toBeVisible();
  await page.getByTestId('runs-search').fill('no run is called this');
  await expect(page.getByTestId('runs-empty')).toContainText('No run matches');
  await page.getByTestId('runs-search').fill('');
  await expect(row(page, 'Coin flip')).toBeVisible();

  // Sorted by KFP: A→Z, then Z→A.
  const seededOrder = async () =>
    (await page.getByTestId('run-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name')))).filter((name) =>
      SEEDED.includes(name ?? ''),
    );
  await page.getByTestId('sort-name').click();
  await expect(page.getByTestId('sort-name').locator('xpath=..')).toHaveAttribute('aria-sort', 'ascending');
  await expect.poll(seededOrder).toEqual(SEEDED);
  await page.getByTestId('sort-name').click();
  await expect(page.getByTestId('sort-name').locator('xpath=..')).toHaveAttribute('aria-sort', 'descending');
  await expect.poll(seededOrder).toEqual([...SEEDED].reverse());
  expect(consoleErrors).toEqual([]);
});

test("a run's graph turns green live, and a step shows its inputs, outputs and log", async ({ page, consoleErrors }) => {
  const id = await startRun(page.request, 'e2e live graph');
  const response = await page.goto(`/runs/${id}?ns=${NS}`);
  // What the server rendered when the page opened: the run had not finished.
  const rendered = (await response!.text()).split('graph-node--succeeded').length - 1;
  await hydrated(page);
  await page.evaluate(() => ((window as unknown as { stillHere: boolean }).stillHere = true));
  await expect(page.getByTestId('page-title')).toHaveText('e2e live graph');
  await expect(page.getByTestId('live-state')).toHaveAttribute('data-state', 'live');

  // Every step turns green through the stream, with no reload.
  const graph = page.getByTestId('run-graph');
  const tasks = graph.locator('[data-node].graph-node--task');
  await expect(tasks.first()).toBeVisible({ timeout: 15_000 });
  await expect(page.locator('.detail-actions [data-testid=run-state]')).toHaveAttribute('data-state', 'succeeded', { timeout: 20_000 });
  await expect(async () => {
    const all = await tasks.count();
    expect(all).toBeGreaterThan(0);
    await expect(graph.locator('[data-node].graph-node--task.graph-node--succeeded')).toHaveCount(all);
  }).toPass({ timeout: 10_000 });
  const succeeded = await graph.locator('[data-node].graph-node--succeeded').count();
  expect(succeeded).toBeGreaterThan(rendered);
  expect(await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
  await expect(page.getByTestId('run-finished')).not.toHaveText('—');

  // A step's panel: what it is, how it went, and its log.
  await tasks.filter({ hasText: 'print-op-2' }).first().click();
  const panel = page.getByTestId('node-panel');
  await expect(panel).toBeVisible();
  await expect(panel.getByTestId('node-title')).toContainText('print-op-2');
  await expect(panel.getByTestId('node-phase')).toHaveAttribute('data-phase', 'succeeded');
  await expect(panel.getByTestId('node-inputs')).toBeVisible();
  await expect(panel.getByTestId('node-outputs')).toBeVisible();
  await expect(panel.getByTestId('step-log')).toContainText('[sandbox]');
  await panel.getByTestId('node-close').click();
  await expect(panel).toHaveCount(0);
  expect(consoleErrors).toEqual([]);
});

test('a running run is terminated from the list after a confirmation', async ({ page, consoleErrors }) => {
  await page.goto(`/runs?ns=${NS}`);
  await hydrated(page);
  await expect(row(page, 'Coin flip')).toBeVisible();
  const id = await startRun(page.request, 'e2e to terminate');
  // A new query shows the new run (the list refreshes by itself only while a run goes).
  await page.getByTestId('runs-search').fill('e2e to terminate');
  const target = row(page, 'e2e to terminate');
  await expect(target).toHaveAttribute('data-id', id);
  await expect(target).toHaveAttribute('data-state', /pending|running/);
  await target.getByTestId('run-terminate').click();
  await expect(page.getByTestId('terminate-dialog')).toContainText('Terminate e2e to terminate?');
  await page.getByTestId('terminate-confirm').click();
  await expect(page.getByTestId('terminate-dialog')).toHaveCount(0);
  await expect(target).toHaveAttribute('data-state', /canceling|canceled|failed/);
  // The list follows the run until it has stopped; nothing more can be terminated.
  await expect(target).toHaveAttribute('data-state', /canceled|failed/, { timeout: 15_000 });
  await expect(target.getByTestId('run-terminate')).toHaveCount(0);

  // On the run page its unfinished steps are stopped.
  await target.getByTestId('run-link').click();
  await expect(page.getByTestId('page-title')).toHaveText('e2e to terminate');
  await expect(page.locator('.detail-actions [data-testid=run-state]')).toHaveAttribute('data-state', /canceled|failed/);
  expect(consoleErrors).toEqual([]);
});

test('a run is archived from its page and restored from the archived list', async ({ page, consoleErrors }) => {
  const id = await startRun(page.request, 'e2e to archive');
  await page.goto(`/runs/${id}?ns=${NS}`);
  await hydrated(page);
  await expect(page.locator('.detail-actions [data-testid=run-state]')).toHaveAttribute('data-state', 'succeeded', { timeout: 20_000 });
  await page.getByTestId('run-archive').click();
  await expect(page.getByTestId('run-archived')).toBeVisible();
  await expect(page.getByTestId('run-restore')).toBeVisible();

  await page.goto(`/runs?ns=${NS}`);
  await hydrated(page);
  await expect(row(page, 'Coin flip')).toBeVisible();
  await expect(row(page, 'e2e to archive')).toHaveCount(0);
  await page.getByTestId('runs-archived').click();
  const archived = row(page, 'e2e to archive');
  await expect(archived).toBeVisible();
  await expect(row(page, 'Coin flip')).toHaveCount(0);
  await archived.getByTestId('run-restore').click();
  await expect(archived).toHaveCount(0);
  await page.getByTestId('runs-active').click();
  await expect(row(page, 'e2e to archive')).toBeVisible();
  expect(consoleErrors).toEqual([]);
});

// No console-error fixture here: the refused request is itself reported in the console.
test('a refused search says why and keeps what was typed', async ({ page }) => {
  await page.goto(`/runs?ns=${NS}`);
  await hydrated(page);
  await page.getByTestId('runs-state').selectOption('SUCCEEDED');
  const tooLong = 'x'.repeat(300);
  await page.getByTestId('runs-search').fill(tooLong);
  await expect(page.getByTestId('runs-error')).toContainText('256');
  await expect(page.getByTestId('runs-search')).toHaveValue(tooLong);
  await expect(page.getByTestId('runs-state')).toHaveValue('SUCCEEDED');
  await page.getByTestId('runs-search').fill('Coin');
  await expect(row(page, 'Coin flip')).toBeVisible();
});
