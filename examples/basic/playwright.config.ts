// The example suite hypertest runs in the README's first command. It works offline: pages
// come from ./site through request routing (tests/support/app.ts), so no server or port
// is involved and any number of Playwright processes can run side by side.
import { defineConfig, devices } from '@playwright/test';

// Debian's chromium (Playwright's own browser download is not used). HT_CHROMIUM overrides.
const launchOptions = {
  executablePath: process.env.HT_CHROMIUM || '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

export default defineConfig({
  testDir: './tests',
  timeout: 15_000,
  expect: { timeout: 5_000 },
  reporter: 'list',
  use: {
    baseURL: 'http://app.local',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    // Video needs ffmpeg where Playwright looks for it (scripts/setup.sh links Debian's).
    video: process.env.HT_EXAMPLE_VIDEO ? 'on' : 'off',
  },
  projects: [
    { name: 'chromium', use: { ...devices['Desktop Chrome'], launchOptions } },
    { name: 'chromium-mobile', use: { ...devices['Pixel 7'], launchOptions } },
  ],
});
