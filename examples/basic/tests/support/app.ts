// Serves ./site at http://app.local/ through Playwright's request routing: a real http
// origin for the pages, with no server process and no port.
import { test as base, expect, type BrowserContext } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';

const siteDir = path.resolve(__dirname, '..', '..', 'site');

export async function serveApp(context: BrowserContext): Promise<void> {
  await context.route('http://app.local/**', async (route) => {
    const url = new URL(route.request().url());
    let pathname = decodeURIComponent(url.pathname);
    if (pathname.endsWith('/')) pathname += 'index.html';
    const file = path.resolve(siteDir, '.' + pathname);
    if (!file.startsWith(siteDir + path.sep) || !fs.existsSync(file)) {
      await route.fulfill({ status: 404, contentType: 'text/plain', body: 'not found' });
      return;
    }
    await route.fulfill({ path: file });
  });
}

export const test = base.extend({
  context: async ({ context }, use) => {
    await serveApp(context);
    await use(context);
  },
});

export { expect };
