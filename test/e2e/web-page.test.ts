/**
 * The web chat page in real Chromium against a real Parley (SQLite on a temp
 * file, the OpenAI double on loopback): Markdown without script execution, code
 * with highlighting and a copy button, approvals answered in the chat, history
 * from the server in a second browser, the conversation list, uploads by picker,
 * drop and paste, the length limit, Stop, and the token page. Screenshots land in
 * artifacts/screenshots/ in light and dark mode at 1280 and 390 px.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { workspaceFor } from '../../sessions/workspace/index.js';
import { browserUnavailable, launchBrowser } from '../browser.js';
import { type OpenAIDouble, startOpenAIDouble } from '../doubles/openai.js';
import { type Running, startParley, testConfig } from '../harness.js';
import { SCREENSHOTS, shootAll } from '../screens.js';

const skip = browserUnavailable();

/** A 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

const RICH = [
  '## Plan',
  'Here is **bold**, `inline code`, a [link](https://example.org) and a table:',
  '',
  '| step | cost |',
  '| --- | --- |',
  '| build | 2 s |',
  '',
  '```ts',
  'export function add(a: number, b: number): number {',
  '  return a + b; // a long line that must scroll inside its block instead of widening the bubble on a phone',
  '}',
  '```',
  '',
  '- [x] tested',
  '- [ ] shipped',
].join('\n');

const HOSTILE = [
  'Hostile: <img src=x onerror="window.__owned=1"> and <script>window.__owned=2</script>',
  '',
  '[click me](javascript:window.__owned=3) <a href="javascript:window.__owned=4">raw link</a>',
  '',
  '<svg onload="window.__owned=5"></svg> ![pixel](https://evil.example/beacon.png)',
].join('\n');

describe.skipIf(skip)('web chat page in Chromium', () => {
  let llm: OpenAIDouble;
  let parley: Running;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let errors: string[];

  beforeAll(async () => {
    llm = await startOpenAIDouble();
    parley = await startParley(
      testConfig({
        llm: { baseUrl: llm.baseUrl, apiKey: 'sk-page-test-123' },
        tools: { policies: { get_time: 'ask' } },
      }),
    );
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await parley?.close();
    await llm?.close();
  });

  const url = () => `${parley.app.url}/?token=${parley.app.token}`;

  async function openPage(context = browser.browser): Promise<Page> {
    const page = await context.newPage();
    errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(url());
    await page.locator('#state', { hasText: 'connected' }).waitFor();
    return page;
  }

  /** Whether the element is inside the visible part of the chat log. */
  const inView = (locator: ReturnType<Page['locator']>) =>
    locator.evaluate((el) => {
      const box = el.getBoundingClientRect();
      const log = document.getElementById('log')!.getBoundingClientRect();
      return box.top >= log.top - 1 && box.bottom <= log.bottom + 1;
    });

  async function say(page: Page, text: string): Promise<void> {
    await page.fill('#input', text);
    await page.keyboard.press('Enter');
    await page
      .locator('.msg.user:not(.pending)', { hasText: text.slice(0, 30) })
      .last()
      .waitFor();
  }

  it('chats, streams, and survives a reload without losing or repeating messages', async () => {
    const page = await openPage();
    llm.script.push({ text: 'A streamed answer, word by word, for the page.', delayMs: 50 });
    await say(page, 'hello from chromium');
    await page
      .locator('.msg.bot:not(.streaming)', { hasText: 'A streamed answer, word by word' })
      .waitFor();
    await page.reload();
    await page.locator('#state', { hasText: 'connected' }).waitFor();
    await say(page, 'second');
    await page.locator('.msg.bot', { hasText: 'echo: second' }).waitFor();
    expect(await page.locator('.msg.bot').allTextContents()).toEqual([
      'A streamed answer, word by word, for the page.',
      'echo: second',
    ]);
    expect(await page.locator('.msg.user').allTextContents()).toEqual([
      'hello from chromium',
      'second',
    ]);
    expect(page.url()).not.toContain('token=');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('renders Markdown and code, and runs nothing the model wrote', async () => {
    const page = await openPage();
    await page.click('#new-chat');
    llm.script.push({ text: RICH }, { text: HOSTILE });
    await say(page, 'show me markdown');
    const rich = page.locator('.msg.bot', { hasText: 'Here is bold' });
    await rich.waitFor();
    expect(await rich.locator('h2').textContent()).toBe('Plan');
    expect(await rich.locator('table td').allTextContents()).toEqual(['build', '2 s']);
    expect(await rich.locator('pre code .hljs-keyword').first().textContent()).toBe('export');
    expect(await rich.locator('input[type=checkbox]').count()).toBe(2);
    const link = rich.locator('a', { hasText: 'link' });
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toContain('noopener');

    await browser.browser.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: parley.app.url,
    });
    await rich.locator('.code .copy').click();
    await rich.locator('.code .copy', { hasText: 'Copied' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toContain(
      'export function add(a: number, b: number): number {',
    );

    await say(page, 'now something hostile');
    const hostile = page.locator('.msg.bot', { hasText: 'Hostile:' });
    await hostile.waitFor();
    // Shown as text, never as elements; no javascript: link survives; clicking does nothing.
    expect(await hostile.textContent()).toContain('<script>window.__owned=2</script>');
    expect(await hostile.locator('img, script, svg, [onerror], [onload]').count()).toBe(0);
    expect(await page.locator('a[href^="javascript" i]').count()).toBe(0);
    await hostile
      .locator('a', { hasText: 'click me' })
      .click({ modifiers: ['Shift'] })
      .catch(() => {});
    expect(await hostile.locator('a', { hasText: 'image: pixel' }).getAttribute('href')).toBe(
      'https://evil.example/beacon.png',
    );
    expect(await page.evaluate(() => (window as { __owned?: number }).__owned)).toBeUndefined();
    await page.screenshot({ path: `${SCREENSHOTS}/web-chat-hostile-markdown.png` });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('lets the token holder approve a tool call in the chat; the buttons survive a reload and then show the decision', async () => {
    const page = await openPage();
    // A short window: the approval is only in view if the page scrolls to it.
    await page.setViewportSize({ width: 1280, height: 420 });
    await page.click('#new-chat');
    llm.script.push(
      { toolCalls: [{ name: 'get_time', arguments: '{}' }] },
      { text: 'It is **now**, approved by you.' },
    );
    await say(page, 'what time is it?');
    const prompt = page.locator('.msg.bot', { hasText: 'Approval needed' });
    await prompt.waitFor();
    expect(await prompt.locator('.buttons button').allTextContents()).toEqual([
      'Approve',
      'Allow for session',
      'Deny',
    ]);
    expect(await prompt.locator('pre code').textContent()).toContain('{}');
    // Stop shows while the turn waits for the answer, and the chat says what it waits for.
    expect(await page.locator('#stop').isVisible()).toBe(true);
    await page.locator('#typing', { hasText: 'Waiting for your answer above' }).waitFor();

    await page.reload();
    const again = page.locator('.msg.bot', { hasText: 'Approval needed' });
    await again.locator('.buttons button', { hasText: 'Approve' }).waitFor();
    expect(await inView(again.locator('.buttons'))).toBe(true);
    await again.locator('.buttons button', { hasText: 'Approve' }).click();
    await again.locator('.decision', { hasText: 'You chose: Approve' }).waitFor();
    await page.locator('.msg.bot', { hasText: 'approved by you' }).waitFor();
    expect((await page.locator('.msg.bot').allTextContents()).join('\n')).toMatch(
      /approved get_time/i,
    );
    const tool = llm.requests.at(-1)!.body.messages.find((m) => m.role === 'tool');
    expect(String(tool?.content)).toContain('iso');

    for (const text of ['after the approval', 'and one more']) {
      await say(page, text);
      await page.locator('.msg.bot', { hasText: `echo: ${text}` }).waitFor();
    }
    await page.reload();
    await page.locator('.msg.bot', { hasText: 'echo: and one more' }).waitFor();
    const decided = page.locator('.msg.bot', { hasText: 'Approval needed' });
    await decided.locator('.decision').waitFor();
    expect(await decided.locator('.buttons').count()).toBe(0);
    expect(await inView(page.locator('.msg.bot').last())).toBe(true);
    await page.screenshot({ path: `${SCREENSHOTS}/web-chat-approval-decided.png` });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('keeps the history on the server: a second browser sees the conversation; /new draws a separator', async () => {
    const page = await openPage();
    await page.click('#new-chat');
    await say(page, 'first part of the story');
    await page.locator('.msg.bot', { hasText: 'echo: first part' }).waitFor();
    await page.fill('#input', '/new');
    await page.keyboard.press('Enter');
    await page.locator('.separator', { hasText: 'New session' }).waitFor();
    await page.locator('.msg.bot', { hasText: 'Started a new session' }).waitFor();
    await say(page, 'second part');
    await page.locator('.msg.bot', { hasText: 'echo: second part' }).waitFor();

    const other = await launchBrowser();
    try {
      const elsewhere = await openPage(other.browser);
      await elsewhere
        .locator('#conversations .open', { hasText: 'first part of the story' })
        .click();
      await elsewhere.locator('.msg.bot', { hasText: 'echo: second part' }).waitFor();
      const entries = await elsewhere
        .locator('#log > *')
        .evaluateAll((els) => els.map((el) => `${el.className}: ${el.textContent}`));
      expect(entries.map((e) => e.split(':')[0])).toEqual([
        'msg user',
        'msg bot',
        'separator',
        'msg bot',
        'msg user',
        'msg bot',
      ]);
      // A message written in one browser appears live in the other.
      await say(elsewhere, 'from the second browser');
      await page.locator('.msg.user', { hasText: 'from the second browser' }).waitFor();
      await page.locator('.msg.bot', { hasText: 'echo: from the second browser' }).waitFor();
    } finally {
      await other.close();
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it('lists conversations: start, switch, rename and delete', async () => {
    const page = await openPage();
    await page.click('#new-chat');
    await say(page, 'alpha conversation');
    await page.locator('.msg.bot', { hasText: 'echo: alpha' }).waitFor();
    await page.click('#new-chat');
    expect(await page.locator('#log .msg').count()).toBe(0);
    await say(page, 'beta conversation');
    await page.locator('.msg.bot', { hasText: 'echo: beta' }).waitFor();
    await page.locator('#conversations .open', { hasText: 'beta conversation' }).waitFor();

    await page.locator('#conversations .open', { hasText: 'alpha conversation' }).click();
    await page.locator('.msg.bot', { hasText: 'echo: alpha' }).waitFor();
    expect(await page.locator('.msg.user').allTextContents()).toEqual(['alpha conversation']);

    const alpha = page.locator('.conv', { hasText: 'alpha conversation' });
    await alpha.locator('.rename').click();
    await page.fill('.conv input', 'Renamed alpha');
    await page.keyboard.press('Enter');
    await page.locator('#conversations .open', { hasText: 'Renamed alpha' }).waitFor();
    expect(await page.locator('#title').textContent()).toBe('Renamed alpha');
    const listed = await (await page.request.get(`${parley.app.url}/web/conversations`)).json();
    expect(listed.conversations.map((c: { title: string }) => c.title)).toContain('Renamed alpha');

    page.once('dialog', (dialog) => void dialog.accept());
    await page.locator('.conv', { hasText: 'Renamed alpha' }).locator('.delete').click();
    await page.locator('.conv', { hasText: 'Renamed alpha' }).waitFor({ state: 'detached' });
    const after = await (await page.request.get(`${parley.app.url}/web/conversations`)).json();
    const ids = after.conversations.map((c: { title: string }) => c.title);
    expect(ids).not.toContain('Renamed alpha');
    expect(ids).toContain('beta conversation');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('uploads by picker, drop and paste into the workspace; images reach the model as image parts', async () => {
    const page = await openPage();
    await page.click('#new-chat');
    const conversation = await page.evaluate(() => localStorage.getItem('parley.conversation'));
    await page.setInputFiles('#file', {
      name: '../../etc/passwd',
      mimeType: 'text/plain',
      buffer: Buffer.from('notes'),
    });
    await page.evaluate((png) => {
      const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
      const drop = new DataTransfer();
      drop.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: drop, bubbles: true }));
      const paste = new DataTransfer();
      paste.items.add(new File(['pasted text'], 'pasted.txt', { type: 'text/plain' }));
      document
        .getElementById('input')!
        .dispatchEvent(
          new ClipboardEvent('paste', { clipboardData: paste, bubbles: true, cancelable: true }),
        );
    }, PNG.toString('base64'));
    await page
      .locator('#pending-files .chip', { hasText: 'uploading' })
      .first()
      .waitFor({ state: 'detached' });
    expect(await page.locator('#pending-files .chip').count()).toBe(3);
    await say(page, 'look at these');
    const sent = page.locator('.msg.user', { hasText: 'look at these' });
    expect(await sent.locator('.chip').count()).toBe(3);
    expect(await sent.locator('.chip').allTextContents()).toEqual([
      'passwd · 5 B',
      'dropped.png · 70 B',
      'pasted.txt · 11 B',
    ]);
    await page.locator('.msg.bot', { hasText: 'echo: look at these' }).waitFor();

    const user = llm.requests.at(-1)!.body.messages.findLast((m) => m.role === 'user')!;
    const parts = user.content as { type: string; text?: string; image_url?: { url: string } }[];
    expect(parts.filter((p) => p.type === 'image_url').map((p) => p.image_url!.url)).toEqual([
      `data:image/png;base64,${PNG.toString('base64')}`,
    ]);
    expect(parts[0]!.text).toMatch(/attached document "[^"/]*passwd"/);
    const dir = workspaceFor(parley.app.config.dataDir, `web:local:${conversation}`);
    const saved = readdirSync(dir);
    expect(saved).toHaveLength(3);
    expect(saved.some((name) => name.endsWith('dropped.png'))).toBe(true);
    expect(readFileSync(join(dir, saved.find((n) => n.endsWith('passwd'))!), 'utf8')).toBe('notes');

    await page.reload();
    await page
      .locator('.msg.user', { hasText: 'look at these' })
      .locator('.chip')
      .first()
      .waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('refuses an over-long message in place: not shown as sent, the text kept', async () => {
    const page = await openPage();
    await page.click('#new-chat');
    const max = Number(await page.locator('body').getAttribute('data-max'));
    await page.fill('#input', 'x'.repeat(max + 1));
    await page.keyboard.press('Enter');
    await page.locator('#error', { hasText: `message too long (max ${max})` }).waitFor();
    expect(await page.locator('.msg.user').count()).toBe(0);
    expect((await page.inputValue('#input')).length).toBe(max + 1);
    // The server says the same to a client that skips the page's check.
    const reply = await page.evaluate(
      (text) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(`ws://${location.host}/ws?client=overlimit01`);
          ws.onopen = () => ws.send(JSON.stringify({ type: 'message', id: 'long1', text }));
          ws.onmessage = (event) => resolve(String(event.data));
        }),
      'y'.repeat(max + 1),
    );
    expect(JSON.parse(reply)).toEqual({
      type: 'error',
      id: 'long1',
      error: `message too long (max ${max})`,
    });
    await page.close();
  });

  it('Stop sends /stop while an answer streams and shows it stopped', async () => {
    const page = await openPage();
    await page.click('#new-chat');
    const sent: string[] = [];
    page.on('websocket', (ws) => ws.on('framesent', (f) => sent.push(String(f.payload))));
    await page.reload();
    await page.locator('#state', { hasText: 'connected' }).waitFor();
    llm.script.push({
      text: 'A very slow answer that keeps on going word after word after word after word.',
      deltaDelayMs: 150,
    });
    await page.fill('#input', 'take your time');
    await page.keyboard.press('Enter');
    await page.locator('.msg.bot.streaming').waitFor();
    await page.locator('#stop').click();
    expect(await page.locator('#stop').isVisible()).toBe(false);
    const frames = sent.map((f) => JSON.parse(f) as { type: string; text?: string });
    expect(frames.at(-1)).toMatchObject({ type: 'message', text: '/stop' });
    // The server stops the turn: the answer ends where it was, marked, never finished.
    const stopped = page.locator('.msg.bot', { hasText: '(stopped)' });
    await stopped.waitFor();
    expect(await stopped.textContent()).not.toContain('word after word after word after word.');
    await page.locator('.note', { hasText: 'You stopped the answer' }).waitFor();
    await page.close();
  });

  it('answers / and /admin without the token with a page saying where to find it', async () => {
    const page = await browser.browser.newPage();
    const origin = parley.app.url.replace('127.0.0.1', 'localhost');
    for (const path of ['/', '/admin']) {
      const response = await page.goto(`${origin}${path}`);
      expect(response?.status()).toBe(401);
      expect(response?.headers()['content-type']).toContain('text/html');
      expect(await page.locator('h1').textContent()).toBe('Parley needs its access token');
      expect(await page.textContent('body')).toContain('?token=');
      expect(await page.textContent('body')).not.toContain(parley.app.token);
      await page.screenshot({
        path: `${SCREENSHOTS}/token-page-${path === '/' ? 'chat' : 'admin'}.png`,
      });
    }
    const wrong = await page.goto(`${origin}/?token=not-the-token-at-all`);
    expect(wrong?.status()).toBe(401);
    expect(await page.textContent('body')).toContain('is not the one this Parley uses');
    const api = await page.request.get(`${origin}/web/conversations`);
    expect(api.status()).toBe(401);
    expect(await api.json()).toEqual({ error: 'missing or wrong access token' });
    await page.close();
  });

  it('looks right in light and dark mode at 1280 and 390 px (screenshots), nothing sticking out', async () => {
    const page = await openPage();
    await page.click('#new-chat');
    // Answers chosen by the question, not by order: a turn still queued from an
    // earlier test (the /stop message) cannot take them.
    const echo = llm.fallback;
    llm.fallback = (request) => {
      const text = JSON.stringify(request.body.messages.at(-1)?.content ?? '');
      if (text.includes('plan with code')) return { text: RICH };
      if (text.includes('Berlin'))
        return { toolCalls: [{ name: 'get_time', arguments: '{"timeZone":"Europe/Berlin"}' }] };
      return echo(request);
    };
    onTestFinished(() => {
      llm.fallback = echo;
    });
    await say(page, 'Show me a plan with code');
    await page.locator('.msg.bot', { hasText: 'Here is bold' }).waitFor();
    await page.setInputFiles('#file', [
      { name: 'diagram.png', mimeType: 'image/png', buffer: PNG },
      {
        name: 'quarterly-report-with-a-rather-long-file-name-2026.pdf',
        mimeType: 'application/pdf',
        buffer: Buffer.from('%PDF-1.4'),
      },
    ]);
    await page
      .locator('#pending-files .chip', { hasText: 'uploading' })
      .first()
      .waitFor({ state: 'detached' });
    await say(page, 'What time is it in Berlin? Files attached.');
    await page.locator('.msg.bot', { hasText: 'Approval needed' }).waitFor();
    await page.fill('#input', 'a draft being written…');
    const shots = await shootAll(page, 'web-chat', '.msg, #form, header, aside', {
      prepare: () =>
        page
          .locator('#log')
          .evaluate((log) => (log.scrollTop = log.scrollHeight))
          .then(() => {}),
    });
    expect(shots.problems).toEqual([]);
    const menu = await shootAll(page, 'web-chat-menu', 'aside', {
      prepare: async () => {
        await page.evaluate(() => document.body.classList.add('nav-open'));
      },
    });
    expect(menu.problems).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
