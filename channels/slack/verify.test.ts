import { describe, expect, it } from 'vitest';
import { slackSignature } from '../../test/doubles/slack.js';
import { headerProblem, signatureProblem } from './verify.js';

const secret = '8f742231b10e8888abcd99yyyzzz85a5';
const body = [
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V',
  '&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=',
  '&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN',
  '&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
].join('');

describe('slack signature', () => {
  it('matches the example from the Slack documentation', () => {
    expect(slackSignature(secret, '1531420618', body)).toBe(
      'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    );
  });

  it('accepts a fresh correct signature and refuses wrong, stale or missing ones', () => {
    const nowMs = 1531420618_000 + 60_000;
    const signature = slackSignature(secret, '1531420618', body);
    const ok = { secret, timestamp: '1531420618', signature, body, nowMs };
    expect(signatureProblem(ok)).toBeUndefined();
    expect(signatureProblem({ ...ok, body: `${body}&x=1` })).toBe('signature mismatch');
    expect(signatureProblem({ ...ok, signature: 'v0=00' })).toBe('signature mismatch');
    expect(signatureProblem({ ...ok, nowMs: 1531420618_000 + 301_000 })).toBe(
      'stale request timestamp',
    );
    expect(signatureProblem({ ...ok, signature: undefined })).toMatch(/missing/);
    expect(signatureProblem({ ...ok, timestamp: '1531420618x' })).toBe('malformed timestamp');
    expect(signatureProblem({ ...ok, nowMs: 1531420618_000 - 301_000 })).toBe(
      'stale request timestamp',
    );
  });

  it('refuses on the headers alone, before any body exists', () => {
    const nowMs = 1531420618_000;
    const signature = slackSignature(secret, '1531420618', body);
    expect(headerProblem({ timestamp: '1531420618', signature, nowMs })).toBeUndefined();
    expect(headerProblem({ timestamp: '1531420618', signature: 'v0=zz', nowMs })).toBe(
      'signature mismatch',
    );
    expect(headerProblem({ timestamp: '1', signature, nowMs })).toBe('stale request timestamp');
    expect(headerProblem({ timestamp: null, signature, nowMs })).toMatch(/missing/);
  });
});
