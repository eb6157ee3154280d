import { test, expect, hydrated } from './fixtures';

const NS = 'kubeflow-user-example-com';

test('spawn a notebook with 2 CPU, 4Gi and 1 GPU, watch it become ready, stop, start and delete it', async ({ page, consoleErrors }) => {
  await page.goto(`/notebooks?ns=${NS}`);
  await hydrated(page);
  await expect(page.getByTestId('live-state')).toHaveAttribute('data-state', 'live');
  await page.getByTestId('new-notebook').click();
  await expect(page).toHaveURL(/\/notebooks\/new\?ns=/);
  await expect(page.getByTestId('spawner-form')).toBeVisible();

  // Bad values are refused field by field, before anything is sent.
  await page.getByTestId('field-name').fill('Bad Name');
  await page.getByTestId('field-cpu').fill('-1');
  await page.getByTestId('field-memory').fill('lots');
  await page.getByTestId('field-cpu-limit').fill('0.5');
  await page.getByTestId('spawner-submit').click();
  await expect(page.getByTestId('error-name')).toBeVisible();
  await expect(page.getByTestId('error-cpu')).toBeVisible();
  await expect(page.getByTestId('error-memory')).toBeVisible();
  await expect(page.getByTestId('spawner-invalid')).toBeVisible();
  await expect(page).toHaveURL(/\/notebooks\/new/);
  // A taken name is caught before submit too.
  await page.getByTestId('field-name').fill('scipy-explore');
  await expect(page.getByTestId('error-name')).toContainText('exists');

  await page.getByTestId('field-name').fill('e2e-gpu');
  await page.getByTestId('field-cpu').fill('2');
  await page.getByTestId('field-cpu-limit').fill('');
  await page.getByTestId('field-memory').fill('4Gi');
  await page.getByTestId('field-gpus').selectOption('1');
  await page.getByTestId('field-gpu-vendor').selectOption('nvidia.com/gpu');
  await expect(page.getByTestId('error-name')).toHaveCount(0);
  await expect(page.getByTestId('error-cpu')).toHaveCount(0);
  await page.getByTestId('spawner-submit').click();

  await expect(page).toHaveURL(new RegExp(`/notebooks\\?ns=${NS}$`));
  const row = page.locator('[data-testid=notebook-row][data-name=e2e-gpu]');
  await expect(row).toBeVisible();
  await expect(row).toContainText('2');
  await expect(row).toContainText('4Gi');
  // Ready arrives through the live stream: no reload.
  await expect(row).toHaveAttribute('data-phase', 'ready', { timeout: 20_000 });
  await expect(row.getByTestId('notebook-connect')).toHaveAttribute('href', `/notebook/${NS}/e2e-gpu/`);

  await row.getByTestId('notebook-stop').click();
  await expect(row).toHaveAttribute('data-phase', 'stopped');
  await expect(row.getByTestId('notebook-connect')).toHaveCount(0);
  await row.getByTestId('notebook-start').click();
  await expect(row).toHaveAttribute('data-phase', 'ready', { timeout: 20_000 });

  await row.getByTestId('notebook-link').click();
  await expect(page.getByTestId('page-title')).toHaveText('e2e-gpu');
  await expect(page.getByTestId('notebook-overview')).toContainText('nvidia.com/gpu');
  await page.getByTestId('tab-yaml').click();
  await expect(page.getByTestId('notebook-yaml')).toContainText('kind: Notebook');
  await page.getByTestId('tab-logs').click();
  await expect(page.getByTestId('notebook-logs')).toContainText('Jupyter Server is running');
  await page.goBack();
  await page.goBack();

  await page.goto(`/notebooks?ns=${NS}`);
  await hydrated(page);
  await page.locator('[data-testid=notebook-row][data-name=e2e-gpu]').getByTestId('notebook-delete').click();
  await expect(page.getByTestId('delete-dialog')).toContainText('Delete e2e-gpu?');
  await page.getByTestId('delete-volumes').check();
  await page.getByTestId('delete-confirm').click();
  await expect(page.locator('[data-testid=notebook-row][data-name=e2e-gpu]')).toHaveCount(0, { timeout: 20_000 });
  expect(consoleErrors).toEqual([]);
});

test('a notebook that needs more GPUs than the node has says why it waits', async ({ page }) => {
  await page.goto(`/notebooks?ns=${NS}`);
  await hydrated(page);
  const row = page.locator('[data-testid=notebook-row][data-name=gpu-training]');
  await expect(row).toHaveAttribute('data-phase', 'warning', { timeout: 20_000 });
  await expect(row.getByTestId('notebook-status-message')).toContainText('GPU');
  await page.getByTestId('notebook-filter').fill('zzz-nothing');
  await expect(page.getByTestId('notebooks-empty')).toContainText('No notebook matches');
});

test('edit a stopped notebook: stop it, change its CPU and see it on its page', async ({ page, consoleErrors }) => {
  const details = `/notebooks/${NS}/scipy-explore?ns=${NS}`;
  await page.goto(details);
  await hydrated(page);
  // A running notebook offers no Edit, and its edit page says why.
  await expect(page.getByTestId('notebook-toggle')).toContainText('Stop');
  await expect(page.getByTestId('notebook-edit')).toHaveCount(0);
  await page.goto(`/notebooks/new?ns=${NS}&edit=scipy-explore`);
  await hydrated(page);
  await expect(page.getByTestId('edit-running')).toContainText('Stop the notebook to edit it');
  await page.getByTestId('edit-running').getByRole('link').click();
  await expect(page).toHaveURL(new RegExp(`/notebooks/${NS}/scipy-explore\\?ns=${NS}$`));

  await page.getByTestId('notebook-toggle').click();
  await expect(page.getByTestId('notebook-status')).toContainText('Stopped', { timeout: 20_000 });
  await page.getByTestId('notebook-edit').click();
  await expect(page).toHaveURL(/\/notebooks\/new\?.*edit=scipy-explore/);
  await expect(page.getByTestId('page-title')).toHaveText('Edit scipy-explore');
  await expect(page.getByTestId('field-name')).toHaveValue('scipy-explore');
  await expect(page.getByTestId('field-name')).toBeDisabled();
  await expect(page.getByTestId('field-cpu')).toHaveValue('500m');

  await page.getByTestId('field-cpu').fill('lots');
  await page.getByTestId('spawner-submit').click();
  await expect(page.getByTestId('error-cpu')).toBeVisible();
  await page.getByTestId('field-cpu').fill('750m');
  await page.getByTestId('field-cpu-limit').fill('');
  await expect(page.getByTestId('error-cpu')).toHaveCount(0);
  await page.getByTestId('spawner-submit').click();

  await expect(page).toHaveURL(new RegExp(`/notebooks/${NS}/scipy-explore\\?ns=${NS}$`));
  await expect(page.getByTestId('notebook-overview')).toContainText('750m – 900m');
  await expect(page.getByTestId('notebook-status')).toContainText('Stopped');
  await expect(page.getByTestId('notebook-edit')).toBeVisible();
  expect(consoleErrors).toEqual([]);
});
