/**
 * The admin page's jobs card in a real browser (Chromium via playwright-core): a job
 * and its receipt are listed, "run" posts its run into the conversation and
 * "cancel" cancels it. No console errors allowed.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable, launchBrowser } from '../browser.js';
import { type OpenAIDouble, startOpenAIDouble } from '../doubles/openai.js';
import { TestChannel } from '../doubles/test-channel.js';
import { type Running, startParley, testConfig } from '../harness.js';
import { testJob } from '../jobs.js';

const skip = browserUnavailable() !== undefined;

describe.skipIf(skip)('admin jobs card in Chromium', () => {
  let llm: OpenAIDouble;
  let parley: Running;
  let close: () => Promise<void>;
  let page: Page;
  const errors: string[] = [];
  const channel = new TestChannel();

  beforeAll(async () => {
    llm = await startOpenAIDouble();
    parley = await startParley(
      testConfig({ llm: { baseUrl: llm.baseUrl, apiKey: 'sk-test-0123456789', stream: false } }),
      { channels: [channel] },
    );
    const launched = await launchBrowser();
    close = launched.close;
    page = launched.browser.pages()[0] ?? (await launched.browser.newPage());
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(String(error)));
  });
  afterAll(async () => {
    await close?.();
    await parley?.close();
    await llm?.close();
  });

  it('lists a job with its receipt, runs it now and cancels it', async () => {
    const job = await parley.app.jobs!.create(
      testJob({
        instruction: 'Send the weekly report',
        cron: '0 8 * * 1',
      }),
    );
    await parley.app.stores.jobs.recordRun(job.id, Date.now() - 86_400_000, {
      outcome: 'failed',
      error: 'provider down',
    });
    await page.goto(`${parley.app.url}/admin?token=${parley.app.token}`);
    const card = page.locator(`[data-job="${job.id}"]`);
    await card.waitFor();
    expect(await card.textContent()).toContain('Send the weekly report');
    expect(await card.locator('[data-run]').first().textContent()).toContain(
      'failed · provider down',
    );

    llm.script.push({ text: 'Weekly report: all good.' });
    await card.locator('[data-action="run"]').click();
    await channel.waitForDeliveries(1);
    expect(channel.texts()).toEqual(['Weekly report: all good.']);

    await card.locator('[data-action="cancel"]').click();
    await page.locator(`[data-job="${job.id}"] strong`, { hasText: 'cancelled' }).waitFor();
    expect((await parley.app.stores.jobs.get(job.id))?.state).toBe('cancelled');
    expect(await card.locator('button').count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
