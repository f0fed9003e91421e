import { test, expect } from './support/app';

test.describe('home page', () => {
  test('has the shop title and heading', async ({ page }) => {
    await page.goto('/');
    await expect(page).toHaveTitle('Hypertest Demo Shop');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Welcome to the demo shop');
  });

  test('navigation links reach every page', async ({ page }) => {
    await page.goto('/');
    for (const [link, heading] of [['Todo', 'Todo'], ['Shop', 'Shop'], ['Contact', 'Contact us']]) {
      await page.getByRole('navigation').getByRole('link', { name: link }).click();
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(heading);
      await page.goBack();
    }
  });

  test('loads the news from the slow backend', async ({ page }) => {
    await page.goto('/?delay=1500');
    await expect(page.locator('#news')).toHaveAttribute('aria-busy', 'true');
    await expect(page.locator('#news')).toHaveText('Spring sale: 20% off everything');
  });
});
