/**
 * IPv4 helpers for site validation: parsing, CIDRs, ranges and overlap.
 * Addresses are handled as unsigned 32-bit integers.
 */

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Parses a dotted-quad IPv4 address; returns undefined when it is not one. */
export function parseIp(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function formatIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** An inclusive range of IPv4 addresses. */
export interface IpRange {
  readonly first: number;
  readonly last: number;
}

/** Parses `a.b.c.d/n` with the host bits zero; returns undefined when it is not one. */
export function parseCidr(text: string): IpRange | undefined {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (!m) return undefined;
  const base = parseIp(m[1]);
  const bits = Number(m[2]);
  if (base === undefined || bits > 32) return undefined;
  const size = 2 ** (32 - bits);
  if (base % size !== 0) return undefined;
  return { first: base, last: base + size - 1 };
}

/** Parses a MetalLB address entry: a CIDR or `first-last`. */
export function parseAddressBlock(text: string): IpRange | undefined {
  if (text.includes('/')) return parseCidr(text);
  const m = /^([^-\s]+)\s*-\s*([^-\s]+)$/.exec(text);
  if (!m) return undefined;
  const first = parseIp(m[1]);
  const last = parseIp(m[2]);
  if (first === undefined || last === undefined || last < first) return undefined;
  return { first, last };
}

export function overlaps(a: IpRange, b: IpRange): boolean {
  return a.first <= b.last && b.first <= a.last;
}

export function contains(range: IpRange, ip: number): boolean {
  return range.first <= ip && ip <= range.last;
}

export function rangeSize(range: IpRange): number {
  return range.last - range.first + 1;
}

export function formatRange(range: IpRange): string {
  return range.first === range.last ? formatIp(range.first) : `${formatIp(range.first)}-${formatIp(range.last)}`;
}
