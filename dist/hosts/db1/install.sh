#!/usr/bin/env bash
# Installs or upgrades k3s on db1 (server that starts the cluster with cluster-init).
# Rendered by `npm run synth` from site.yaml and lib/hosts/; edit those, not this file.
# Copy the whole dist/hosts folder to the node, then in its folder: sudo --preserve-env=K3S_TOKEN ./install.sh
# (dist/hosts/README.md is the runbook). Safe to run again: it changes only what differs.
set -euo pipefail

NODE_NAME='db1'
NODE_IP='10.251.51.1'
K3S_VERSION='v1.33.5+k3s1'
K3S_ROLE='server'
K3S_SERVICE='k3s'
API_URL='https://10.251.51.10:6443'
TOKEN_ITEM='k3s-cluster-token'
VIP_INTERFACE='eth0'
CONFIG_FILE='/etc/rancher/k3s/config.yaml'
REGISTRIES_FILE='/etc/rancher/k3s/registries.yaml'
TOKEN_FILE='/etc/rancher/k3s/token'
HERE="$(cd "$(dirname "$0")" && pwd)"

say() { echo "install.sh [$NODE_NAME]: $*"; }
die() { echo "install.sh [$NODE_NAME]: error: $*" >&2; exit 1; }
sha() { if [ -f "$1" ]; then sha256sum "$1" | cut -d" " -f1; else echo none; fi; }

# 1. The right host, as root, and never an older k3s than installed.
[ "$(id -u)" -eq 0 ] || die "run as root: sudo --preserve-env=K3S_TOKEN $0"
host="$(hostname -s)"
[ "$host" = "$NODE_NAME" ] || die "this script is for $NODE_NAME but this host is $host; run dist/hosts/$host/install.sh there instead"
addresses="$(ip -4 -o addr show)"
grep -qwF -- "$NODE_IP" <<<"$addresses" || die "$NODE_IP (site.yaml nodes[].ip of $NODE_NAME) is not configured on this host; configure it, or correct site.yaml and run npm run synth"
ip link show "$VIP_INTERFACE" >/dev/null 2>&1 || die "kube-vip announces the API VIP on $VIP_INTERFACE (site.yaml k3s.interface) but this host has no such interface; correct k3s.interface and run npm run synth"
# Files older than the cluster would downgrade it: k3s is only ever upgraded (here or by the upgrades layer).
installed="$(k3s --version 2>/dev/null | awk 'NR == 1 { print $3 }' || true)"
if [ -n "$installed" ] && [ "$installed" != "$K3S_VERSION" ] && [ "$(printf '%s\n%s\n' "$installed" "$K3S_VERSION" | sort -V | tail -n 1)" = "$installed" ]; then
  die "k3s $installed is newer than $K3S_VERSION pinned here: these files are stale (pull, npm run synth); k3s is never downgraded"
fi

# 2. Never start a second cluster: cluster-init on a server without cluster data while the VIP answers would.
if [ ! -d /var/lib/rancher/k3s/server/db/etcd ] && curl -ksf --max-time 5 "$API_URL/ping" >/dev/null 2>&1; then
  die "a cluster already answers at $API_URL and this host has no cluster data: starting it with cluster-init would create a second cluster. To rebuild $NODE_NAME into the running cluster, list a healthy server first under nodes: in site.yaml, run npm run synth, and use the new files"
fi

# 3. Longhorn needs iSCSI on every node that runs pods with volumes, and an NFS client for ReadWriteMany volumes.
missing=""
command -v iscsiadm >/dev/null 2>&1 || missing="$missing open-iscsi"
command -v mount.nfs >/dev/null 2>&1 || [ -x /sbin/mount.nfs ] || missing="$missing nfs-common"
if [ -n "$missing" ]; then
  command -v apt-get >/dev/null 2>&1 || die "Longhorn needs$missing on this node; install them with the system's package manager and run again"
  say "installing$missing for Longhorn"
  DEBIAN_FRONTEND=noninteractive apt-get install -y$missing
fi
systemctl is-enabled iscsid >/dev/null 2>&1 || systemctl enable --now iscsid

# 4. The join token: from $K3S_TOKEN or Bitwarden, never from git.
if [ -n "${K3S_TOKEN:-}" ]; then
  token="$K3S_TOKEN"
elif command -v bw >/dev/null 2>&1; then
  say "reading the join token from Bitwarden item $TOKEN_ITEM"
  token="$(bw get password "$TOKEN_ITEM")" || die "bw could not read item $TOKEN_ITEM; unlock the vault (export BW_SESSION=\"\$(bw unlock --raw)\") and run sudo --preserve-env=BW_SESSION $0, or pass K3S_TOKEN"
else
  die "no join token: run export K3S_TOKEN=\"\$(bw get password 'k3s-cluster-token')\" and then sudo --preserve-env=K3S_TOKEN $0"
fi
[ -n "$token" ] || die "the join token is empty; check Bitwarden item $TOKEN_ITEM"
install -d -m 0755 "$(dirname "$TOKEN_FILE")"
if [ -f "$TOKEN_FILE" ] && [ "$(cat "$TOKEN_FILE")" != "$token" ]; then
  die "$TOKEN_FILE holds another token; a running cluster keeps its token (rotate it with k3s token rotate, then update Bitwarden item $TOKEN_ITEM)"
fi
(umask 077 && printf '%s' "$token" >"$TOKEN_FILE")
chmod 0600 "$TOKEN_FILE"
unset token

# 5. The k3s configuration from this folder.
[ -f "$HERE/config.yaml" ] || die "$HERE/config.yaml is missing; copy the whole dist/hosts folder to this host"
config_changed=no
if [ "$(sha "$HERE/config.yaml")" != "$(sha "$CONFIG_FILE")" ]; then
  install -m 0600 "$HERE/config.yaml" "$CONFIG_FILE"
  config_changed=yes
  say "installed $CONFIG_FILE ($(sha "$CONFIG_FILE"))"
fi

# 6. Registry mirrors (dist/hosts/registries.yaml): k3s reads them only at start, so a change restarts it.
registries="$HERE/../registries.yaml"
[ -f "$registries" ] || die "$registries is missing; copy the whole dist/hosts folder to this host"
if [ "$(sha "$registries")" != "$(sha "$REGISTRIES_FILE")" ]; then
  install -m 0600 "$registries" "$REGISTRIES_FILE"
  config_changed=yes
  say "installed $REGISTRIES_FILE ($(sha "$REGISTRIES_FILE"))"
fi

# 7. kube-vip (the API VIP): k3s applies this folder at start and whenever a file changes.
vip_manifest="$HERE/../kube-vip/kube-vip.yaml"
[ -f "$vip_manifest" ] || die "$vip_manifest is missing; copy the whole dist/hosts folder to this host"
install -d -m 0755 /var/lib/rancher/k3s/server/manifests
if [ "$(sha "$vip_manifest")" != "$(sha /var/lib/rancher/k3s/server/manifests/kube-vip.yaml)" ]; then
  install -m 0600 "$vip_manifest" /var/lib/rancher/k3s/server/manifests/kube-vip.yaml
  say "installed /var/lib/rancher/k3s/server/manifests/kube-vip.yaml"
fi

# 8. k3s itself: install or upgrade to the pinned version, restart when only the configuration changed.
if [ "$installed" != "$K3S_VERSION" ]; then
  say "installing k3s $K3S_VERSION as $K3S_ROLE (found: ${installed:-none})"
  curl -sfL https://get.k3s.io | INSTALL_K3S_VERSION="$K3S_VERSION" INSTALL_K3S_EXEC="$K3S_ROLE" sh -
elif [ "$config_changed" = yes ]; then
  say "k3s $K3S_VERSION is installed and the configuration changed: restarting $K3S_SERVICE"
  systemctl restart "$K3S_SERVICE"
else
  say "k3s $K3S_VERSION is installed and the configuration is unchanged: nothing to do"
fi

# 9. Longhorn disk and node tags (lib/ha/storage.ts): k3s sets no node annotations, so they are set here once
#    the node is registered, with the kubelet's own credentials (a node may patch its own Node object). Longhorn
#    reads them while its node has no disk and no tag yet (the node label create-default-disk=config makes it wait).
for attempt in $(seq 1 60); do
  if [ -f /var/lib/rancher/k3s/agent/kubelet.kubeconfig ] && k3s kubectl --kubeconfig /var/lib/rancher/k3s/agent/kubelet.kubeconfig get node "$NODE_NAME" >/dev/null 2>&1; then break; fi
  [ "$attempt" -lt 60 ] || die "node $NODE_NAME did not register within 5 minutes; check journalctl -u $K3S_SERVICE, then run again to set its Longhorn annotations"
  say "waiting for node $NODE_NAME to register ($attempt/60)"
  sleep 5
done
k3s kubectl --kubeconfig /var/lib/rancher/k3s/agent/kubelet.kubeconfig annotate --overwrite node "$NODE_NAME" \
  'node.longhorn.io/default-disks-config=[{"path":"/var/lib/longhorn/","allowScheduling":true,"tags":["prod"]}]' \
  'node.longhorn.io/default-node-tags=["prod"]'
say "set the Longhorn disk and node tags of $NODE_NAME"
say "done; check: sudo k3s kubectl get nodes -o wide"
