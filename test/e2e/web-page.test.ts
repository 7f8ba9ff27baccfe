/**
 * The web chat page in real Chromium: log in with the token, send a message, see
 * the streamed answer become the final message, reload and keep the history.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable, launchBrowser } from '../browser.js';
import { type OpenAIDouble, startOpenAIDouble } from '../doubles/openai.js';
import { type Running, startParley, testConfig } from '../harness.js';

const skip = browserUnavailable();

describe.skipIf(skip)('web chat page in Chromium', () => {
  let llm: OpenAIDouble;
  let parley: Running;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;

  beforeAll(async () => {
    llm = await startOpenAIDouble();
    parley = await startParley(
      testConfig({ llm: { baseUrl: llm.baseUrl, apiKey: 'sk-page-test-123' } }),
    );
    browser = await launchBrowser();
    mkdirSync('artifacts/screenshots', { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await parley?.close();
    await llm?.close();
  });

  it('chats, streams, and survives a reload without losing or repeating messages', async () => {
    const page = await browser.browser.newPage();
    const errors: string[] = [];
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    page.on('pageerror', (error) => errors.push(error.message));
    llm.script.push({ text: 'A streamed answer, word by word, for the page.', delayMs: 50 });
    await page.goto(`${parley.app.url}/?token=${parley.app.token}`);
    await page.locator('#state', { hasText: 'connected' }).waitFor();
    await page.fill('#input', 'hello from chromium');
    await page.keyboard.press('Enter');
    await page
      .locator('.msg.bot:not(.streaming)', { hasText: 'A streamed answer, word by word' })
      .waitFor();
    expect(await page.locator('.msg.user').allTextContents()).toEqual(['hello from chromium']);
    await page.screenshot({ path: 'artifacts/screenshots/web-chat.png' });

    await page.reload();
    await page.locator('#state', { hasText: 'connected' }).waitFor();
    await page.fill('#input', 'second');
    await page.keyboard.press('Enter');
    await page.locator('.msg.bot', { hasText: 'echo: second' }).waitFor();
    const bots = await page.locator('.msg.bot').allTextContents();
    expect(bots).toEqual(['A streamed answer, word by word, for the page.', 'echo: second']);
    expect(await page.locator('.msg.user').allTextContents()).toEqual([
      'hello from chromium',
      'second',
    ]);
    expect(page.url()).not.toContain('token=');
    expect(errors).toEqual([]);
  });

  it('refuses the page without the token', async () => {
    const page = await browser.browser.newPage();
    const response = await page.goto(`${parley.app.url.replace('127.0.0.1', 'localhost')}/`);
    expect(response?.status()).toBe(401);
  });
});
