/**
 * SSRF guard of fetch_url: which IP addresses a fetch may connect to. Refused:
 * loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16,
 * fe80::/10, including the metadata addresses 169.254.169.254 and fd00:ec2::254),
 * CGNAT 100.64/10, unspecified, multicast, reserved and benchmark ranges; IPv6 forms
 * that embed an IPv4 address (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16)
 * are judged by that IPv4 address. `allow` (CIDRs from config, for tests and
 * intranets) overrides the refusal. Callers check every address a name resolves to,
 * then connect to the checked one.
 */
import { BlockList, isIP } from 'node:net';

const BLOCKED_V4 = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const;
const BLOCKED_V6 = [
  ['::', 128],
  ['::1', 128],
  ['100::', 64],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
] as const;

const blocked = new BlockList();
for (const [net, prefix] of BLOCKED_V4) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of BLOCKED_V6) blocked.addSubnet(net, prefix, 'ipv6');

export class AddressPolicy {
  private readonly allowed = new BlockList();

  /** `allow`: CIDRs or single addresses permitted despite the ranges above. */
  constructor(allow: readonly string[] = []) {
    for (const entry of allow) {
      const [net = '', prefix] = entry.split('/');
      const family = isIP(net) === 6 ? 'ipv6' : 'ipv4';
      if (!isIP(net)) throw new Error(`"${entry}" is not an IP address or CIDR`);
      if (prefix === undefined) this.allowed.addAddress(net, family);
      else this.allowed.addSubnet(net, Number(prefix), family);
    }
  }

  /** Why connecting to `address` is refused, or undefined when it is allowed. */
  refusal(address: string): string | undefined {
    const family = isIP(address);
    if (!family) return `"${address}" is not an IP address`;
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (this.allowed.check(address, type)) return undefined;
    const embedded = family === 6 ? embeddedIpv4(address) : undefined;
    if (embedded) return this.refusal(embedded);
    if (blocked.check(address, type))
      return `${address} is a loopback, private, link-local or otherwise internal address`;
    return undefined;
  }
}

/** The IPv4 address inside ::ffff:a.b.c.d, 64:ff9b::/96 or 2002:AABB:CCDD::/16, if any. */
function embeddedIpv4(address: string): string | undefined {
  const groups = expand(address);
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeros = groups.slice(0, 5).every((g) => g === 0);
  if (zeros && groups[5] === 0xffff) return v4(groups[6]!, groups[7]!);
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0))
    return v4(groups[6]!, groups[7]!);
  if (groups[0] === 0x2002) return v4(groups[1]!, groups[2]!);
  return undefined;
}

/** Eight 16-bit groups of an IPv6 address (handles `::` and a dotted IPv4 tail). */
function expand(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((g) => Number.parseInt(g, 16));
}
