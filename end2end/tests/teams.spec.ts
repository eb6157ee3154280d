import { Browser } from '@playwright/test';
import { test, expect, hydrated } from './fixtures';
import { TEAMS_URL } from '../playwright.config';

// Users sign in through a header, as behind oauth2-proxy; each context is one user.
async function signedIn(browser: Browser, user: string) {
  const context = await browser.newContext({ baseURL: TEAMS_URL, extraHTTPHeaders: { 'kubeflow-userid': user } });
  return context.newPage();
}

test.describe.configure({ mode: 'serial' });

test('a new user registers, invites a contributor, who sees that namespace and nothing else', async ({ browser }) => {
  const newbie = await signedIn(browser, 'newbie@example.com');
  await newbie.goto('/');
  await hydrated(newbie);
  await expect(newbie.getByTestId('welcome')).toBeVisible();
  await expect(newbie.getByTestId('register-name')).toHaveValue('kubeflow-newbie-example-com');
  await newbie.getByTestId('register-submit').click();
  await expect(newbie).toHaveURL(/\?ns=kubeflow-newbie-example-com/);
  await expect(newbie.getByTestId('welcome')).toHaveCount(0);
  await expect(newbie.getByTestId('namespace-select')).toContainText('kubeflow-newbie-example-com · owner');

  await newbie.getByTestId('nav-contributors').click();
  await expect(newbie.getByTestId('no-contributors')).toBeVisible();
  await newbie.getByTestId('contributor-email').fill('not-an-email');
  await newbie.getByTestId('contributor-email').evaluate((input: HTMLInputElement) => (input.type = 'text'));
  await newbie.getByTestId('contributor-add').click();
  await expect(newbie.getByTestId('contributor-error')).toContainText('email');
  await newbie.getByTestId('contributor-email').fill('friend@example.com');
  await newbie.getByTestId('contributor-add').click();
  await expect(newbie.getByTestId('contributor-row')).toHaveCount(1);
  await expect(newbie.getByTestId('contributor-row')).toContainText('friend@example.com');

  const friend = await signedIn(browser, 'friend@example.com');
  await friend.goto('/');
  await hydrated(friend);
  await expect(friend).toHaveURL(/\?ns=kubeflow-newbie-example-com/);
  const options = friend.getByTestId('namespace-select').locator('option');
  await expect(options).toHaveCount(1);
  await expect(options.first()).toHaveText('kubeflow-newbie-example-com · contributor');
  await friend.goto('/contributors?ns=kubeflow-newbie-example-com');
  await expect(friend.getByTestId('not-owner')).toBeVisible();

  await newbie.getByRole('button', { name: 'Remove friend@example.com' }).click();
  await expect(newbie.getByTestId('no-contributors')).toBeVisible();
  await friend.goto('/');
  await hydrated(friend);
  await expect(friend.getByTestId('welcome')).toBeVisible();
});

test('a member of several namespaces switches between them', async ({ browser }) => {
  const user = await signedIn(browser, 'user@example.com');
  await user.goto('/notebooks');
  await hydrated(user);
  await expect(user).toHaveURL(/\/notebooks\?ns=kubeflow-user-example-com/);
  const select = user.getByTestId('namespace-select');
  await expect(select.locator('option')).toHaveText(['kubeflow-user-example-com · owner', 'team-ml · contributor']);
  await select.selectOption('team-ml');
  await expect(user).toHaveURL(/\/notebooks\?ns=team-ml/);
  // Remembered per user: a fresh visit opens the last namespace.
  await user.goto('/runs');
  await hydrated(user);
  await expect(user).toHaveURL(/\/runs\?ns=team-ml/);
});

test('a cross-site form cannot call a server function', async ({ browser }) => {
  // The victim is signed in (every request carries their identity, like IAP's cookie) and
  // visits an attacker's page on another origin, which posts a form to kfdash.
  const victim = await signedIn(browser, 'user@example.com');
  await victim.route('http://127.0.0.1:3199/attack', (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<form id="f" method="post" action="${TEAMS_URL}/api/contributors/add">
               <input name="namespace" value="kubeflow-user-example-com">
               <input name="email" value="eve@example.com">
               <input name="role" value="edit">
             </form>
             <script>document.getElementById('f').submit()</script>`,
    }),
  );
  const posted = victim.waitForResponse((response) => response.url().endsWith('/api/contributors/add'));
  await victim.goto('http://127.0.0.1:3199/attack');
  const response = await posted;
  expect(response.status()).toBe(403);
  expect(await response.text()).toContain('did not come from');

  const owner = await signedIn(browser, 'user@example.com');
  await owner.goto('/contributors?ns=kubeflow-user-example-com');
  await hydrated(owner);
  await expect(owner.getByTestId('contributors')).toBeVisible();
  await expect(owner.getByTestId('no-contributors')).toBeVisible();
});

test('home shows recent notebooks and the namespace activity by day', async ({ browser }) => {
  const user = await signedIn(browser, 'user@example.com');
  await user.goto('/?ns=kubeflow-user-example-com');
  await hydrated(user);
  await expect(user.getByTestId('recent-notebook')).toHaveCount(3);
  await expect(user.getByTestId('recent-notebooks')).toContainText('vscode-dev');
  await expect(user.getByTestId('recent-notebooks')).toContainText('Stopped');
  await user.getByTestId('nav-activity').click();
  await expect(user.getByTestId('activity-item').first()).toBeVisible();
  await expect(user.getByTestId('activity')).toContainText('FailedScheduling');
  // Someone else's namespace: the cluster refuses, and the page says so in words.
  await user.goto('/activity?ns=kubeflow-other-example-com');
  await hydrated(user);
  await expect(user.getByTestId('activity-error')).toContainText("you don't have access to events in namespace kubeflow-other-example-com");
});
