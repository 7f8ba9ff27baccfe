import { describe, expect, it } from 'vitest';
import { BotThreads } from './threads.js';

describe('BotThreads', () => {
  it('knows remembered threads without asking Slack', async () => {
    const asked: string[] = [];
    const threads = new BotThreads(async (c, t) => {
      asked.push(`${c}:${t}`);
      return false;
    });
    threads.remember('C1', '1.0');
    expect(await threads.includesBot('C1', '1.0')).toBe(true);
    expect(asked).toEqual([]);
  });

  it('asks once per unknown thread and caches both answers', async () => {
    const asked: string[] = [];
    const threads = new BotThreads(async (c, t) => {
      asked.push(`${c}:${t}`);
      return t === 'bot';
    });
    expect(await threads.includesBot('C1', 'bot')).toBe(true);
    expect(await threads.includesBot('C1', 'people')).toBe(false);
    expect(await threads.includesBot('C1', 'bot')).toBe(true);
    expect(await threads.includesBot('C1', 'people')).toBe(false);
    expect(asked).toEqual(['C1:bot', 'C1:people']);
  });

  it('treats a failed lookup as not addressed, and stays bounded', async () => {
    const failing = new BotThreads(async () => {
      throw new Error('ratelimited');
    });
    expect(await failing.includesBot('C1', 'x')).toBe(false);
    const small = new BotThreads(async () => false, 2);
    small.remember('C', 'a');
    small.remember('C', 'b');
    small.remember('C', 'c');
    expect(await small.includesBot('C', 'a')).toBe(false); // evicted, then looked up
    expect(await small.includesBot('C', 'c')).toBe(true);
  });
});
