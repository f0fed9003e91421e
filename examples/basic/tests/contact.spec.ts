import { test, expect } from './support/app';

test.describe('contact form', () => {
  test.beforeEach(async ({ page }) => {
    await page.goto('/contact.html');
  });

  test('sends a message', async ({ page }) => {
    await page.getByLabel('Name').fill('Grace');
    await page.getByLabel('Message').fill('Hello!');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect(page.getByRole('status')).toHaveText('Thanks Grace, we will get back to you');
  });

  // This test fails on purpose, so the example shows what a failure looks like in the
  // results, the JUnit report and the merged HTML report.
  test('greets the sender by full name (fails on purpose)', async ({ page }) => {
    await page.getByLabel('Name').fill('Grace Hopper');
    await page.getByLabel('Message').fill('Hello!');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect(page.getByRole('status')).toHaveText('Thanks Rear Admiral Hopper', { timeout: 2_000 });
  });
});
