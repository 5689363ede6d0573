/** The identity facts are keyed by: the same as verify's (lib/verify/tree.ts `identity`). */
export function factsKey(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
  const i = apiVersion.lastIndexOf('/');
  return `${i < 0 ? '' : apiVersion.slice(0, i)}/${kind}/${namespace ?? ''}/${name}`;
}
