/** Bytes per unit of the sizes site.yaml and app specs give (binary suffixes only). */
const UNIT_BYTES: Readonly<Record<string, bigint>> = { Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n };

/** The largest byte count a Kubernetes quantity holds as a number (int64): the kubelet, the scheduler and Longhorn read sizes so. */
const MAX_QUANTITY_BYTES = (1n << 63n) - 1n;

/** Whether `q`, digits and a binary unit (Mi, Gi, Ti), fits a Kubernetes int64 byte count; true for anything else (its own pattern refuses it). */
export function fitsInt64Bytes(q: string): boolean {
  const m = /^([0-9]+)(Mi|Gi|Ti)$/.exec(q);
  return !m || BigInt(m[1]) * UNIT_BYTES[m[2]] <= MAX_QUANTITY_BYTES;
}

/** The refusal of a size over `fitsInt64Bytes`. */
export const SIZE_TOO_LARGE = { message: 'is larger than Kubernetes can count in bytes (at most 8388607Ti): give the size needed, e.g. "10Gi"' };
