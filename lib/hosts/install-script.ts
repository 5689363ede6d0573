import type { Site, SiteNode } from '../config/schema';
import { parseBitwardenRef } from '../constructs/bitwarden-secret';
import { apiUrl, isFirstServer, K3S_CONFIG_FILE, K3S_TOKEN_FILE, longhornNodeAnnotations, servers } from './k3s-config';
import { K3S_REGISTRIES_FILE, REGISTRIES_RELATIVE } from './registries';

/** Where k3s applies manifests from on every server (its deploy controller watches it). */
export const K3S_MANIFESTS_DIR = '/var/lib/rancher/k3s/server/manifests';
/** The kube-vip file, relative to a node's folder (ops copy the whole dist/hosts folder). */
export const KUBE_VIP_RELATIVE = '../kube-vip/kube-vip.yaml';
/** How long joining nodes wait for the API VIP: attempts x seconds. */
export const VIP_WAIT = { attempts: 60, intervalSeconds: 5 } as const;
/** How long a storage node waits for its Node object before annotating it: attempts x seconds. */
export const NODE_WAIT = { attempts: 60, intervalSeconds: 5 } as const;
/**
 * The kubelet's own credentials (k3s writes them on servers and agents): the Node authorizer lets
 * a node patch its own Node object, which is all the Longhorn annotations need.
 */
export const KUBELET_KUBECONFIG = '/var/lib/rancher/k3s/agent/kubelet.kubeconfig';

/** Single-quotes `value` for bash. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The systemd unit the k3s installer creates for a role. */
export function k3sService(node: SiteNode): string {
  return node.role === 'server' ? 'k3s' : 'k3s-agent';
}

/** The command that reads the join token from Bitwarden, e.g. `bw get password k3s-cluster-token`. */
export function bwTokenCommand(site: Site): string {
  const ref = parseBitwardenRef(site.k3s.token);
  return `bw get ${ref.part} ${shellQuote(ref.item)}`;
}

export interface InstallScriptOptions {
  /**
   * Install `dist/hosts/registries.yaml` (registry mirrors) as k3s's registries.yaml.
   * @default false
   */
  readonly registries?: boolean;
}

/**
 * install.sh for one node: checks it runs on that node, writes the join token (from
 * `$K3S_TOKEN` or Bitwarden, never from git), the k3s configuration and the registry mirrors,
 * on servers the kube-vip manifests, waits for the API VIP when joining, then installs the
 * pinned k3s, or restarts it when only the configuration changed. Safe to run again.
 */
export function installScript(site: Site, node: SiteNode, k3sVersion: string, options: InstallScriptOptions = {}): string {
  const server = node.role === 'server';
  const first = isFirstServer(site, node);
  const ref = parseBitwardenRef(site.k3s.token);
  const what = first ? 'server that starts the cluster with cluster-init' : server ? 'server, joins through the API VIP' : `${node.rnd ? 'R&D ' : ''}agent, joins through the API VIP`;
  let step = 0;
  const heading = (text: string) => `# ${++step}. ${text}`;
  const lines: string[] = [
    '#!/usr/bin/env bash',
    `# Installs or upgrades k3s on ${node.name} (${what}).`,
    '# Rendered by `npm run synth` from site.yaml and lib/hosts/; edit those, not this file.',
    '# Copy the whole dist/hosts folder to the node, then in its folder: sudo --preserve-env=K3S_TOKEN ./install.sh',
    '# (dist/hosts/README.md is the runbook). Safe to run again: it changes only what differs.',
    'set -euo pipefail',
    '',
    `NODE_NAME=${shellQuote(node.name)}`,
    `NODE_IP=${shellQuote(node.ip)}`,
    `K3S_VERSION=${shellQuote(k3sVersion)}`,
    `K3S_ROLE=${shellQuote(node.role)}`,
    `K3S_SERVICE=${shellQuote(k3sService(node))}`,
    `API_URL=${shellQuote(apiUrl(site))}`,
    `TOKEN_ITEM=${shellQuote(ref.item)}`,
    ...(server ? [`VIP_INTERFACE=${shellQuote(site.k3s.interface)}`] : []),
    `CONFIG_FILE=${shellQuote(K3S_CONFIG_FILE)}`,
    ...(options.registries ? [`REGISTRIES_FILE=${shellQuote(K3S_REGISTRIES_FILE)}`] : []),
    `TOKEN_FILE=${shellQuote(K3S_TOKEN_FILE)}`,
    'HERE="$(cd "$(dirname "$0")" && pwd)"',
    '',
    'say() { echo "install.sh [$NODE_NAME]: $*"; }',
    'die() { echo "install.sh [$NODE_NAME]: error: $*" >&2; exit 1; }',
    'sha() { if [ -f "$1" ]; then sha256sum "$1" | cut -d" " -f1; else echo none; fi; }',
    '',
    heading('The right host, as root, and never an older k3s than installed.'),
    '[ "$(id -u)" -eq 0 ] || die "run as root: sudo --preserve-env=K3S_TOKEN $0"',
    'host="$(hostname -s)"',
    '[ "$host" = "$NODE_NAME" ] || die "this script is for $NODE_NAME but this host is $host; run dist/hosts/$host/install.sh there instead"',
    'addresses="$(ip -4 -o addr show)"',
    'grep -qwF -- "$NODE_IP" <<<"$addresses" || die "$NODE_IP (site.yaml nodes[].ip of $NODE_NAME) is not configured on this host; configure it, or correct site.yaml and run npm run synth"',
    ...(server ? [
      'ip link show "$VIP_INTERFACE" >/dev/null 2>&1 || die "kube-vip announces the API VIP on $VIP_INTERFACE (site.yaml k3s.interface) but this host has no such interface; correct k3s.interface and run npm run synth"',
    ] : []),
    '# Files older than the cluster would downgrade it: k3s is only ever upgraded (here or by the upgrades layer).',
    'installed="$(k3s --version 2>/dev/null | awk \'NR == 1 { print $3 }\' || true)"',
    'if [ -n "$installed" ] && [ "$installed" != "$K3S_VERSION" ] && [ "$(printf \'%s\\n%s\\n\' "$installed" "$K3S_VERSION" | sort -V | tail -n 1)" = "$installed" ]; then',
    '  die "k3s $installed is newer than $K3S_VERSION pinned here: these files are stale (pull, npm run synth); k3s is never downgraded"',
    'fi',
    '',
  ];
  if (first) {
    lines.push(
      heading('Never start a second cluster: cluster-init on a server without cluster data while the VIP answers would.'),
      'if [ ! -d /var/lib/rancher/k3s/server/db/etcd ] && curl -ksf --max-time 5 "$API_URL/ping" >/dev/null 2>&1; then',
      '  die "a cluster already answers at $API_URL and this host has no cluster data: starting it with cluster-init would create a second cluster. To rebuild $NODE_NAME into the running cluster, list a healthy server first under nodes: in site.yaml, run npm run synth, and use the new files"',
      'fi',
    );
  } else {
    lines.push(
      heading(`Join through the API VIP: wait until it answers (k3s answers /ping without credentials; -k because`),
      '#    the cluster CA is not installed here yet, and nothing secret is sent).',
      `for attempt in $(seq 1 ${VIP_WAIT.attempts}); do`,
      '  if curl -ksf --max-time 5 "$API_URL/ping" >/dev/null 2>&1; then break; fi',
      `  [ "$attempt" -lt ${VIP_WAIT.attempts} ] || die "nothing answered at $API_URL/ping for ${(VIP_WAIT.attempts * VIP_WAIT.intervalSeconds) / 60} minutes; join ${servers(site)[0].name} first (dist/hosts/README.md), and check kube-vip on a server: k3s kubectl -n kube-system get pods -l app.kubernetes.io/name=kube-vip -o wide"`,
      `  say "waiting for the API at $API_URL ($attempt/${VIP_WAIT.attempts})"`,
      `  sleep ${VIP_WAIT.intervalSeconds}`,
      'done',
    );
  }
  lines.push(
    '',
    heading('Longhorn needs iSCSI on every node that runs pods with volumes, and an NFS client for ReadWriteMany volumes.'),
    'missing=""',
    'command -v iscsiadm >/dev/null 2>&1 || missing="$missing open-iscsi"',
    'command -v mount.nfs >/dev/null 2>&1 || [ -x /sbin/mount.nfs ] || missing="$missing nfs-common"',
    'if [ -n "$missing" ]; then',
    '  command -v apt-get >/dev/null 2>&1 || die "Longhorn needs$missing on this node; install them with the system\'s package manager and run again"',
    '  say "installing$missing for Longhorn"',
    '  DEBIAN_FRONTEND=noninteractive apt-get install -y$missing',
    'fi',
    'systemctl is-enabled iscsid >/dev/null 2>&1 || systemctl enable --now iscsid',
    '',
    heading('The join token: from $K3S_TOKEN or Bitwarden, never from git.'),
    'if [ -n "${K3S_TOKEN:-}" ]; then',
    '  token="$K3S_TOKEN"',
    'elif command -v bw >/dev/null 2>&1; then',
    '  say "reading the join token from Bitwarden item $TOKEN_ITEM"',
    `  token="$(bw get ${ref.part} "$TOKEN_ITEM")" || die "bw could not read item $TOKEN_ITEM; unlock the vault (export BW_SESSION=\\"\\$(bw unlock --raw)\\") and run sudo --preserve-env=BW_SESSION $0, or pass K3S_TOKEN"`,
    'else',
    `  die "no join token: run export K3S_TOKEN=\\"\\$(${bwTokenCommand(site)})\\" and then sudo --preserve-env=K3S_TOKEN $0"`,
    'fi',
    '[ -n "$token" ] || die "the join token is empty; check Bitwarden item $TOKEN_ITEM"',
    'install -d -m 0755 "$(dirname "$TOKEN_FILE")"',
    'if [ -f "$TOKEN_FILE" ] && [ "$(cat "$TOKEN_FILE")" != "$token" ]; then',
    '  die "$TOKEN_FILE holds another token; a running cluster keeps its token (rotate it with k3s token rotate, then update Bitwarden item $TOKEN_ITEM)"',
    'fi',
    '(umask 077 && printf \'%s\' "$token" >"$TOKEN_FILE")',
    'chmod 0600 "$TOKEN_FILE"',
    'unset token',
    '',
    heading('The k3s configuration from this folder.'),
    '[ -f "$HERE/config.yaml" ] || die "$HERE/config.yaml is missing; copy the whole dist/hosts folder to this host"',
    'config_changed=no',
    'if [ "$(sha "$HERE/config.yaml")" != "$(sha "$CONFIG_FILE")" ]; then',
    '  install -m 0600 "$HERE/config.yaml" "$CONFIG_FILE"',
    '  config_changed=yes',
    '  say "installed $CONFIG_FILE ($(sha "$CONFIG_FILE"))"',
    'fi',
  );
  if (options.registries) {
    lines.push(
      '',
      heading('Registry mirrors (dist/hosts/registries.yaml): k3s reads them only at start, so a change restarts it.'),
      `registries="$HERE/${REGISTRIES_RELATIVE}"`,
      '[ -f "$registries" ] || die "$registries is missing; copy the whole dist/hosts folder to this host"',
      'if [ "$(sha "$registries")" != "$(sha "$REGISTRIES_FILE")" ]; then',
      '  install -m 0600 "$registries" "$REGISTRIES_FILE"',
      '  config_changed=yes',
      '  say "installed $REGISTRIES_FILE ($(sha "$REGISTRIES_FILE"))"',
      'fi',
    );
  }
  if (server) {
    lines.push(
      '',
      heading('kube-vip (the API VIP): k3s applies this folder at start and whenever a file changes.'),
      `vip_manifest="$HERE/${KUBE_VIP_RELATIVE}"`,
      '[ -f "$vip_manifest" ] || die "$vip_manifest is missing; copy the whole dist/hosts folder to this host"',
      `install -d -m 0755 ${K3S_MANIFESTS_DIR}`,
      `if [ "$(sha "$vip_manifest")" != "$(sha ${K3S_MANIFESTS_DIR}/kube-vip.yaml)" ]; then`,
      `  install -m 0600 "$vip_manifest" ${K3S_MANIFESTS_DIR}/kube-vip.yaml`,
      `  say "installed ${K3S_MANIFESTS_DIR}/kube-vip.yaml"`,
      'fi',
    );
  }
  lines.push(
    '',
    heading('k3s itself: install or upgrade to the pinned version, restart when only the configuration changed.'),
    'if [ "$installed" != "$K3S_VERSION" ]; then',
    '  say "installing k3s $K3S_VERSION as $K3S_ROLE (found: ${installed:-none})"',
    '  curl -sfL https://get.k3s.io | INSTALL_K3S_VERSION="$K3S_VERSION" INSTALL_K3S_EXEC="$K3S_ROLE" sh -',
    'elif [ "$config_changed" = yes ]; then',
    '  say "k3s $K3S_VERSION is installed and the configuration changed: restarting $K3S_SERVICE"',
    '  systemctl restart "$K3S_SERVICE"',
    'else',
    '  say "k3s $K3S_VERSION is installed and the configuration is unchanged: nothing to do"',
    'fi',
  );
  const annotations = Object.entries(longhornNodeAnnotations(node)).sort(([a], [b]) => a.localeCompare(b));
  if (annotations.length) {
    lines.push(
      '',
      heading('Longhorn disk and node tags (lib/ha/storage.ts): k3s sets no node annotations, so they are set here once'),
      '#    the node is registered, with the kubelet\'s own credentials (a node may patch its own Node object). Longhorn',
      '#    reads them while its node has no disk and no tag yet (the node label create-default-disk=config makes it wait).',
      `for attempt in $(seq 1 ${NODE_WAIT.attempts}); do`,
      `  if [ -f ${KUBELET_KUBECONFIG} ] && k3s kubectl --kubeconfig ${KUBELET_KUBECONFIG} get node "$NODE_NAME" >/dev/null 2>&1; then break; fi`,
      `  [ "$attempt" -lt ${NODE_WAIT.attempts} ] || die "node $NODE_NAME did not register within ${(NODE_WAIT.attempts * NODE_WAIT.intervalSeconds) / 60} minutes; check journalctl -u $K3S_SERVICE, then run again to set its Longhorn annotations"`,
      `  say "waiting for node $NODE_NAME to register ($attempt/${NODE_WAIT.attempts})"`,
      `  sleep ${NODE_WAIT.intervalSeconds}`,
      'done',
      `k3s kubectl --kubeconfig ${KUBELET_KUBECONFIG} annotate --overwrite node "$NODE_NAME" \\`,
      ...annotations.map(([k, v], i) => `  ${shellQuote(`${k}=${v}`)}${i < annotations.length - 1 ? ' \\' : ''}`),
      'say "set the Longhorn disk and node tags of $NODE_NAME"',
    );
  }
  lines.push(
    server
      ? 'say "done; check: sudo k3s kubectl get nodes -o wide"'
      : 'say "done; check on a server: sudo k3s kubectl get node $NODE_NAME -o wide"',
    '',
  );
  return lines.join('\n');
}
