import { test, expect } from './support/app';

test.skip('a skipped test', async ({ page }) => {
  await page.goto('/');
});

test.fixme('a test waiting for a fix', async ({ page }) => {
  await page.goto('/missing.html');
  await expect(page).toHaveTitle('Missing');
});

test('only on desktop', async ({ page, isMobile }) => {
  test.skip(isMobile, 'the desktop layout is not shown on mobile');
  await page.goto('/');
  await expect(page.getByRole('navigation').getByRole('link')).toHaveCount(4);
});

test('only on mobile', async ({ page, isMobile }) => {
  test.skip(!isMobile, 'checks the mobile layout');
  await page.goto('/');
  const box = await page.getByRole('link', { name: 'Todo' }).boundingBox();
  const homeBox = await page.getByRole('link', { name: 'Home' }).boundingBox();
  expect(box!.y).toBeGreaterThan(homeBox!.y);
});
