import type { ChartSource } from './vendor/chart-source';

/**
 * The versions the platform deploys. Each chart is pinned in the layer file that renders it (a
 * `ChartPin`, collected by `CHART_PINS` of lib/layers/index.ts); `VERSIONS` below pins the images,
 * binaries and manifest sets. `tsys versions` lists every pin in one table. `site.yaml` may
 * override any pin's `version` by its name (`versions:`); a layer reads its chart pin through
 * `pinned(ctx, PIN)` (lib/context.ts), which applies that override.
 * Charts and upstream manifests are vendored (vendor/lock.yaml) and rendered at synth into dist/.
 */

/** A Helm chart, vendored under vendor/charts and rendered at synth. */
export interface ChartVersion {
  readonly kind: 'chart';
  /** The chart's Helm repository URL (where it is published; the vendored copy comes from its Git tag). */
  readonly repo: string;
  /** Chart name in that repository. */
  readonly chart: string;
  /** Pinned chart version. */
  readonly version: string;
}

/** A container image or release binary. */
export interface ArtifactVersion {
  readonly kind: 'image' | 'binary';
  /** Image repository or release name. */
  readonly name: string;
  /** Pinned tag or release. */
  readonly version: string;
}

/** Plain manifests or a kustomization from a Git repository tag, vendored under vendor/manifests and rendered at synth. */
export interface GitVersion {
  readonly kind: 'git';
  /** Repository URL. */
  readonly repo: string;
  /** Folder in the repository. */
  readonly path: string;
  /** Pinned tag. */
  readonly version: string;
}

export type ComponentVersion = ChartVersion | ArtifactVersion | GitVersion;

/** A chart pin, declared in the layer file that renders the chart. */
export interface ChartPin extends ChartVersion {
  /** Its name: the key of `site.yaml` `versions:` that overrides `version` (often the chart's name). */
  readonly name: string;
  /** Where the chart is released from (`npm run vendor -- <chart> <version>` reads it). */
  readonly source: ChartSource;
}

/** The pin with `overrides[pin.name]` (a site's `versions:`) as its version when there is one. */
export function resolvePin<P extends { readonly name: string; readonly version: string }>(pin: P, overrides: Readonly<Record<string, string>>): P {
  const version = overrides[pin.name];
  return version === undefined || version === pin.version ? pin : Object.freeze({ ...pin, version });
}

export const VERSIONS = {
  /** k3s on every node (host install script, system-upgrade-controller Plans). */
  k3s: { kind: 'binary', name: 'k3s', version: 'v1.33.5+k3s1' },
  /** kube-vip: the API VIP on the servers (ARP). */
  'kube-vip': { kind: 'image', name: 'ghcr.io/kube-vip/kube-vip', version: 'v1.2.3' },
  /** system-upgrade-controller: runs the k3s upgrade Plans (its repo's root kustomization). */
  'system-upgrade-controller': { kind: 'git', repo: 'https://github.com/rancher/system-upgrade-controller', path: '.', version: 'v0.20.1' },
  /** Bitwarden CLI (`bw serve`) that External Secrets reads the vault through. */
  'bitwarden-cli': { kind: 'image', name: 'ghcr.io/charlesthomas/bitwarden-cli', version: '2026.3.0' },
  /**
   * Keycloak operator: its CRDs and Deployment, the folder `kubernetes` of the release tag
   * (namespace `keycloak`, which the operator's ClusterRoleBinding names). The operator runs the
   * Keycloak image of the same release. 26.0.0: the newest tag of keycloak-k8s-resources this
   * project could vendor (the mirror holds no later one); bump it with npm run vendor.
   */
  'keycloak-operator': { kind: 'git', repo: 'https://github.com/keycloak/keycloak-k8s-resources', path: 'kubernetes', version: '26.0.0' },
  /**
   * keycloak-config-cli (adorsys): the Job that applies the rendered platform realm to the running
   * Keycloak through its admin API, creating or updating clients, mappers and the LDAP federation
   * (lib/constructs/keycloak-config-job.ts). Its tags are `<release>-<Keycloak version it is built
   * against>`; 6.5.0 (2026-03-12) is built and tested against Keycloak 26.0.5, the 26.0 line the
   * operator above runs (https://github.com/adorsys/keycloak-config-cli/blob/v6.5.0/README.md#docker,
   * the version matrix of .github/workflows/ci.yaml of that tag). Bump it with keycloak-operator.
   */
  'keycloak-config-cli': { kind: 'image', name: 'docker.io/adorsys/keycloak-config-cli', version: '6.5.0-26.0.5' },
  /**
   * kaniko: image builds in Jenkins agent pods (the debug image has the busybox shell the
   * Kubernetes plugin needs). GoogleContainerTools archived kaniko in June 2025; v1.24.0 is its
   * last release.
   */
  kaniko: { kind: 'image', name: 'gcr.io/kaniko-project/executor', version: 'v1.24.0-debug' },
  /** Node.js with git: the Jenkins agent container that runs `npm run release` in a platform checkout (Node 22 LTS). */
  'node-ci': { kind: 'image', name: 'docker.io/library/node', version: '22.20.0-bookworm' },
  /** Velero's object-store plugin for S3 and S3-compatible stores: the v1.14 line pairs with Velero 1.18 (v1.14.4, 2026-09-28, carries CVE fixes). */
  'velero-plugin-for-aws': { kind: 'image', name: 'velero/velero-plugin-for-aws', version: 'v1.14.4' },
  /**
   * CSI snapshot CRDs (this folder) and the snapshot controller (`deploy/kubernetes/snapshot-controller`
   * of the same tag): k3s ships neither, Longhorn's CSI snapshots and Velero need both.
   */
  'external-snapshotter': { kind: 'git', repo: 'https://github.com/kubernetes-csi/external-snapshotter', path: 'client/config/crd', version: 'v8.6.0' },
} as const satisfies Record<string, ComponentVersion>;

export type ComponentName = keyof typeof VERSIONS;

export const COMPONENT_NAMES = Object.keys(VERSIONS).sort() as ComponentName[];

/**
 * Every name `site.yaml` `versions:` may override, sorted: the keys of `VERSIONS` and the names of
 * `pins` (the layers' chart pins). Throws when two share a name (a programming error: rename one).
 */
export function pinNames(pins: readonly { readonly name: string }[]): string[] {
  const names = new Set<string>(COMPONENT_NAMES);
  for (const pin of pins) {
    if (names.has(pin.name)) throw new Error(`two pins are named "${pin.name}": rename one (a chart pin's name is the site.yaml versions: key that overrides it)`);
    names.add(pin.name);
  }
  return [...names].sort();
}

/** The versions map with a site's overrides applied. */
export type Versions = { readonly [K in ComponentName]: (typeof VERSIONS)[K] & { readonly version: string } };

/** Applies overrides (already validated against `pinNames`) to the versions map. */
export function resolveVersions(overrides: Readonly<Record<string, string>>): Versions {
  const out: Record<string, ComponentVersion> = {};
  for (const name of COMPONENT_NAMES) {
    const base = VERSIONS[name];
    out[name] = Object.freeze({ ...base, version: overrides[name] ?? base.version });
  }
  return Object.freeze(out) as unknown as Versions;
}

/**
 * Every pin in one table (what `tsys versions` prints): the chart pins `charts` (the layer index's
 * `CHART_PINS`) and the images, binaries and manifest sets of `VERSIONS`, sorted by name, with
 * what each pins and where it comes from.
 */
export function versionsTable(charts: readonly ChartPin[]): string[] {
  const rows: (readonly [string, string, string, string])[] = [
    ...charts.map((p) => [p.name, p.kind, p.version, `${p.chart} from ${p.repo} (released from ${p.source.repository})`] as const),
    ...COMPONENT_NAMES.map((name) => {
      const v = VERSIONS[name] as ComponentVersion;
      return [name, v.kind, v.version, v.kind === 'git' ? `${v.repo} ${v.path}` : v.kind === 'chart' ? `${v.chart} from ${v.repo}` : v.name] as const;
    }),
  ].sort((a, b) => a[0].localeCompare(b[0]));
  const head = ['name', 'kind', 'version', 'what'] as const;
  const width = [0, 1, 2].map((i) => Math.max(head[i].length, ...rows.map((r) => r[i].length)));
  const line = (r: readonly string[]) => [0, 1, 2].map((i) => r[i].padEnd(width[i])).join('  ') + `  ${r[3]}`;
  return [line(head), ...rows.map(line)];
}
