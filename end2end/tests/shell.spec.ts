import { test, expect, hydrated } from './fixtures';
import { PREFIXED_URL } from '../playwright.config';

test('home renders on the server and hydrates without CSP violations', async ({ page, consoleErrors }) => {
  // Script disabled: what the server sent must already be the page.
  const response = await page.request.get('/');
  expect(response.status()).toBe(200);
  expect(response.headers()['content-security-policy']).toContain("'wasm-unsafe-eval'");
  expect(await response.text()).toContain('data-testid="sidebar"');

  await page.goto('/');
  await hydrated(page);
  await expect(page).toHaveTitle('Home · kfdash');
  await expect(page.getByTestId('user')).toContainText('user@example.com');
  await expect(page.getByTestId('sandbox-badge')).toBeVisible();
  await expect(page.getByTestId('nav-home')).toHaveAttribute('aria-current', 'page');
  // Built-in links (no --links-config): quick links stay in the namespace, docs open outside.
  await expect(page.getByTestId('quick-links')).toContainText('Create a notebook server');
  await expect(page.getByTestId('quick-links').getByRole('link').first()).toHaveAttribute('href', /^\/notebooks\?ns=/);
  await expect(page.getByTestId('documentation')).toContainText('Getting started with Kubeflow');
  expect(consoleErrors).toEqual([]);
});

test('the sidebar navigates on the client and keeps ?ns=', async ({ page, consoleErrors }) => {
  await page.goto('/?ns=team-ml');
  await hydrated(page);
  await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));

  const sections: [string, string, string][] = [
    ['nav-notebooks', '/notebooks', 'Notebooks'],
    ['nav-pipelines', '/pipelines', 'Pipelines'],
    ['nav-runs', '/runs', 'Runs'],
    ['nav-experiments', '/experiments', 'Experiments (Katib)'],
    ['nav-contributors', '/contributors', 'Contributors'],
    ['nav-activity', '/activity', 'Activity'],
  ];
  for (const [testId, path, title] of sections) {
    await page.getByTestId(testId).click();
    await expect(page).toHaveURL(`${path}?ns=team-ml`);
    await expect(page.getByTestId('page-title')).toHaveText(title);
    await expect(page.getByTestId(testId)).toHaveAttribute('aria-current', 'page');
    await expect(page).toHaveTitle(`${title} · kfdash`);
  }
  await page.getByTestId('nav-home').click();
  await expect(page).toHaveURL('/?ns=team-ml');
  // No full page load happened on the way: the router handled every click.
  expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
});

test('the theme toggle flips the theme and the server remembers it', async ({ page, consoleErrors }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto('/');
  await hydrated(page);
  const html = page.locator('html');
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const lightBackground = await background();

  await page.getByTestId('theme-toggle').click();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  expect(await background()).not.toBe(lightBackground);

  await page.reload();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await hydrated(page);
  await page.getByTestId('theme-toggle').click();
  await expect(html).toHaveAttribute('data-theme', 'light');
  expect(await background()).toBe(lightBackground);
});

test('?embed=1 hides the chrome and keeps it hidden while navigating', async ({ page, consoleErrors }) => {
  await page.goto('/notebooks?embed=1');
  await hydrated(page);
  await expect(page.getByTestId('page-title')).toHaveText('Notebooks');
  await expect(page.getByTestId('sidebar')).toHaveCount(0);
  await expect(page.locator('header.header')).toHaveCount(0);

  await page.goto('/?embed=1');
  await hydrated(page);
  await page.getByTestId('tile-pipelines').click();
  // Embedded there is no selector on screen, so kfdash opens the user's own namespace (the host
  // hears it as namespace-changed, and may choose another with set-namespace).
  await expect(page).toHaveURL(/\/pipelines\?ns=kubeflow-user-example-com&embed=1$/);
  await expect(page.getByTestId('sidebar')).toHaveCount(0);
});

test('on a narrow screen the sidebar is a drawer behind the menu button', async ({ page, consoleErrors }) => {
  await page.setViewportSize({ width: 420, height: 800 });
  await page.goto('/');
  await hydrated(page);
  const sidebar = page.getByTestId('sidebar');
  await expect(sidebar).not.toBeInViewport();
  await page.getByTestId('menu-toggle').click();
  await expect(page.getByTestId('menu-toggle')).toHaveAttribute('aria-expanded', 'true');
  await expect(sidebar).toBeInViewport();
  await page.getByTestId('nav-runs').click();
  await expect(page).toHaveURL(/\/runs\?ns=/);
  await expect(sidebar).not.toBeInViewport();
});

test('keyboard users can skip to the content and reach the sections', async ({ page, consoleErrors }) => {
  await page.goto('/');
  await hydrated(page);
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await page.keyboard.press('Enter');
  await expect(page.locator('#main')).toBeFocused();

  await page.getByTestId('nav-pipelines').focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/pipelines\?ns=/);
});

test('an unknown page is a 404 with a way home', async ({ page, consoleErrors }) => {
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await hydrated(page);
  await expect(page.getByTestId('not-found')).toContainText('Page not found');
  await expect(page.getByTestId('not-found')).toContainText('/no/such/page');
  await page.getByRole('link', { name: 'Back to home' }).click();
  await expect(page).toHaveURL(/\/\?ns=kubeflow-user-example-com$/);
});

test('under --base-path everything lives below the prefix', async ({ page, consoleErrors }) => {
  await page.goto(`${PREFIXED_URL}/`);
  await hydrated(page);
  await expect(page.getByTestId('user')).toContainText('user@example.com');
  // The default namespace is chosen under the prefix, not under the prefix twice.
  await expect(page).toHaveURL(`${PREFIXED_URL}/?ns=kubeflow-user-example-com`);
  await page.getByTestId('nav-experiments').click();
  await expect(page).toHaveURL(`${PREFIXED_URL}/experiments?ns=kubeflow-user-example-com`);
  await page.getByTestId('namespace-select').selectOption('team-ml');
  await expect(page).toHaveURL(`${PREFIXED_URL}/experiments?ns=team-ml`);
  await page.getByTestId('namespace-select').selectOption('kubeflow-user-example-com');
  await expect(page.getByTestId('page-title')).toHaveText('Experiments (Katib)');
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('page-title')).toHaveText('Experiments (Katib)');
  await page.getByTestId('theme-toggle').click();
  const cookies = await page.context().cookies(PREFIXED_URL);
  expect(cookies.find((cookie) => cookie.name === 'kfdash-theme')?.path).toBe('/kubeflow');
});
