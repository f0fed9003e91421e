import * as path from 'path';
import { test, expect } from './support/app';

// Files a test writes to HT_TEST_ARTIFACTS_OUTPUT_PATH are collected by hypertest into
// {store}/{runId}/{testId}/. Run by plain Playwright, the test's own output folder is used.
function artifactsDir(testInfo: import('@playwright/test').TestInfo): string {
  return process.env.HT_TEST_ARTIFACTS_OUTPUT_PATH || testInfo.outputPath();
}

test('saves a screenshot of the shop', async ({ page }, testInfo) => {
  await page.goto('/shop.html');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Shop');
  const file = path.join(artifactsDir(testInfo), 'screenshots', `shop-${testInfo.project.name}.png`);
  await page.screenshot({ path: file, fullPage: true });
});
