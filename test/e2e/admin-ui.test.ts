/**
 * The admin page in a real browser (Debian's Chromium driven by playwright-core):
 * log in with the token, see channel status and the nodes panel, approve a tool call
 * while a web chat client waits, open a transcript, watch the messages chart move,
 * see the usage panel, and show the WhatsApp QR of a stand-in channel. No console
 * errors allowed; screenshots go to artifacts/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterFacts } from '../../admin/readiness.js';
import { createApp } from '../../cli/app.js';
import type { ChannelAdapter, ChannelStatus } from '../../core/contract.js';
import { browserUnavailable, launchBrowser } from '../browser.js';
import { type OpenAIDouble, startOpenAIDouble } from '../doubles/openai.js';
import { type Running, startParley, testConfig, WebClient } from '../harness.js';
import { shootAll } from '../screens.js';

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

/** A three-node cluster as this node's loop would see it (the nodes panel in the screenshots). */
function standInCluster(): ClusterFacts {
  const nodes = [
    {
      nodeId: 'gateway-1',
      role: 'gateway',
      seenMsAgo: 420,
      leases: ['channel:telegram', 'channel:whatsapp', 'scheduler'],
      lanes: 0,
    },
    { nodeId: 'worker-eu-1', role: 'worker', seenMsAgo: 1830, leases: [], lanes: 2 },
    { nodeId: 'worker-eu-2', role: 'worker', seenMsAgo: 95, leases: ['channel:slack'], lanes: 3 },
  ];
  return {
    nodeId: 'gateway-1',
    role: 'gateway',
    nodes: () => nodes,
    heldLeases: () => nodes[0]!.leases,
  };
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

  it('shows this node in the nodes panel: SQLite, every channel, the whole queue', async () => {
    const { page } = browser;
    const row = page.locator('[data-node="this node"][data-self="true"]');
    await row.waitFor();
    expect(await row.locator('[data-field="heartbeat"]').textContent()).toBe(
      'single node (SQLite): no leases, runs everything',
    );
    expect(await row.locator('[data-field="channels"]').textContent()).toBe('channels: web');
    expect(await row.locator('[data-field="lanes"]').textContent()).toBe('0 lanes');
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
    // uPlot drew it: a canvas with a time axis and the unit on the y axis.
    expect(await chart.locator('canvas').count()).toBeGreaterThan(0);
    expect(await chart.getAttribute('data-x-ticks')).toMatch(/^(\d\d:\d\d:\d\d ?)+$/);
    expect(await chart.getAttribute('data-y-ticks')).toMatch(/\d/);
    expect(await chart.getAttribute('data-unit')).toBe('msg/min');
    expect(await chart.locator('.chart-empty').isHidden()).toBe(true);
    expect(await page.locator('#chart-sandbox .chart-empty').textContent()).toBe(
      'No sandbox runs in the last 10 minutes',
    );
    await page.click('#ping');
    await expect.poll(() => page.locator('#provider').textContent()).toMatch(/OK: test-model/);
    await page.screenshot({ path: `${SHOTS}/admin-charts.png`, fullPage: true });
    client.close();
  });

  it('shows usage by user, model and day with the global budget', async () => {
    const { page } = browser;
    await page.click('#refresh-usage');
    // The page showed the usage of its first load (none yet); the refresh replaces it.
    await expect
      .poll(() => page.locator('#usage-totals').textContent())
      .toMatch(/today: [\d,]+ tokens/);
    const budget = page.locator('[data-budget="usage.budgets.global.daily.tokens"]');
    expect(await budget.textContent()).toMatch(
      /the daily token budget of this Parley \(all users together\): [\d,]+ of 2,000,000 tokens/,
    );
    expect(await budget.getAttribute('data-state')).toBe('ok');
    expect(await page.locator('[data-usage="user"] tbody').textContent()).toContain('web:');
    expect(await page.locator('[data-usage="model"] tbody').textContent()).toContain('test-model');
    await page.screenshot({ path: `${SHOTS}/admin-usage.png`, fullPage: true });
  });

  it('searches and pages through sessions', async () => {
    const { page } = browser;
    for (let i = 1; i <= 24; i++)
      await parley.app.sessions.active({
        key: `telegram:default:needle-${String(i).padStart(2, '0')}`,
        channel: 'telegram',
        conversationId: `needle-${i}`,
        chatType: 'dm',
        userId: `needle-${i}`,
      });
    await page.click('#refresh-sessions');
    const rows = page.locator('tr[data-session]');
    await expect.poll(() => rows.count()).toBe(20);
    expect(await page.locator('#sessions-page').textContent()).toBe('1–20');
    expect(await page.locator('#sessions-prev').isDisabled()).toBe(true);
    await page.click('#sessions-next');
    await expect.poll(() => page.locator('#sessions-page').textContent()).toMatch(/^21–/);
    expect(await page.locator('#sessions-next').isDisabled()).toBe(true);
    await page.fill('#session-search', 'needle-0');
    await expect.poll(() => rows.count()).toBe(9);
    expect(await rows.first().textContent()).toContain('telegram:default:needle-09');
    await page.fill('#session-search', 'no-such-conversation');
    await page.locator('#sessions .empty', { hasText: 'No session matches' }).waitFor();
    await page.fill('#session-search', '');
    await expect.poll(() => rows.count()).toBe(20);
  });

  it('looks right in light and dark mode at 1280 and 390 px (screenshots), nothing sticking out', async () => {
    const { page } = browser;
    const since = Date.now() - 90_000;
    let qr = 'screenshot-qr-1';
    const standIn = (id: string, status: () => ChannelStatus): ChannelAdapter => ({
      id,
      capabilities: { ...parley.app.channels[0]!.capabilities },
      start: async () => {},
      stop: async () => {},
      send: async () => ({ messageId: '1' }),
      status,
    });
    parley.app.channels.push(
      standIn('whatsapp', () => ({
        state: 'qr',
        detail: 'Scan the QR code in WhatsApp → Linked devices',
        since,
      })),
      standIn('telegram', () => ({
        state: 'error',
        detail: '401 Unauthorized from getMe',
        fix: 'Copy the token from @BotFather into TELEGRAM_BOT_TOKEN and restart Parley.',
        since,
      })),
      standIn('slack', () => ({
        state: 'connected',
        detail: 'socket mode, team T0123ABCD',
        since,
      })),
    );
    parley.app.http!.app.route('GET', '/api/channels/whatsapp/qr', async () =>
      Response.json({ state: 'qr', qr, qrDataUrl: await QRCode.toDataURL(qr) }),
    );
    await parley.app.accessStore.requestPairing('discord', '81234567890', 'Grace', 60_000);
    const client = await new WebClient(parley.app.url, parley.app.token).connect();
    llm.script.push(
      { toolCalls: [{ name: 'get_time', arguments: '{"timeZone":"Europe/Berlin"}' }] },
      { text: 'It is late in Berlin.' },
    );
    await client.send('time in Berlin?');
    const app = parley.app as unknown as { cluster: ClusterFacts | undefined };
    app.cluster = standInCluster();
    try {
      await page.reload();
      await page.locator('[data-approval]').waitFor();
      await page.locator('#qr img').waitFor();
      await page.locator('[data-channel="telegram"] [data-problem]').waitFor();
      const worker = page.locator('[data-node="worker-eu-2"] [data-field="lanes"]');
      await expect.poll(() => worker.textContent()).toBe('3 lanes · 60% of the queue');
      expect(await page.locator('[data-node]').first().getAttribute('data-node')).toBe('gateway-1');
      qr = 'screenshot-qr-2';
      const shots = await shootAll(page, 'admin', 'section, .card, figure', { fullPage: true });
      expect(shots.problems).toEqual([]);
    } finally {
      app.cluster = undefined;
    }
    await page.locator('[data-approval] button[data-action="deny"]').click();
    await client.waitFor((f) => f.type === 'message' && f.text === 'It is late in Berlin.');
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
    let telegram: ChannelStatus = {
      state: 'error',
      detail: '401 Unauthorized from getMe',
      fix: 'Copy the token from @BotFather into TELEGRAM_BOT_TOKEN.',
      since,
    };
    app.channels.push({ ...app.channels.at(-1)!, id: 'telegram', status: () => telegram });
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
      // Recovered: the card says so and keeps the last error with its fix.
      telegram = { state: 'connected', detail: 'polling as @parley_bot', since: Date.now() };
      await expect
        .poll(() => broken.getAttribute('data-state'), { timeout: 10_000 })
        .toBe('connected');
      expect(await broken.locator('[data-problem]').textContent()).toMatch(
        /^Last error \d+ s ago: 401 Unauthorized from getMeFix: Copy the token from @BotFather/,
      );
      await page.screenshot({ path: `${SHOTS}/admin-whatsapp-qr.png`, fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await app.stop();
    }
  });
});
