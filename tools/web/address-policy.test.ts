/** The SSRF address table: every refused range, embedded IPv4 forms, and the allowlist. */
import { describe, expect, it } from 'vitest';
import { AddressPolicy } from './address-policy.js';

describe('AddressPolicy', () => {
  const policy = new AddressPolicy();

  it.each([
    '127.0.0.1',
    '127.9.9.9',
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd00:ec2::254',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '64:ff9b::a00:1',
    '2002:c0a8:101::1',
  ])('refuses %s', (address) => {
    expect(policy.refusal(address)).toMatch(/internal address/);
  });

  it.each(['93.184.216.34', '1.1.1.1', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])(
    'allows public %s',
    (address) => expect(policy.refusal(address)).toBeUndefined(),
  );

  it('lets the configured allowlist through, and only it', () => {
    const allowing = new AddressPolicy(['127.0.0.1', '10.1.0.0/16']);
    expect(allowing.refusal('127.0.0.1')).toBeUndefined();
    expect(allowing.refusal('10.1.2.3')).toBeUndefined();
    expect(allowing.refusal('127.0.0.2')).toBeDefined();
    expect(allowing.refusal('10.2.0.1')).toBeDefined();
    expect(() => new AddressPolicy(['intranet.local'])).toThrow(/not an IP/);
  });
});
