import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Site } from '../../lib/config/schema';
import { LAYERS } from '../../lib/layers';
import { harborLayer } from '../../lib/layers/harbor';
import { renderSite } from '../../lib/synth';
import { shippedSite, siteWith } from '../helpers';

function filesOf(site: Site): Map<string, string> {
  return new Map(renderSite(site).map((f) => [f.path, f.content]));
}

describe('install.sh: content', () => {
  const files = filesOf(shippedSite());
  const script = (node: string) => files.get(`dist/hosts/${node}/install.sh`)!;

  test('GIVEN every node WHEN its script is rendered THEN it is executable bash with strict mode and the pinned k3s version', () => {
    const rendered = renderSite(shippedSite()).filter((f) => f.path.endsWith('/install.sh'));
    expect(rendered.map((f) => [f.path, f.executable])).toEqual(['db1', 'db2', 'db3', 'subord', 'www1', 'www2', 'www3'].map((n) => [`dist/hosts/${n}/install.sh`, true]));
    for (const f of rendered) {
      expect(f.content.startsWith('#!/usr/bin/env bash\n')).toBe(true);
      expect(f.content).toContain('\nset -euo pipefail\n');
      expect(f.content).toContain("\nK3S_VERSION='v1.33.5+k3s1'\n");
      expect(f.content).toContain('curl -sfL https://get.k3s.io | INSTALL_K3S_VERSION="$K3S_VERSION" INSTALL_K3S_EXEC="$K3S_ROLE" sh -');
    }
  });

  test('GIVEN a node WHEN its script is read THEN it refuses another host name and a host without the node IP', () => {
    const s = script('www2');
    expect(s).toContain("\nNODE_NAME='www2'\nNODE_IP='10.251.50.2'\n");
    expect(s).toContain('[ "$host" = "$NODE_NAME" ] || die');
    expect(s).toContain('addresses="$(ip -4 -o addr show)"\ngrep -qwF -- "$NODE_IP" <<<"$addresses" || die');
  });

  test('GIVEN the join token WHEN the script reads it THEN it comes only from $K3S_TOKEN or from Bitwarden by item name, and no value is in the file', () => {
    for (const node of ['db1', 'www2', 'subord']) {
      const s = script(node);
      expect(s).toContain("\nTOKEN_ITEM='k3s-cluster-token'\n");
      expect(s.split('\n').filter((l) => /\btoken=/.test(l)).map((l) => l.trim().replace(/ \|\|.*$/, ''))).toEqual([
        'token="$K3S_TOKEN"',
        'token="$(bw get password "$TOKEN_ITEM")"',
      ]);
      expect(s).toContain('(umask 077 && printf \'%s\' "$token" >"$TOKEN_FILE")\nchmod 0600 "$TOKEN_FILE"');
      expect(s).not.toContain('bitwarden:');
    }
  });

  test('GIVEN servers and agents WHEN compared THEN servers install kube-vip from the shared folder, joiners wait for the VIP, the first server guards against a second cluster', () => {
    expect(script('db2')).toContain('vip_manifest="$HERE/../kube-vip/kube-vip.yaml"');
    expect(script('db2')).toContain('install -m 0600 "$vip_manifest" /var/lib/rancher/k3s/server/manifests/kube-vip.yaml');
    expect(script('www2')).not.toContain('kube-vip.yaml');
    for (const node of ['db2', 'www2', 'subord']) expect(script(node)).toContain('if curl -ksf --max-time 5 "$API_URL/ping" >/dev/null 2>&1; then break; fi');
    expect(script('db1')).not.toContain('$API_URL/ping" >/dev/null 2>&1; then break; fi');
    expect(script('db1')).toContain('would create a second cluster');
    expect(script('www2')).toContain("\nK3S_SERVICE='k3s-agent'\n");
    expect(script('db3')).toContain("\nK3S_SERVICE='k3s'\n");
  });

  test('GIVEN a k3s version override WHEN rendered THEN every script pins it', () => {
    const s = filesOf(siteWith((x) => { x.versions = { k3s: 'v1.33.6+k3s1' }; })).get('dist/hosts/www1/install.sh')!;
    expect(s).toContain("\nK3S_VERSION='v1.33.6+k3s1'\n");
  });

  test('GIVEN Harbor mirrors registries WHEN scripts are rendered THEN every node installs the shared registries.yaml as k3s\'s and restarts k3s on a change', () => {
    for (const node of ['db1', 'db2', 'www2', 'subord']) {
      const s = script(node);
      expect(s).toContain("\nREGISTRIES_FILE='/etc/rancher/k3s/registries.yaml'\n");
      expect(s).toContain([
        'registries="$HERE/../registries.yaml"',
        '[ -f "$registries" ] || die "$registries is missing; copy the whole dist/hosts folder to this host"',
        'if [ "$(sha "$registries")" != "$(sha "$REGISTRIES_FILE")" ]; then',
        '  install -m 0600 "$registries" "$REGISTRIES_FILE"',
        '  config_changed=yes',
      ].join('\n'));
    }
  });

  test('GIVEN no layer mirrors registries WHEN rendered THEN there is no registries.yaml and no script touches k3s\'s', () => {
    const rendered = new Map(renderSite(shippedSite(), LAYERS.filter((l) => l !== harborLayer)).map((f) => [f.path, f.content]));
    expect(rendered.has('dist/hosts/registries.yaml')).toBe(false);
    expect(rendered.get('dist/hosts/www2/install.sh')).not.toContain('registries');
    expect(rendered.get('dist/hosts/README.md')).not.toContain('registries.yaml');
  });
});

const hasBash = spawnSync('bash', ['-c', 'command -v sha256sum && command -v awk && command -v install'], { stdio: 'ignore' }).status === 0;

/** A fake host: the node's folder copied from a render, system paths moved into a temp dir, commands stubbed. */
class FakeHost {
  public readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'install-sh-'));
  public readonly bin = path.join(this.root, 'bin');
  public readonly log = path.join(this.root, 'log');
  public env: Record<string, string> = {};

  constructor(private readonly node: string, files: Map<string, string>) {
    for (const [p, content] of files) {
      if (!p.startsWith('dist/hosts/')) continue;
      const target = path.join(this.root, p.slice('dist/'.length));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content.replace(/\/etc\/rancher\/k3s/g, `${this.root}/etc/rancher/k3s`).replace(/\/var\/lib\/rancher\/k3s/g, `${this.root}/var/lib/rancher/k3s`));
    }
    fs.mkdirSync(this.bin);
    fs.writeFileSync(this.log, '');
    // The kubelet's credentials, which a registered node has: storage nodes set their Longhorn annotations with them (the k3s stubs answer any kubectl call).
    fs.mkdirSync(path.join(this.root, 'var/lib/rancher/k3s/agent'), { recursive: true });
    fs.writeFileSync(path.join(this.root, 'var/lib/rancher/k3s/agent/kubelet.kubeconfig'), '');
    const stub = (name: string, body: string) => fs.writeFileSync(path.join(this.bin, name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
    stub('hostname', 'echo "$FAKE_HOSTNAME"');
    stub('id', 'echo 0');
    stub('ip', [
      'if [ "$1" = link ]; then [ "$3" = "$FAKE_IFACE" ]; exit; fi',
      'echo "2: $FAKE_IFACE    inet $FAKE_IP/23 brd 10.251.51.255 scope global $FAKE_IFACE\\       valid_lft forever preferred_lft forever"',
    ].join('\n'));
    stub('sleep', 'true');
    stub('systemctl', 'case "$1" in is-enabled|is-active) exit 0 ;; esac\necho "systemctl $*" >> "$LOG"');
    // Longhorn's prerequisites, present unless a test removes them.
    stub('iscsiadm', 'true');
    stub('mount.nfs', 'true');
    stub('apt-get', 'echo "apt-get $*" >> "$LOG"');
    stub('curl', [
      'echo "curl $*" >> "$LOG"',
      'case "$*" in',
      '  *get.k3s.io*) printf \'%s\\n\' \'echo "installer $INSTALL_K3S_VERSION $INSTALL_K3S_EXEC" >> "$LOG"\' \'printf "#!/bin/sh\\necho \\"k3s version %s (deadbeef)\\"\\necho \\"go version go1.24\\"\\n" "$INSTALL_K3S_VERSION" > "$FAKE_BIN/k3s"; chmod +x "$FAKE_BIN/k3s"\' ;;',
      '  */ping*) exit "${FAKE_PING_RC:-0}" ;;',
      'esac',
    ].join('\n'));
    this.env = { FAKE_HOSTNAME: node, FAKE_IFACE: 'eth0', FAKE_BIN: this.bin, LOG: this.log, K3S_TOKEN: 'not-a-real-token' };
  }

  public withBw(token: string): this {
    fs.writeFileSync(path.join(this.bin, 'bw'), `#!/bin/bash\necho "bw $*" >> "$LOG"\necho '${token}'\n`, { mode: 0o755 });
    return this;
  }

  public withK3s(version: string): this {
    fs.writeFileSync(path.join(this.bin, 'k3s'), `#!/bin/sh\necho "k3s version ${version} (cafe)"\necho "go version go1.24"\n`, { mode: 0o755 });
    return this;
  }

  public file(rel: string): string | undefined {
    const p = path.join(this.root, rel);
    return fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : undefined;
  }

  public run(env: Record<string, string | undefined> = {}) {
    const merged: Record<string, string> = { PATH: `${this.bin}:/usr/bin:/bin`, HOME: this.root };
    for (const [k, v] of Object.entries({ ...this.env, ...env })) if (v !== undefined) merged[k] = v;
    const r = spawnSync('bash', [path.join(this.root, 'hosts', this.node, 'install.sh')], { env: merged, encoding: 'utf8' });
    return { root: this.root, status: r.status, stdout: r.stdout, stderr: r.stderr, log: fs.readFileSync(this.log, 'utf8').trim().split('\n').filter(Boolean) };
  }

  public dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

(hasBash ? describe : describe.skip)('install.sh: run on a fake host', () => {
  const files = filesOf(shippedSite());
  const hosts: FakeHost[] = [];
  const host = (node: string, ip: string) => {
    const h = new FakeHost(node, files);
    h.env.FAKE_IP = ip;
    hosts.push(h);
    return h;
  };
  afterAll(() => hosts.forEach((h) => h.dispose()));

  test('GIVEN another host name WHEN run THEN it stops before writing anything, naming the right script', () => {
    const h = host('www2', '10.251.50.2');
    const r = h.run({ FAKE_HOSTNAME: 'www3' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('install.sh [www2]: error: this script is for www2 but this host is www3; run dist/hosts/www3/install.sh there instead\n');
    expect(h.file('etc/rancher/k3s/token')).toBeUndefined();
    expect(r.log).toEqual([]);
  });

  test.each(['10.251.50.99', '10.251.50.20'])('GIVEN the node IP is not configured (host has %s) WHEN run THEN it stops', (ip) => {
    const r = host('www2', ip).run();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error: 10.251.50.2 (site.yaml nodes[].ip of www2) is not configured on this host');
  });

  test('GIVEN a fresh agent and K3S_TOKEN WHEN run twice, then with a changed config THEN it installs once, does nothing, then restarts k3s-agent', () => {
    const h = host('www2', '10.251.50.2');
    const first = h.run();
    expect([first.status, first.stderr]).toEqual([0, '']);
    expect(h.file('etc/rancher/k3s/token')).toBe('not-a-real-token');
    expect(fs.statSync(path.join(h.root, 'etc/rancher/k3s/token')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(h.root, 'etc/rancher/k3s/config.yaml')).mode & 0o777).toBe(0o600);
    expect(h.file('etc/rancher/k3s/config.yaml')).toBe(h.file('hosts/www2/config.yaml'));
    expect(first.log).toEqual(['curl -ksf --max-time 5 https://10.251.51.10:6443/ping', 'curl -sfL https://get.k3s.io', 'installer v1.33.5+k3s1 agent']);
    expect(first.stdout).toContain('install.sh [www2]: installing k3s v1.33.5+k3s1 as agent (found: none)');

    const second = h.run();
    expect(second.status).toBe(0);
    expect(second.stdout).toContain('k3s v1.33.5+k3s1 is installed and the configuration is unchanged: nothing to do');
    expect(second.log.filter((l) => l.startsWith('installer') || l.startsWith('systemctl'))).toEqual(['installer v1.33.5+k3s1 agent']);

    fs.appendFileSync(path.join(h.root, 'hosts/www2/config.yaml'), 'debug: true\n');
    const third = h.run();
    expect(third.status).toBe(0);
    expect(third.stdout).toContain('the configuration changed: restarting k3s-agent');
    expect(third.log.filter((l) => l.startsWith('installer') || l.startsWith('systemctl'))).toEqual(['installer v1.33.5+k3s1 agent', 'systemctl restart k3s-agent']);
  });

  test('GIVEN no K3S_TOKEN but the Bitwarden CLI WHEN run THEN the token is read by item name', () => {
    const h = host('www3', '10.251.50.3').withBw('from-the-vault');
    const r = h.run({ K3S_TOKEN: undefined });
    expect(r.status).toBe(0);
    expect(r.log).toContain('bw get password k3s-cluster-token');
    expect(h.file('etc/rancher/k3s/token')).toBe('from-the-vault');
  });

  test('GIVEN a node without iSCSI and NFS tools WHEN run THEN it installs open-iscsi and nfs-common before k3s (Longhorn needs them)', () => {
    const h = host('www2', '10.251.50.2');
    fs.rmSync(path.join(h.bin, 'iscsiadm'));
    fs.rmSync(path.join(h.bin, 'mount.nfs'));
    const r = h.run();
    expect([r.status, r.stderr]).toEqual([0, '']);
    const apt = r.log.indexOf('apt-get install -y open-iscsi nfs-common');
    expect(apt).toBeGreaterThanOrEqual(0);
    expect(apt).toBeLessThan(r.log.indexOf('installer v1.33.5+k3s1 agent'));
  });

  test('GIVEN neither K3S_TOKEN nor the Bitwarden CLI WHEN run THEN it stops with the command to run', () => {
    const r = host('www3', '10.251.50.3').run({ K3S_TOKEN: undefined });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`install.sh [www3]: error: no join token: run export K3S_TOKEN="$(bw get password 'k3s-cluster-token')" and then sudo --preserve-env=K3S_TOKEN ${path.join(r.root, 'hosts/www3/install.sh')}\n`);
  });

  test('GIVEN a different token already on the node WHEN run THEN it refuses to overwrite it', () => {
    const h = host('www1', '10.251.50.1');
    fs.mkdirSync(path.join(h.root, 'etc/rancher/k3s'), { recursive: true });
    fs.writeFileSync(path.join(h.root, 'etc/rancher/k3s/token'), 'the-old-token');
    const r = h.run();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('holds another token; a running cluster keeps its token (rotate it with k3s token rotate, then update Bitwarden item k3s-cluster-token)');
    expect(h.file('etc/rancher/k3s/token')).toBe('the-old-token');
  });

  test('GIVEN the VIP never answers WHEN an agent runs THEN it gives up after the bounded wait, saying to join the first server', () => {
    const r = host('subord', '10.251.50.10').run({ FAKE_PING_RC: '7' });
    expect(r.status).toBe(1);
    expect(r.log.filter((l) => l.endsWith('/ping'))).toHaveLength(60);
    expect(r.stderr).toContain('error: nothing answered at https://10.251.51.10:6443/ping for 5 minutes; join db1 first');
    expect(r.log).not.toContain('curl -sfL https://get.k3s.io');
  });

  test('GIVEN registry mirrors WHEN an agent runs THEN registries.yaml is installed (0600) with k3s; a changed file later restarts k3s-agent', () => {
    const h = host('www3', '10.251.50.3');
    const first = h.run();
    expect([first.status, first.stderr]).toEqual([0, '']);
    expect(h.file('etc/rancher/k3s/registries.yaml')).toBe(h.file('hosts/registries.yaml'));
    expect(fs.statSync(path.join(h.root, 'etc/rancher/k3s/registries.yaml')).mode & 0o777).toBe(0o600);
    expect(h.run().stdout).toContain('the configuration is unchanged: nothing to do');
    fs.appendFileSync(path.join(h.root, 'hosts/registries.yaml'), '  registry.k8s.io:\n    endpoint:\n      - https://registry.turnsys.com\n');
    const changed = h.run();
    expect(changed.status).toBe(0);
    expect(changed.stdout).toContain('installed');
    expect(changed.log.filter((l) => l.startsWith('systemctl'))).toEqual(['systemctl restart k3s-agent']);
    expect(h.file('etc/rancher/k3s/registries.yaml')).toContain('registry.k8s.io');
  });

  test('GIVEN the registries file was not copied WHEN a node runs THEN it stops naming it, before installing k3s', () => {
    const h = host('www1', '10.251.50.1');
    fs.rmSync(path.join(h.root, 'hosts/registries.yaml'));
    const r = h.run();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('hosts/www1/../registries.yaml is missing; copy the whole dist/hosts folder to this host');
    expect(r.log).not.toContain('curl -sfL https://get.k3s.io');
  });

  test('GIVEN a joining server WHEN run THEN it installs the shared kube-vip manifest into the k3s manifests folder and k3s as server', () => {
    const h = host('db2', '10.251.51.2');
    const r = h.run();
    expect(r.status).toBe(0);
    expect(h.file('var/lib/rancher/k3s/server/manifests/kube-vip.yaml')).toBe(h.file('hosts/kube-vip/kube-vip.yaml'));
    expect(r.log).toContain('installer v1.33.5+k3s1 server');
  });

  test('GIVEN a server whose VIP interface is missing WHEN run THEN it stops naming the site field', () => {
    const r = host('db3', '10.251.51.3').run({ FAKE_IFACE: 'ens18' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error: kube-vip announces the API VIP on eth0 (site.yaml k3s.interface) but this host has no such interface');
  });

  test('GIVEN the first server without cluster data while the VIP answers WHEN run THEN it refuses to start a second cluster and writes nothing; with cluster data it proceeds', () => {
    const h = host('db1', '10.251.51.1');
    const refused = h.run();
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('a cluster already answers at https://10.251.51.10:6443 and this host has no cluster data: starting it with cluster-init would create a second cluster');
    expect(h.file('etc/rancher/k3s/token')).toBeUndefined();
    fs.mkdirSync(path.join(h.root, 'var/lib/rancher/k3s/server/db/etcd'), { recursive: true });
    const rejoined = h.run();
    expect(rejoined.status).toBe(0);
    expect(rejoined.log).toContain('installer v1.33.5+k3s1 server');
  });

  test('GIVEN the first server on a fresh site (nothing answers yet) WHEN run THEN it installs k3s as server without waiting', () => {
    const h = host('db1', '10.251.51.1');
    const r = h.run({ FAKE_PING_RC: '7' });
    expect(r.status).toBe(0);
    expect(r.log).toEqual(['curl -ksf --max-time 5 https://10.251.51.10:6443/ping', 'curl -sfL https://get.k3s.io', 'installer v1.33.5+k3s1 server']);
  });

  test('GIVEN a node already on a newer k3s WHEN run THEN it refuses to downgrade before touching anything; on an older one it upgrades', () => {
    const h = host('www1', '10.251.50.1').withK3s('v1.34.0+k3s1');
    const newer = h.run();
    expect(newer.status).toBe(1);
    expect(newer.stderr).toBe('install.sh [www1]: error: k3s v1.34.0+k3s1 is newer than v1.33.5+k3s1 pinned here: these files are stale (pull, npm run synth); k3s is never downgraded\n');
    expect([h.file('etc/rancher/k3s/token'), h.file('etc/rancher/k3s/config.yaml')]).toEqual([undefined, undefined]);
    const older = host('www1', '10.251.50.1').withK3s('v1.33.4+k3s1').run();
    expect(older.status).toBe(0);
    expect(older.stdout).toContain('installing k3s v1.33.5+k3s1 as agent (found: v1.33.4+k3s1)');
  });
});
