/**
 * The admin page in a real browser (Debian's Chromium driven by playwright-core):
 * log in with the token, see channel status, approve a tool call while a web chat
 * client waits, open a transcript, watch the messages chart move, and show the
 * WhatsApp QR of a stand-in channel. No console errors allowed; screenshots go to
 * artifacts/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../cli/app.js';
import { browserUnavailable, launchBrowser } from '../browser.js';
import { type OpenAIDouble, startOpenAIDouble } from '../doubles/openai.js';
import { type Running, startParley, testConfig, WebClient } from '../harness.js';

const SHOTS = 'artifacts/screenshots';
const skip = browserUnavailable() !== undefined;

/** A fresh Chromium profile with one page whose console errors are collected. */
async function openBrowser(): Promise<{ context: BrowserContext; errors: string[]; page: Page }> {
  mkdirSync(SHOTS, { recursive: true });
  const { browser: context } = await launchBrowser();
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  return { context, errors, page };
}

describe.skipIf(skip)('admin page in Chromium', () => {
  let llm: OpenAIDouble;
  let parley: Running;
  let browser: Awaited<ReturnType<typeof openBrowser>>;

  beforeAll(async () => {
    llm = await startOpenAIDouble();
    parley = await startParley(
      testConfig({
        llm: { baseUrl: llm.baseUrl, apiKey: 'sk-test-secret-key' },
        tools: { policies: { get_time: 'ask' } },
        mcp: { servers: { broken: { command: '/nonexistent/parley-test/mcp-server' } } },
      }),
    );
    browser = await openBrowser();
  });
  afterAll(async () => {
    await browser?.context.close();
    await parley?.close();
    await llm?.close();
  });

  it('logs in with the token and shows the web channel connected', async () => {
    const { page } = browser;
    expect((await fetch(`${parley.app.url}/admin`)).status).toBe(401);
    await page.goto(`${parley.app.url}/admin?token=${parley.app.token}`);
    expect(new URL(page.url()).search).toBe('');
    const card = page.locator('[data-channel="web"]');
    await card.waitFor();
    expect(await card.getAttribute('data-state')).toBe('connected');
    await page.locator('[data-tool="get_time"]').waitFor();
    // An MCP server that cannot start is shown as down, with the reason.
    const mcp = page.locator('[data-mcp="broken"][data-state="down"]');
    await mcp.waitFor();
    expect(await mcp.textContent()).toMatch(/broken \(stdio\)[\s\S]*down: .*(ENOENT|spawn)/);
    await page.screenshot({ path: `${SHOTS}/admin-channels.png`, fullPage: true });
  });

  it('works after visiting the web chat with ?token= (cookie)', async () => {
    const { context, page } = browser;
    await page.goto('about:blank');
    await context.clearCookies();
    await page.goto(`${parley.app.url}/?token=${parley.app.token}`);
    await page.goto(`${parley.app.url}/admin`);
    await page.locator('[data-channel="web"]').waitFor();
  });

  it('approves a pairing request with its button', async () => {
    const { page } = browser;
    const request = await parley.app.accessStore.requestPairing('telegram', '4242', 'Ann', 60_000);
    const item = page.locator(`[data-pairing="${request.code}"]`);
    await item.waitFor();
    expect(await item.textContent()).toContain('telegram:4242 (Ann)');
    await item.locator('button[data-action="approve"]').click();
    await item.waitFor({ state: 'detached' });
    expect(await parley.app.accessStore.isAllowed('telegram', '4242')).toBe(true);
  });

  it('approves a pending tool call and the waiting chat gets the final answer', async () => {
    const { page } = browser;
    const client = await new WebClient(parley.app.url, parley.app.token).connect();
    llm.script.push(
      { toolCalls: [{ name: 'get_time', arguments: '{"timeZone":"UTC"}' }] },
      { text: 'It is noon in UTC.' },
    );
    await client.send('what time is it?');
    const approve = page.locator('[data-approval] button[data-action="approve"]');
    await approve.waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-approval]').textContent()).toContain('get_time');
    await page.screenshot({ path: `${SHOTS}/admin-approval.png`, fullPage: true });
    expect(client.messages().some((m) => m.text === 'It is noon in UTC.')).toBe(false);
    await approve.click();
    await client.waitFor((f) => f.type === 'message' && f.text === 'It is noon in UTC.');
    await page.locator('#approvals .empty').waitFor();
    const toolResult = llm.requests.at(-1)!.body.messages.find((m) => m.role === 'tool');
    expect(String(toolResult?.content)).toContain('UTC');
    client.close();
  });

  it('opens a transcript', async () => {
    const { page } = browser;
    await page.click('#refresh-sessions');
    const row = page.locator('tr[data-session]').first();
    await row.waitFor();
    await row.locator('button[data-action="transcript"]').click();
    const transcript = page.locator('#transcript');
    await transcript.locator('[data-role="user"]').first().waitFor();
    expect(await transcript.textContent()).toContain('what time is it?');
    expect(await transcript.textContent()).toContain('It is noon in UTC.');
    await page.screenshot({ path: `${SHOTS}/admin-transcript.png`, fullPage: true });
  });

  it('updates the messages chart after messages are sent', async () => {
    const { page } = browser;
    const chart = page.locator('#chart-messages');
    await expect.poll(() => chart.getAttribute('data-last')).toBeTruthy();
    const before = Number(await chart.getAttribute('data-last'));
    const client = await new WebClient(parley.app.url, parley.app.token).connect();
    for (const text of ['one', 'two', 'three']) await client.send(text);
    await client.waitForMessages(3);
    await expect
      .poll(async () => Number(await chart.getAttribute('data-last')), { timeout: 10_000 })
      .toBeGreaterThanOrEqual(before + 3);
    expect(await chart.locator('polyline').getAttribute('points')).toMatch(/\d/);
    await page.click('#ping');
    await expect.poll(() => page.locator('#provider').textContent()).toMatch(/OK: test-model/);
    await page.screenshot({ path: `${SHOTS}/admin-charts.png`, fullPage: true });
    client.close();
  });

  it('had no console errors', () => {
    expect(browser.errors).toEqual([]);
  });
});

describe.skipIf(skip)('WhatsApp pairing and channel errors on the admin page', () => {
  it('shows the live QR code of the whatsapp channel and a broken channel with its fix', async () => {
    const app = await createApp(testConfig({}));
    let qr = 'first-qr-payload';
    const since = Date.now();
    app.channels.push({
      id: 'whatsapp',
      capabilities: {
        maxMessageLength: 4000,
        format: 'whatsapp',
        edits: false,
        buttons: false,
        threads: false,
        typing: false,
        streaming: 'none',
        rateLimits: {},
      },
      start: async () => {},
      stop: async () => {},
      send: async () => ({ messageId: '1' }),
      status: () => ({
        state: 'qr',
        detail: 'Scan the QR code in WhatsApp → Linked devices',
        since,
      }),
    });
    app.channels.push({
      ...app.channels.at(-1)!,
      id: 'telegram',
      status: () => ({
        state: 'error',
        detail: '401 Unauthorized from getMe',
        fix: 'Copy the token from @BotFather into TELEGRAM_BOT_TOKEN.',
        since,
      }),
    });
    app.http!.app.route('GET', '/api/channels/whatsapp/qr', async () =>
      Response.json({ state: 'qr', qr, qrDataUrl: await QRCode.toDataURL(qr) }),
    );
    await app.start();
    const { context, errors, page } = await openBrowser();
    try {
      await page.goto(`${app.url}/admin?token=${app.token}`);
      const img = page.locator('#qr img');
      await img.waitFor();
      const first = await img.getAttribute('src');
      expect(first).toMatch(/^data:image\/png;base64,/);
      expect(await page.locator('[data-channel="whatsapp"]').getAttribute('data-state')).toBe('qr');
      const broken = page.locator('[data-channel="telegram"]');
      expect(await broken.getAttribute('data-state')).toBe('error');
      expect(await broken.textContent()).toContain('Fix: Copy the token from @BotFather');
      qr = 'second-qr-payload';
      await expect.poll(() => img.getAttribute('src'), { timeout: 10_000 }).not.toBe(first);
      await page.screenshot({ path: `${SHOTS}/admin-whatsapp-qr.png`, fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await app.stop();
    }
  });
});
