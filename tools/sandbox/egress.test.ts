import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { EgressProxy } from './egress.js';

const resolve = async (host: string) =>
  ({
    'pypi.org': [{ address: '151.101.0.223', family: 4 }],
    'files.pythonhosted.org': [{ address: '151.101.64.223', family: 4 }],
    'rebind.example.com': [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.5', family: 4 },
    ],
    'mapped.example.com': [{ address: '::ffff:169.254.169.254', family: 6 }],
  })[host] ?? [];

const proxy = new EgressProxy({
  allowHosts: ['pypi.org', '*.pythonhosted.org', 'rebind.example.com', 'mapped.example.com'],
  allowAddresses: [],
  host: '127.0.0.1',
  log: pino({ level: 'silent' }),
  resolve,
});

describe('egress proxy checks', () => {
  it('lets through listed hosts and *.domain patterns, at the address it checked', async () => {
    expect(await proxy.check('pypi.org', 443)).toEqual({ address: '151.101.0.223', port: 443 });
    expect(await proxy.check('FILES.pythonhosted.org', 443)).toMatchObject({ port: 443 });
  });

  it('refuses other hosts, the bare domain of a pattern, and bad ports', async () => {
    expect(await proxy.check('evil.test', 443)).toEqual({
      refused: 'evil.test is not in sandbox.egress.allowHosts',
    });
    expect(await proxy.check('pythonhosted.org', 443)).toHaveProperty('refused');
    expect(await proxy.check('pypi.org', 0)).toEqual({ refused: 'invalid port 0' });
  });

  it('refuses a listed host when any address it resolves to is internal (mapped IPv6 too)', async () => {
    expect(await proxy.check('rebind.example.com', 80)).toMatchObject({
      refused: expect.stringContaining('10.0.0.5'),
    });
    expect(await proxy.check('mapped.example.com', 80)).toMatchObject({
      refused: expect.stringContaining('internal address'),
    });
  });
});
