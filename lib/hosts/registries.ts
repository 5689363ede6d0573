import { stringify } from 'yaml';
import type { RegistryMirror } from '../inventory';
import { HEADER } from '../render/rendered-file';
import { sortKeys } from '../render/sort';

/** Where k3s reads its registry configuration from, at start only. */
export const K3S_REGISTRIES_FILE = '/etc/rancher/k3s/registries.yaml';
/** The rendered file, relative to a node's folder (ops copy the whole dist/hosts folder). */
export const REGISTRIES_RELATIVE = '../registries.yaml';

/** The `mirrors` section of k3s's registries.yaml (https://docs.k3s.io/installation/private-registry). */
export interface K3sRegistries {
  readonly mirrors: Readonly<Record<string, { readonly endpoint: readonly string[]; readonly rewrite: Readonly<Record<string, string>> }>>;
}

export function k3sRegistries(mirrors: readonly RegistryMirror[]): K3sRegistries {
  return {
    mirrors: Object.fromEntries([...mirrors]
      .sort((a, b) => a.registry.localeCompare(b.registry))
      .map((m) => [m.registry, { endpoint: [m.endpoint], rewrite: { ...m.rewrite } }])),
  };
}

/**
 * registries.yaml for every node: pulls of the mirrored registries go through the mirror with
 * the repository rewritten to its proxy-cache project. containerd still tries the upstream
 * registry last (without the rewrite), so a node pulls even while the mirror is down.
 */
export function registriesYaml(mirrors: readonly RegistryMirror[]): string {
  return [
    `# ${K3S_REGISTRIES_FILE} on every node; each node's install.sh installs it and restarts k3s when it changed.`,
    `# ${[...new Set(mirrors.map((m) => m.registry))].sort().join(', ')} are pulled through the mirror first; the upstream registry stays the fallback.`,
    `${HEADER}${stringify(sortKeys(k3sRegistries(mirrors)), { lineWidth: 0 })}`,
  ].join('\n');
}
