/**
 * The few Kubernetes scheduling semantics the HA rules, the node-failure simulation and the
 * backup coverage need, over plain JSON read back from the rendered YAML: quantities, label
 * selectors, node affinity, taints and tolerations, probes.
 */

import { isMap } from './manifest';
import type { JsonMap } from './manifest';

export interface Taint {
  readonly key: string;
  readonly value: string;
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface Toleration {
  readonly key?: string;
  readonly operator?: string;
  readonly value?: string;
  readonly effect?: string;
  readonly tolerationSeconds?: number;
}

export interface NodeSelectorRequirement {
  readonly key: string;
  readonly operator: string;
  readonly values?: readonly string[];
}

/** `CriticalAddonsOnly=true:NoExecute` (k3s's node-taint form). */
export function parseTaint(text: string): Taint | undefined {
  const m = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(text.trim());
  return m ? { key: m[1], value: m[2] ?? '', effect: m[3] as Taint['effect'] } : undefined;
}

export function formatTaint(t: Taint): string {
  return `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`;
}

/** Tolerations as a list, or Longhorn's `key=value:Effect;key2:Effect` setting string. */
export function parseTolerations(value: unknown): Toleration[] {
  if (typeof value === 'string') {
    return value.split(';').map((s) => s.trim()).filter(Boolean).flatMap((s) => {
      const t = parseTaint(s);
      return t ? [{ key: t.key, operator: t.value ? 'Equal' : 'Exists', ...(t.value ? { value: t.value } : {}), effect: t.effect }] : [];
    });
  }
  return Array.isArray(value) ? value.filter((t) => t && typeof t === 'object') as Toleration[] : [];
}

/** Whether `t` tolerates `taint` (the Kubernetes matching rules). */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (!t.key) return t.operator === 'Exists';
  if (t.key !== taint.key) return false;
  return t.operator === 'Exists' || (t.value ?? '') === taint.value;
}

/** CPU in millicores: `500m`, `2`, `0.5`. */
export function cpuMillis(q: unknown): number | undefined {
  if (typeof q === 'number') return Math.round(q * 1000);
  if (typeof q !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)(m)?$/.exec(q.trim());
  if (!m) return undefined;
  return m[2] ? Math.round(Number(m[1])) : Math.round(Number(m[1]) * 1000);
}

const MEMORY_UNITS: Record<string, number> = {
  '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** Memory in bytes: `128Mi`, `1G`, `1024`. */
export function memoryBytes(q: unknown): number | undefined {
  if (typeof q === 'number') return q;
  if (typeof q !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)([kMGTPE]i?|Ki)?$/.exec(q.trim());
  if (!m) return undefined;
  const unit = MEMORY_UNITS[m[2] ?? ''];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
}

export function formatCpu(millis: number): string {
  return millis % 1000 === 0 ? `${millis / 1000}` : `${millis}m`;
}

export function formatMemory(bytes: number): string {
  for (const [unit, size] of [['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)}Gi`;
  if (bytes >= 2 ** 20) return `${Math.round(bytes / 2 ** 20)}Mi`;
  return `${bytes}`;
}

/**
 * A label selector (`matchLabels` and `matchExpressions`) against labels. A selector of another
 * shape than the API takes (verify/schemas reports it) matches nothing where the shape is wrong:
 * `matchLabels` not a map, `matchExpressions` not a list, a requirement not a map.
 */
export function selectorMatches(selector: JsonMap | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!isMap(selector)) return false;
  const { matchLabels, matchExpressions } = selector;
  if (matchLabels !== undefined && matchLabels !== null && !isMap(matchLabels)) return false;
  for (const [k, v] of Object.entries(matchLabels ?? {})) if (labels[k] !== v) return false;
  if (matchExpressions !== undefined && matchExpressions !== null && !Array.isArray(matchExpressions)) return false;
  for (const e of (matchExpressions ?? []) as NodeSelectorRequirement[]) if (!requirementMatches(e, labels)) return false;
  return true;
}

/**
 * One match expression (label selector or node selector requirement) against labels. One the API
 * would refuse (not a map, a key that is not a string, values not a list) matches nothing.
 */
export function requirementMatches(e: NodeSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  if (!isMap(e) || typeof e.key !== 'string') return false;
  if (e.values !== undefined && e.values !== null && !Array.isArray(e.values)) return false;
  const has = Object.prototype.hasOwnProperty.call(labels, e.key);
  const v = labels[e.key];
  switch (e.operator) {
    case 'In': return has && (e.values ?? []).includes(v);
    case 'NotIn': return !has || !(e.values ?? []).includes(v);
    case 'Exists': return has;
    case 'DoesNotExist': return !has;
    case 'Gt': return has && Number(v) > Number(e.values?.[0]);
    case 'Lt': return has && Number(v) < Number(e.values?.[0]);
    default: return false;
  }
}

/** Required node affinity: any term matches (each term: every expression). */
export function nodeTermsMatch(terms: readonly JsonMap[] | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!terms || terms.length === 0) return true;
  // A term that is not a map, or whose matchExpressions is not a list, matches no node (the API refuses it).
  return terms.some((t) => isMap(t) && (t.matchExpressions === undefined || t.matchExpressions === null || Array.isArray(t.matchExpressions))
    && ((t.matchExpressions ?? []) as NodeSelectorRequirement[]).every((e) => requirementMatches(e, labels)));
}

/** Allowed disruptions and minimum available of a PodDisruptionBudget for `replicas` pods. */
export function pdbMinAvailable(spec: { minAvailable?: unknown; maxUnavailable?: unknown }, replicas: number): number | undefined {
  const amount = (v: unknown, roundUp: boolean): number | undefined => {
    if (typeof v === 'number') return v;
    if (typeof v === 'string' && /^\d+%$/.test(v)) {
      const x = (Number(v.slice(0, -1)) / 100) * replicas;
      return roundUp ? Math.ceil(x) : Math.floor(x);
    }
    if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
    return undefined;
  };
  const maxU = spec.maxUnavailable;
  if (maxU !== undefined && maxU !== null && maxU !== '') {
    const n = amount(maxU, true);
    return n === undefined ? undefined : Math.max(0, replicas - n);
  }
  return amount(spec.minAvailable, true);
}
