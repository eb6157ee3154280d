import { test as base, expect, Page } from '@playwright/test';

/** Fails the test on any console error or CSP violation the page reports. */
export const test = base.extend<{ consoleErrors: string[] }>({
  consoleErrors: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('console', (message) => {
      // A page that is itself a 404 (on purpose) is not an error of the app.
      const documentStatus = message.text().startsWith('Failed to load resource') && message.location().url === page.url();
      if (message.type() === 'error' && !documentStatus) errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(String(error)));
    await use(errors);
    expect(errors, 'console errors').toEqual([]);
  },
});

export { expect };

/** Waits until the WASM app has hydrated the server-rendered page. */
export async function hydrated(page: Page) {
  await expect(page.getByTestId('app')).toHaveAttribute('data-hydrated', 'true');
}
