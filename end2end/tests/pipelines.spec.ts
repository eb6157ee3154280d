import fs from 'node:fs';
import path from 'node:path';
import { test, expect, hydrated } from './fixtures';
import { PREFIXED_URL } from '../playwright.config';

const NS = 'kubeflow-user-example-com';
/** The KFP conformance corpus: real files from kubeflow/pipelines. */
const conformance = (file: string) => path.join(__dirname, '..', '..', '..', 'shared', 'conformance', 'pipelines', file);
/** Pipeline names are unique in KFP: every test uploads under its own. */
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}`;

test('upload a pipeline after seeing its graph, open its loop and sub-pipeline, add a version', async ({ page, consoleErrors }) => {
  await page.goto(`/pipelines?ns=${NS}`);
  await hydrated(page);
  await expect(page.getByTestId('pipeline-table')).toBeVisible();
  await page.getByTestId('upload-pipeline').click();
  const dialog = page.getByTestId('upload-dialog');
  await dialog.getByTestId('upload-file').setInputFiles(conformance('pipeline_in_pipeline_complex.yaml'));

  // Parsed in the browser: the graph shows before anything is sent, the loop closed.
  await expect(dialog.getByTestId('upload-summary')).toHaveAttribute('data-nodes', '8');
  await expect(dialog.getByTestId('upload-summary')).toHaveAttribute('data-edges', '2');
  await expect(dialog.getByTestId('upload-graph').locator('.graph-node')).toHaveCount(2);
  await expect(dialog.getByTestId('upload-name')).toHaveValue('pipeline-in-pipeline-complex');
  const name = unique('e2e-nested');
  await dialog.getByTestId('upload-name').fill(name);
  await dialog.getByTestId('upload-description').fill('A loop around a sub-pipeline with two conditions');
  await dialog.getByTestId('upload-submit').click();

  await expect(page).toHaveURL(new RegExp(`/pipelines/[^/?]+\\?ns=${NS}$`));
  await expect(page.getByTestId('page-title')).toHaveText(name);
  await expect(page.getByTestId('pipeline-description')).toHaveText('A loop around a sub-pipeline with two conditions');
  const graph = page.getByTestId('pipeline-graph');
  await expect(graph.locator('.graph-node')).toHaveCount(2);

  // Open the ParallelFor loop: the sub-pipeline inside it shows, open, with its tasks and conditions.
  await graph.locator('[data-node="root/for-loop-2"]').click();
  await expect(graph.locator('.graph-node')).toHaveCount(8);
  const inner = 'root/for-loop-2/inner-pipeline';
  await expect(graph.locator(`[data-node="${inner}/condition-1/print-op2"]`)).toBeVisible();
  // Close the sub-pipeline: its five steps fold into it.
  await graph.locator(`[data-node="${inner}"]`).click();
  await expect(graph.locator('.graph-node')).toHaveCount(3);
  await expect(graph.locator(`[data-node^="${inner}/"]`)).toHaveCount(0);
  await graph.locator(`[data-node="${inner}"]`).click();
  await expect(graph.locator(`[data-node^="${inner}/"]`)).toHaveCount(5);

  // A step's panel says what it runs and where it sits.
  await graph.locator(`[data-node="${inner}/condition-1/print-op2"]`).click();
  const panel = page.getByTestId('step-panel');
  await expect(panel.getByTestId('node-title')).toHaveText('print-op2');
  await expect(panel.getByTestId('node-component')).toHaveText('comp-print-op2');
  await expect(panel.getByTestId('node-image')).toHaveText('alpine');
  await expect(panel.getByTestId('node-inside')).toHaveText('condition-1');

  // A new version from another file: it opens, newest first in the versions list.
  await page.getByTestId('upload-version').click();
  await dialog.getByTestId('upload-file').setInputFiles(conformance('pipeline_with_condition.yaml'));
  await expect(dialog.getByTestId('upload-summary')).toHaveAttribute('data-nodes', '6');
  await expect(dialog.getByTestId('upload-shared')).toHaveCount(0);
  await dialog.getByTestId('upload-submit').click();
  await expect(page).toHaveURL(/&version=/);
  await expect(page.getByTestId('version-select').locator('option')).toHaveCount(2);
  await expect(graph.locator('.graph-node')).toHaveCount(6);
  expect(consoleErrors).toEqual([]);
});

test('start a run with parameters, checked as they are typed', async ({ page, consoleErrors }) => {
  await page.goto(`/pipelines?ns=${NS}`);
  await hydrated(page);
  await page.getByTestId('upload-pipeline').click();
  const dialog = page.getByTestId('upload-dialog');
  // An archive: its one member is found and read in the browser too.
  await dialog.getByTestId('upload-file').setInputFiles(conformance('arguments_parameters.zip'));
  await expect(dialog.getByTestId('upload-summary')).toHaveAttribute('data-nodes', '1');
  await expect(dialog.getByTestId('upload-summary')).toContainText('2 run parameters');
  const name = unique('e2e-params');
  await dialog.getByTestId('upload-name').fill(name);
  await dialog.getByTestId('upload-submit').click();
  await expect(page.getByTestId('page-title')).toHaveText(name);
  await expect(page.getByTestId('version-parameters')).toContainText('param2');

  await page.getByTestId('create-run').click();
  await expect(page).toHaveURL(new RegExp(`/pipelines/[^/?]+/run\\?ns=${NS}&version=`));
  const form = page.getByTestId('run-form');
  await expect(form).toBeVisible();
  await expect(page.getByTestId('run-name')).toHaveValue(new RegExp(`^${name} \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d$`));
  await expect(page.getByTestId('param-param1')).toHaveValue('hello');
  await expect(page.getByTestId('param-param2')).toHaveValue('');

  // param2 has no default: the run is refused before anything is sent, under the field.
  await page.getByTestId('run-submit').click();
  await expect(page.getByTestId('error-param-param2')).toHaveText('is required');
  await expect(page.getByTestId('run-invalid')).toBeVisible();
  await page.getByTestId('param-param2').fill('from e2e');
  await expect(page.getByTestId('error-param-param2')).toHaveCount(0);
  await page.getByTestId('run-name').fill('');
  await expect(page.getByTestId('error-name')).toBeVisible();
  const runName = unique('e2e run');
  await page.getByTestId('run-name').fill(runName);

  // A new experiment, created with the run.
  await page.getByTestId('run-experiment').selectOption({ label: 'New experiment…' });
  await page.getByTestId('run-new-experiment').fill(unique('e2e-experiment'));
  await page.getByTestId('run-submit').click();
  await expect(page).toHaveURL(new RegExp(`/runs/[^/?]+\\?ns=${NS}$`));
  expect(consoleErrors).toEqual([]);
});

test('a file that is not a pipeline shows where it is wrong, and nothing is uploaded', async ({ page, consoleErrors }) => {
  const uploads: string[] = [];
  page.on('request', (request) => {
    if (request.url().includes('/api/pipelines/upload')) uploads.push(request.url());
  });
  await page.goto(`/pipelines?ns=${NS}`);
  await hydrated(page);
  await page.getByTestId('upload-pipeline').click();
  const dialog = page.getByTestId('upload-dialog');
  const file = dialog.getByTestId('upload-file');

  await file.setInputFiles({
    name: 'truncated.yaml',
    mimeType: 'application/yaml',
    buffer: Buffer.from('pipelineInfo:\n  name: broken\nroot:\n  dag:\n    tasks:\n      train: [\n'),
  });
  await expect(dialog.getByTestId('upload-parse-error')).toBeVisible();
  await expect(dialog.getByTestId('upload-error-place')).toHaveText(/^truncated\.yaml:\d+/);
  await expect(dialog.getByTestId('upload-graph')).toHaveCount(0);
  await expect(dialog.getByTestId('upload-submit')).toBeDisabled();

  // A typo in a component reference names the field to fix.
  const typo = fs
    .readFileSync(conformance('two_step_pipeline.yaml'), 'utf8')
    .replace('name: comp-write-to-gcs', 'name: comp-write-to-gsc');
  await file.setInputFiles({ name: 'typo.yaml', mimeType: 'application/yaml', buffer: Buffer.from(typo) });
  await expect(dialog.getByTestId('upload-error-place')).toContainText('componentRef');
  await expect(dialog.getByTestId('upload-parse-error')).toContainText('comp-write-to-gsc');

  // Too large is refused before the file is even read.
  await file.setInputFiles({ name: 'huge.yaml', mimeType: 'application/yaml', buffer: Buffer.alloc(33 * 1024 * 1024, 'a') });
  await expect(dialog.getByTestId('upload-parse-error')).toContainText('32.0 MiB');

  // A good file after a bad one is accepted, and cancelling sends nothing either.
  await file.setInputFiles(conformance('hello_world.yaml'));
  await expect(dialog.getByTestId('upload-summary')).toHaveAttribute('data-nodes', '1');
  await expect(dialog.getByTestId('upload-parse-error')).toHaveCount(0);
  await dialog.getByTestId('upload-cancel').click();
  await expect(dialog).toHaveCount(0);
  expect(uploads).toEqual([]);
  expect(consoleErrors).toEqual([]);
});

test('shared pipelines have their own tab', async ({ page, consoleErrors }) => {
  await page.goto(`/pipelines?ns=${NS}`);
  await hydrated(page);
  await expect(page.getByTestId('tab-namespace')).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('[data-testid=pipeline-row][data-name=pipeline_in_pipeline_complex]')).toBeVisible();
  await page.getByTestId('tab-shared').click();
  const shared = page.locator('[data-testid=pipeline-row][data-name=hello_world]');
  await expect(shared).toBeVisible();
  await expect(shared).toContainText('shared');
  await shared.getByTestId('pipeline-link').click();
  await expect(page.getByTestId('page-title')).toHaveText('hello_world');
  await expect(page).toHaveURL(new RegExp(`\\?ns=${NS}$`));
  expect(consoleErrors).toEqual([]);
});

test('under a base path, the upload goes to the prefixed API and opens the prefixed page', async ({ page, consoleErrors }) => {
  await page.goto(`${PREFIXED_URL}/pipelines?ns=${NS}`);
  await hydrated(page);
  await page.getByTestId('upload-pipeline').click();
  const dialog = page.getByTestId('upload-dialog');
  // A v1 pipeline (an Argo Workflow) in a .tar.gz archive.
  await dialog.getByTestId('upload-file').setInputFiles(conformance('pipeline_plus_component.tar.gz'));
  await expect(dialog.getByTestId('upload-summary')).toContainText('KFP v1 pipeline');
  const name = unique('e2e-prefixed');
  await dialog.getByTestId('upload-name').fill(name);
  const upload = page.waitForRequest((request) => request.url().startsWith(`${PREFIXED_URL}/api/pipelines/upload?`));
  await dialog.getByTestId('upload-submit').click();
  await upload;
  await expect(page).toHaveURL(new RegExp(`^${PREFIXED_URL}/pipelines/[^/?]+\\?ns=${NS}$`));
  await expect(page.getByTestId('page-title')).toHaveText(name);
  await expect(page.getByTestId('pipeline-graph').locator('.graph-node')).toHaveCount(1);
  expect(consoleErrors).toEqual([]);
});

test('every file of the conformance corpus shows its graph in the upload dialog', async ({ page, consoleErrors }) => {
  const folder = path.dirname(conformance('x'));
  const files = fs
    .readdirSync(folder)
    .filter((file) => !file.endsWith('.md') && file !== 'expected_counts.json')
    .sort();
  expect(files).toHaveLength(17);
  await page.goto(`/pipelines?ns=${NS}`);
  await hydrated(page);
  await page.getByTestId('upload-pipeline').click();
  const dialog = page.getByTestId('upload-dialog');
  for (const file of files) {
    await dialog.getByTestId('upload-file').setInputFiles(conformance(file));
    await expect(dialog.getByTestId('upload-summary'), file).toHaveAttribute('data-file', file);
    const nodes = Number(await dialog.getByTestId('upload-summary').getAttribute('data-nodes'));
    expect(nodes, file).toBeGreaterThan(0);
    await expect(dialog.getByTestId('upload-graph').locator('.graph-node').first(), file).toBeVisible();
  }
  expect(consoleErrors).toEqual([]);
});
