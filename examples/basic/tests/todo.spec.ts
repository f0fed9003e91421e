import { test, expect } from './support/app';

test.beforeEach(async ({ page }) => {
  await page.goto('/todo.html');
});

async function addTodo(page: import('@playwright/test').Page, text: string) {
  await page.getByLabel('New item').fill(text);
  await page.getByRole('button', { name: 'Add' }).click();
  await expect(page.getByRole('status')).toHaveText('Saved');
}

test('adds an item', async ({ page }) => {
  await addTodo(page, 'Buy milk');
  await expect(page.locator('#list li')).toHaveCount(1);
  await expect(page.locator('#count')).toHaveText('1');
});

test('adds several items', async ({ page }) => {
  for (const item of ['one', 'two', 'three']) await addTodo(page, item);
  await expect(page.locator('#list li span')).toHaveText(['one', 'two', 'three']);
});

test('completes an item', async ({ page }) => {
  await addTodo(page, 'Write tests');
  await page.getByRole('button', { name: 'Done' }).click();
  await expect(page.locator('#list li')).toHaveClass(/done/);
  await expect(page.locator('#count')).toHaveText('0');
});

test('deletes an item', async ({ page }) => {
  await addTodo(page, 'Temporary');
  await page.getByRole('button', { name: 'Delete' }).click();
  await expect(page.locator('#list li')).toHaveCount(0);
});

