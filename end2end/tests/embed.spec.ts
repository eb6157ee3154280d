import { test as base, expect, Page, FrameLocator } from '@playwright/test';
import { test, hydrated } from './fixtures';
import { EMBED_URL, HOST_URL, FRAMING_ONLY_URL, STRANGER_URL } from '../playwright.config';

type Message = { source: string; type: string; [key: string]: unknown };

const received = (page: Page) =>
  page.evaluate(() => (window as unknown as { kfdash: { received: Message[] } }).kfdash.received);

const send = (page: Page, message: object) =>
  page.evaluate((m) => (window as unknown as { kfdash: { send: (m: object) => void } }).kfdash.send(m), message);

/** The last message of this type the host received, once one arrives. */
async function lastOf(page: Page, type: string, matching: (m: Message) => boolean = () => true): Promise<Message> {
  let found: Message | undefined;
  await expect
    .poll(async () => {
      found = (await received(page)).filter((m) => m.type === type && matching(m)).at(-1);
      return found !== undefined;
    })
    .toBe(true);
  return found!;
}

const frameUrl = (page: Page) => page.frames().find((f) => f.url().startsWith(EMBED_URL))?.url() ?? '';

async function openPortal(page: Page, origin: string): Promise<FrameLocator> {
  await page.goto(`${origin}/?kfdash=${encodeURIComponent(`${EMBED_URL}/`)}`);
  const frame = page.frameLocator('#kfdash');
  await expect(frame.getByTestId('app')).toHaveAttribute('data-hydrated', 'true');
  return frame;
}

test('a portal on an allowed origin drives kfdash through the documented messages', async ({ page, consoleErrors }) => {
  const frame = await openPortal(page, HOST_URL);

  // kfdash → host: ready, where it is, which namespace, how tall.
  const ready = await lastOf(page, 'ready');
  expect(ready).toEqual({ source: 'kfdash', type: 'ready', version: 1 });
  const namespace = (await lastOf(page, 'namespace-changed', (m) => typeof m.namespace === 'string')).namespace as string;
  expect(namespace).toMatch(/^[a-z0-9-]+$/);
  const home = await lastOf(page, 'navigated', (m) => String(m.path).includes(`ns=${namespace}`));
  expect(home.path).toBe(`/?ns=${namespace}&embed=1`);
  expect(home.title).toBe('Home · kfdash');
  const height = await lastOf(page, 'height');
  expect(height.height).toBeGreaterThan(100);
  // The example portal sizes the frame to what kfdash reported.
  await expect(page.locator('#kfdash')).toHaveJSProperty('style.height', `${Math.max(height.height as number, 200)}px`);
  // Embed mode: no header or sidebar of kfdash's own.
  await expect(frame.getByTestId('sidebar')).toHaveCount(0);

  // host → kfdash: navigate, inside kfdash only.
  await send(page, { type: 'navigate', path: '/notebooks' });
  await expect(frame.getByTestId('page-title')).toHaveText('Notebooks');
  const notebooks = await lastOf(page, 'navigated', (m) => String(m.path).startsWith('/notebooks'));
  expect(notebooks).toMatchObject({ path: `/notebooks?ns=${namespace}&embed=1`, title: 'Notebooks · kfdash' });
  for (const path of ['javascript:alert(1)', 'https://example.com/', '//example.com/x', '/\\example.com']) {
    await send(page, { type: 'navigate', path });
  }
  await send(page, { type: 'navigate', path: '/activity' });
  await expect(frame.getByTestId('page-title')).toHaveText('Activity');
  expect(frameUrl(page)).toBe(`${EMBED_URL}/activity?ns=${namespace}&embed=1`);

  // set-namespace: validated here, authorized by the server.
  await send(page, { type: 'set-namespace', namespace: 'team-ml' });
  await lastOf(page, 'namespace-changed', (m) => m.namespace === 'team-ml');
  expect(frameUrl(page)).toBe(`${EMBED_URL}/activity?ns=team-ml&embed=1`);
  await send(page, { type: 'set-namespace', namespace: '../../etc' });
  await send(page, { type: 'navigate', path: '/notebooks' });
  await lastOf(page, 'navigated', (m) => m.path === '/notebooks?ns=team-ml&embed=1');
  // set-theme: allow-listed custom properties with valid values only.
  const primary = () =>
    frame.locator('html').evaluate((html) => getComputedStyle(html).getPropertyValue('--kf-color-primary').trim());
  const before = await primary();
  await send(page, { type: 'set-theme', properties: { '--kf-color-primary': 'red; background: url(https://example.com/x)' } });
  await send(page, { type: 'set-theme', properties: { background: 'red' } });
  await send(page, { type: 'set-theme', properties: { '--kf-color-primary': '#c2185b', '--kf-radius': '2px' } });
  await expect.poll(primary).toBe('#c2185b');
  expect(before).not.toBe('#c2185b');
  expect(await frame.locator('html').evaluate((html) => html.style.background)).toBe('');

  // Each refused message left a warning in kfdash's console, nothing else.
  expect(consoleErrors).toEqual([]);

  // A namespace of another tenant passes the syntax check, and the cluster says no.
  await send(page, { type: 'set-namespace', namespace: 'kube-system' });
  await lastOf(page, 'namespace-changed', (m) => m.namespace === 'kube-system');
  await expect(frame.getByText(/don't have access/i).first()).toBeVisible();
  // The browser logs the refused requests (403) as errors; those are expected here.
  expect(consoleErrors.every((e) => e.includes('403'))).toBe(true);
  consoleErrors.splice(0);
});

test('a portal that may frame kfdash but is not an embed origin is neither heard nor told anything', async ({ page, consoleErrors }) => {
  const frame = await openPortal(page, FRAMING_ONLY_URL);
  await send(page, { type: 'navigate', path: '/notebooks' });
  await send(page, { type: 'set-theme', properties: { '--kf-color-primary': '#c2185b' } });
  await expect(frame.locator('.hero__title')).toBeVisible();
  // Give kfdash time to have posted, had it been going to.
  await page.waitForTimeout(500);
  expect(await received(page)).toEqual([]);
  expect(frameUrl(page)).not.toContain('/notebooks');
  expect(consoleErrors).toEqual([]);
});

base('a page that is not a frame ancestor cannot frame kfdash at all', async ({ page }) => {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (message.text().includes('frame-ancestors')) violations.push(message.text());
  });
  const document = page.waitForResponse((response) => response.url().startsWith(EMBED_URL));
  await page.goto(`${STRANGER_URL}/?kfdash=${encodeURIComponent(`${EMBED_URL}/`)}`);
  const response = await document;
  expect(response.headers()['content-security-policy']).toContain(
    "frame-ancestors 'self' http://127.0.0.1:3110 http://127.0.0.1:3111",
  );
  await expect.poll(() => violations.length).toBeGreaterThan(0);
  // Chromium shows its own error page in the frame; kfdash never runs there.
  await expect(page.frameLocator('#kfdash').getByTestId('app')).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { kfdash: { received: unknown[] } }).kfdash.received)).toEqual([]);
});

/** A stand-in for an upstream app (Volumes): it uses the dashboard library as upstream apps do. */
const upstreamApp = (path: string) => `<!doctype html>
<html><head><title>Volumes</title><script src="/dashboard_lib.bundle.js"></script></head>
<body>
  <h1 id="where">${path}</h1>
  <p>namespace: <span id="namespace">none</span></p>
  <p>loads: <span id="loads"></span></p>
  <a id="details" href="/volumes/details/pvc-1">details</a>
  <button id="push" type="button">tab</button>
  <script>
    sessionStorage.loads = String(Number(sessionStorage.loads || 0) + 1);
    document.getElementById('loads').textContent = sessionStorage.loads;
    document.getElementById('push').onclick = () => history.pushState({}, '', '/volumes/details/pvc-1?tab=events');
    window.centraldashboard.CentralDashboardEventHandler.init((handler, framed) => {
      document.body.dataset.framed = String(framed);
      handler.onParentConnected = () => { document.body.dataset.connected = 'true'; };
      handler.onNamespaceSelected = (ns) => { document.getElementById('namespace').textContent = ns; };
      handler.onAllNamespacesSelected = (all) => { document.getElementById('namespace').textContent = 'all: ' + all.join(','); };
    });
  </script>
</body></html>`;

test('an upstream app opens inside kfdash, hears the namespace, and the address bar follows it', async ({ page, consoleErrors }) => {
  await page.route(`${EMBED_URL}/volumes/**`, (route) =>
    route.fulfill({ contentType: 'text/html', body: upstreamApp(new URL(route.request().url()).pathname) }),
  );
  await page.goto(`${EMBED_URL}/?ns=team-ml`);
  await hydrated(page);
  await page.getByTestId('sidebar-apps').getByRole('link', { name: 'Volumes' }).click();
  await expect(page).toHaveURL(`${EMBED_URL}/_/volumes/?ns=team-ml`);
  await expect(page).toHaveTitle('Volumes · kfdash');
  const app = page.frameLocator('[data-testid=hosted-app]');
  await expect(app.locator('body')).toHaveAttribute('data-connected', 'true');
  await expect(app.locator('body')).toHaveAttribute('data-framed', 'true');
  await expect(app.locator('#namespace')).toHaveText('team-ml');

  // A namespace change reaches the app without reloading it.
  const own = await page.getByTestId('namespace-select').locator('option').evaluateAll((options) =>
    options.map((o) => (o as HTMLOptionElement).value).find((v) => v !== 'team-ml'),
  );
  await page.getByTestId('namespace-select').selectOption(own!);
  await expect(app.locator('#namespace')).toHaveText(own!);
  await expect(app.locator('#loads')).toHaveText('1');

  // The app navigates by itself: kfdash's address follows, replacing its entry.
  const historyBefore = await page.evaluate(() => history.length);
  await app.locator('#push').click();
  await expect(page).toHaveURL(`${EMBED_URL}/_/volumes/details/pvc-1?ns=${own}&tab=events`);
  await app.locator('#details').click();
  await expect(app.locator('#where')).toHaveText('/volumes/details/pvc-1');
  await expect(page).toHaveURL(`${EMBED_URL}/_/volumes/details/pvc-1?ns=${own}`);
  // Only the app's own two steps entered the history; Back walks through them.
  expect(await page.evaluate(() => history.length)).toBe(historyBefore + 2);
  await page.goBack();
  await expect(page).toHaveURL(`${EMBED_URL}/_/volumes/details/pvc-1?ns=${own}&tab=events`);
  await page.goBack();
  await expect(page).toHaveURL(`${EMBED_URL}/_/volumes/?ns=${own}`);

  // An address typed in the bar opens that page of the app.
  await page.goto(`${EMBED_URL}/_/volumes/details/pvc-9?ns=team-ml`);
  await expect(page.frameLocator('[data-testid=hosted-app]').locator('#where')).toHaveText('/volumes/details/pvc-9');
  expect(consoleErrors).toEqual([]);
});

test('kfdash frames only the apps its links configuration names', async ({ page, consoleErrors }) => {
  for (const path of ['/_/notebooks', '/_/api/whoami', '/_/']) {
    await page.goto(`${EMBED_URL}${path}`);
    await hydrated(page);
    await expect(page.getByTestId('hosted-unknown')).toBeVisible();
    await expect(page.getByTestId('hosted-app')).toHaveCount(0);
  }
  const library = await page.request.get(`${EMBED_URL}/dashboard_lib.bundle.js`);
  expect(library.status()).toBe(200);
  expect(library.headers()['content-type']).toContain('javascript');
  expect(await library.text()).toContain('CentralDashboardEventHandler');
  expect(consoleErrors).toEqual([]);
});
