import { defineConfig } from '@playwright/test';

// Two fresh kfdash servers from the debug build: one at the root, one under a base path.
const bin = process.env.KFDASH_BIN ?? '../target/debug/kfdash';
const siteRoot = process.env.KFDASH_SITE_ROOT ?? '../target/site';
export const ROOT_URL = 'http://127.0.0.1:3100';
export const PREFIXED_URL = 'http://127.0.0.1:3101/kubeflow';
/** Header auth (as behind oauth2-proxy): each browser context signs in by its own header. */
export const TEAMS_URL = 'http://127.0.0.1:3102';
/** kfdash for a portal: only HOST_URL may talk to it; HOST_URL and FRAMING_ONLY_URL may frame it. */
export const EMBED_URL = 'http://127.0.0.1:3103';
/** The example portal of end2end/host, on three loopback origins. */
export const HOST_URL = 'http://127.0.0.1:3110';
export const FRAMING_ONLY_URL = 'http://127.0.0.1:3111';
export const STRANGER_URL = 'http://127.0.0.1:3112';

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  use: {
    baseURL: ROOT_URL,
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      // Without the networking flags Chromium floods the closed network of these machines.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: [
    {
      // Each server gets its own fresh sandbox, so runs never depend on earlier state.
      command: `${bin} --addr 127.0.0.1:3100 --site-root ${siteRoot} --data-dir ../target/e2e/root --sandbox-reset`,
      url: `${ROOT_URL}/healthz`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: `${bin} --addr 127.0.0.1:3101 --base-path /kubeflow/ --site-root ${siteRoot} --data-dir ../target/e2e/prefixed --sandbox-reset`,
      url: 'http://127.0.0.1:3101/healthz',
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: `${bin} --addr 127.0.0.1:3102 --auth header --site-root ${siteRoot} --data-dir ../target/e2e/teams --sandbox-reset`,
      url: 'http://127.0.0.1:3102/healthz',
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command:
        `${bin} --addr 127.0.0.1:3103 --site-root ${siteRoot} --data-dir ../target/e2e/embed --sandbox-reset` +
        ` --links-config host/links.json --embed-origins http://127.0.0.1:3110` +
        ` --frame-ancestors "'self' http://127.0.0.1:3110 http://127.0.0.1:3111"`,
      url: 'http://127.0.0.1:3103/healthz',
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: 'node host/serve.mjs 3110 3111 3112',
      url: 'http://127.0.0.1:3110/healthz',
      reuseExistingServer: false,
      timeout: 10_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
  ],
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
});
