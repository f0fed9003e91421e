// A serial group: the steps share one page and must run in order in one worker, so
// hypertest keeps them in one invocation.
import { type Page } from '@playwright/test';
import { test, expect, serveApp } from './support/app';

test.describe('checkout flow', () => {
  test.describe.configure({ mode: 'serial' });

  let page: Page;

  test.beforeAll(async ({ browser }) => {
    const context = await browser.newContext();
    await serveApp(context);
    page = await context.newPage();
  });

  test.afterAll(async () => {
    await page.context().close();
  });

  test('fills the cart', async () => {
    await page.goto('/shop.html');
    await page.getByRole('button', { name: 'Add to cart' }).first().click();
    await page.getByRole('button', { name: 'Add to cart' }).nth(1).click();
    await expect(page.locator('#cart-count')).toHaveText('2');
    await expect(page.locator('#cart-total')).toHaveText('37');
  });

  test('opens the checkout form', async () => {
    await page.getByRole('button', { name: 'Checkout' }).click();
    await expect(page.getByLabel('Email')).toBeVisible();
  });

  test('pays and gets a confirmation', async () => {
    await page.getByLabel('Email').fill('ada@example.com');
    await page.getByRole('button', { name: 'Pay' }).click();
    await expect(page.locator('#confirmation')).toHaveText('Thank you! Order confirmed for ada@example.com');
  });
});
