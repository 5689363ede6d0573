import { NOT_PORTABLE } from '../k8s/tree';

/**
 * Characters a file name cannot hold on Windows (NOT_PORTABLE, lib/k8s/tree.ts: verify's check),
 * which object names of some kinds may (RBAC names such as `system:metrics-server`, path segment
 * names): a checkout of the render on Windows, or on the GitHub mirror's web editor, fails on
 * them. Each becomes `_`, which no DNS name holds, so a replaced name does not meet another object's.
 */
const EVERY_NOT_PORTABLE = new RegExp(NOT_PORTABLE, 'g');

/**
 * The base name (without `.yaml`) of the file synth writes an object to: `<kind>-<name>`, or
 * `<kind>-<namespace>-<name>` when `namespace` is given (two objects of one kind and name in one
 * folder), lower-case kind, with the characters a portable file name cannot hold replaced.
 */
export function manifestBaseName(kind: string, name: string, namespace?: string): string {
  const base = namespace === undefined ? `${kind.toLowerCase()}-${name}` : `${kind.toLowerCase()}-${namespace}-${name}`;
  return base.replace(EVERY_NOT_PORTABLE, '_');
}
