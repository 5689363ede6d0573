import { contains, formatIp, formatRange, overlaps, parseAddressBlock, parseCidr, parseIp, rangeSize } from '../../lib/config/net';

describe('IPv4 helpers', () => {
  test('GIVEN dotted quads WHEN parsed THEN valid ones become numbers and the rest undefined', () => {
    expect(parseIp('10.251.51.1')).toBe(((10 * 256 + 251) * 256 + 51) * 256 + 1);
    expect(formatIp(parseIp('255.255.255.255')!)).toBe('255.255.255.255');
    for (const bad of ['10.251.51.256', '10.251.51', '10.251.51.1.1', '01.2.3.4', 'a.b.c.d', '', ' 10.0.0.1']) {
      expect(parseIp(bad)).toBeUndefined();
    }
  });

  test('GIVEN CIDRs WHEN parsed THEN host bits must be zero and the prefix at most 32', () => {
    expect(parseCidr('10.251.50.0/23')).toEqual({ first: parseIp('10.251.50.0'), last: parseIp('10.251.51.255') });
    expect(parseCidr('10.251.50.1/23')).toBeUndefined();
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('10.0.0.0')).toBeUndefined();
  });

  test('GIVEN MetalLB address blocks WHEN parsed THEN ranges must ascend', () => {
    const r = parseAddressBlock('10.251.51.200-10.251.51.250')!;
    expect(rangeSize(r)).toBe(51);
    expect(formatRange(r)).toBe('10.251.51.200-10.251.51.250');
    expect(parseAddressBlock('10.251.51.250-10.251.51.200')).toBeUndefined();
    expect(rangeSize(parseAddressBlock('10.251.51.192/27')!)).toBe(32);
  });

  test('GIVEN two ranges WHEN compared THEN overlap and containment are inclusive', () => {
    const a = parseAddressBlock('10.0.0.1-10.0.0.10')!;
    expect(overlaps(a, parseAddressBlock('10.0.0.10-10.0.0.20')!)).toBe(true);
    expect(overlaps(a, parseAddressBlock('10.0.0.11-10.0.0.20')!)).toBe(false);
    expect(contains(a, parseIp('10.0.0.10')!)).toBe(true);
    expect(contains(a, parseIp('10.0.0.11')!)).toBe(false);
  });
});
