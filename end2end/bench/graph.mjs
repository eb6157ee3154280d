// Time from data to a drawn graph in Chromium: a generated KFP v2 pipeline of N tasks is
// chosen in the upload dialog, read and parsed in WASM, laid out and drawn as SVG. Prints the
// median of several rounds per size. Not a test (timings vary by machine); run it by hand:
//   cargo leptos build --release
//   ../target/release/kfdash --addr 127.0.0.1:3390 --site-root ../target/site \
//     --data-dir /tmp/kfdash-bench --sandbox-reset &
//   node bench/graph.mjs http://127.0.0.1:3390
import { chromium } from '@playwright/test';

const base = process.argv[2] ?? 'http://127.0.0.1:3390';

/** A v2 IR pipeline of `tasks` tasks in layers of up to 8, each waiting for one or two earlier ones. */
function pipeline(tasks) {
  const lines = [
    'components:',
    '  comp-step:',
    '    executorLabel: exec-step',
    'deploymentSpec:',
    '  executors:',
    '    exec-step:',
    '      container:',
    '        image: python:3.11',
    '        command: [python, -c, "print(1)"]',
    'pipelineInfo:',
    `  name: synthetic-${tasks}`,
    'root:',
    '  dag:',
    '    tasks:',
  ];
  let seed = 7;
  const random = (n) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
  for (let i = 0; i < tasks; i++) {
    const layer = Math.floor(i / 8);
    const parents = new Set();
    if (layer > 0) {
      for (let k = 0; k < 1 + random(2); k++) parents.add((layer - 1) * 8 + random(8));
    }
    lines.push(`      task-${i}:`, '        componentRef:', '          name: comp-step', '        taskInfo:', `          name: step ${i}`);
    const deps = [...parents].filter((p) => p < tasks);
    if (deps.length) lines.push(`        dependentTasks: [${deps.map((p) => `task-${p}`).join(', ')}]`);
  }
  lines.push('schemaVersion: 2.1.0', 'sdkVersion: kfp-2.14.6');
  return lines.join('\n') + '\n';
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
await page.goto(`${base}/pipelines`);
await page.waitForSelector('[data-hydrated=true]', { state: 'attached' });
for (const tasks of [100, 1000]) {
  const buffer = Buffer.from(pipeline(tasks));
  const samples = [];
  for (let round = 0; round < 5; round++) {
    await page.goto(`${base}/pipelines`);
    await page.waitForSelector('[data-hydrated=true]', { state: 'attached' });
    await page.getByTestId('upload-pipeline').click();
    const input = page.locator('input[type=file]');
    const started = Date.now();
    await input.setInputFiles({ name: `synthetic-${tasks}.yaml`, mimeType: 'application/yaml', buffer });
    await page.waitForFunction((n) => document.querySelectorAll('[data-node]').length >= n, tasks, { polling: 'raf', timeout: 60_000 });
    samples.push(Date.now() - started);
  }
  samples.sort((a, b) => a - b);
  console.log(`${tasks} tasks (${(buffer.length / 1024).toFixed(0)} KiB): file chosen → graph drawn, median ${samples[2]} ms (min ${samples[0]}, max ${samples[4]})`);
}
await browser.close();
