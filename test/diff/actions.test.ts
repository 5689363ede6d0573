import * as fs from 'fs';
import * as path from 'path';
import { diffTrees } from '../../lib/diff/engine';
import { failureImpact } from '../../lib/diff/failure-impact';
import { renderMarkdown } from '../../lib/diff/markdown';
import { filesReadBy, manualActions } from '../../lib/diff/manual-actions';
import { synthSummary } from '../../lib/diff/synth-summary';
import { renderTerminal } from '../../lib/diff/terminal';
import { unifiedDiff } from '../../lib/diff/text-diff';
import { compactPair } from '../../lib/diff/format-value';
import { readPreviousRender } from '../../lib/render/previous';
import { RenderedDocuments } from '../../lib/render/documents';
import { loadManifests } from '../../lib/k8s/manifest-yaml';
import type { RenderedFile } from '../../lib/render/rendered-file';
import { sha256 } from '../../lib/cache-file';
import { REPO } from '../helpers';
import { configMap, deployment, edit, file, service } from './fixtures';

const labels = { base: 'abc123 (merge base of HEAD and main)', head: 'working tree' };

/** A node's host files as synth writes them: its config and an install script reading it (servers also kube-vip). */
function node(name: string, ip: string, role: 'server' | 'agent'): RenderedFile[] {
  const vip = role === 'server' ? 'vip_manifest="$HERE/../kube-vip/kube-vip.yaml"\n' : '';
  return [
    { path: `dist/hosts/${name}/config.yaml`, content: `# /etc/rancher/k3s/config.yaml on ${name} (${role})\nnode-ip: ${ip}\nnode-name: ${name}\n` },
    { path: `dist/hosts/${name}/install.sh`, content: `#!/bin/sh\nHERE="$(cd "$(dirname "$0")" && pwd)"\ninstall -m 0600 "$HERE/config.yaml" /etc/rancher/k3s/config.yaml\nregistries="$HERE/../registries.yaml"\n${vip}`, executable: true },
  ];
}

const shared: RenderedFile[] = [
  { path: 'dist/hosts/README.md', content: '# k3s hosts\n' },
  { path: 'dist/hosts/registries.yaml', content: 'mirrors: {}\n' },
  { path: 'dist/hosts/kube-vip/kube-vip.yaml', content: 'kind: DaemonSet\n' },
  { path: 'dist/hosts/haproxy/haproxy.cfg', content: 'backend web\n  server gw 10.0.0.200:80\n' },
];
const hosts = [...node('db1', '10.0.1.1', 'server'), ...node('www1', '10.0.0.1', 'agent'), ...node('www2', '10.0.0.2', 'agent'), ...shared];
const replace = (files: readonly RenderedFile[], p: string, content: string) => files.map((f) => (f.path === p ? { ...f, content } : f));

describe('manual actions for the files Argo CD does not apply', () => {
  test('GIVEN a node IP change WHEN diffed THEN the manual action is to re-run that node\'s install.sh on it, and the config is shown as a unified diff', () => {
    const head = replace(hosts, 'dist/hosts/www1/config.yaml', '# /etc/rancher/k3s/config.yaml on www1 (agent)\nnode-ip: 10.0.0.11\nnode-name: www1\n');
    const diff = diffTrees(hosts, head);
    expect(diff.manualActions).toEqual([{ step: 're-run dist/hosts/www1/install.sh on www1 (copy the whole dist/hosts folder there first)', files: ['dist/hosts/www1/config.yaml'] }]);
    const text = renderTerminal(diff, { ...labels, color: false });
    expect(text).toContain('Manual actions (files Argo CD does not apply; 1 step):\n  → re-run dist/hosts/www1/install.sh on www1 (copy the whole dist/hosts folder there first)\n      for dist/hosts/www1/config.yaml\n');
    expect(text).toContain('  ~ file dist/hosts/www1/config.yaml\n      @@ -1,3 +1,3 @@\n       # /etc/rancher/k3s/config.yaml on www1 (agent)\n      -node-ip: 10.0.0.1\n      +node-ip: 10.0.0.11\n       node-name: www1\n');
    expect(text).not.toContain('no risky changes found\n\nhost files');
    const markdown = renderMarkdown(diff, labels);
    expect(markdown).toContain('#### Manual actions\n\nArgo CD does not apply these files: after merging, someone must.\n\n- [ ] re-run dist/hosts/www1/install.sh on www1 (copy the whole dist/hosts folder there first) (`dist/hosts/www1/config.yaml`)\n');
    expect(markdown).toContain('  <details><summary>diff</summary>\n\n  ```diff\n  @@ -1,3 +1,3 @@\n');
  });

  test('GIVEN shared host files WHEN they change THEN the nodes whose install.sh reads them re-run it (registries: every node; kube-vip: servers only), and haproxy.cfg goes to OPNsense', () => {
    let head = replace(hosts, 'dist/hosts/registries.yaml', 'mirrors:\n  docker.io: {}\n');
    head = replace(head, 'dist/hosts/kube-vip/kube-vip.yaml', 'kind: DaemonSet\nv: 2\n');
    head = replace(head, 'dist/hosts/haproxy/haproxy.cfg', 'backend web\n  server gw 10.0.0.201:80\n');
    head = replace(head, 'dist/hosts/README.md', '# k3s hosts (reworded)\n');
    expect(diffTrees(hosts, head).manualActions).toEqual([
      { step: 'apply dist/hosts/haproxy/haproxy.cfg on OPNsense (Services > HAProxy: its backends and frontends, then Apply), as dist/hosts/haproxy/README.md describes', files: ['dist/hosts/haproxy/haproxy.cfg'] },
      { step: 're-run dist/hosts/db1/install.sh on db1 (copy the whole dist/hosts folder there first)', files: ['dist/hosts/kube-vip/kube-vip.yaml', 'dist/hosts/registries.yaml'] },
      { step: 're-run dist/hosts/www1/install.sh on www1 (copy the whole dist/hosts folder there first)', files: ['dist/hosts/registries.yaml'] },
      { step: 're-run dist/hosts/www2/install.sh on www2 (copy the whole dist/hosts folder there first)', files: ['dist/hosts/registries.yaml'] },
    ]);
  });

  test('GIVEN a new node and a removed one WHEN diffed THEN the new one is joined per the runbook and the removed one drained and deleted, without re-running either', () => {
    const head = [...hosts.filter((f) => !f.path.startsWith('dist/hosts/www2/')), ...node('www3', '10.0.0.3', 'agent')];
    expect(diffTrees(hosts, head).manualActions.map((a) => a.step)).toEqual([
      'join www3: copy dist/hosts to www3 and run www3/install.sh there, as its step in dist/hosts/README.md says (one node at a time, in join order)',
      'take www2 out of the cluster: kubectl drain www2 --ignore-daemonsets --delete-emptydir-data, kubectl delete node www2, then uninstall k3s on www2 (k3s-uninstall.sh on a server, k3s-agent-uninstall.sh on an agent)',
    ]);
  });

  test('GIVEN an install script WHEN read THEN the files it installs are its own folder\'s and those beside it', () => {
    expect([...filesReadBy('db1', node('db1', '10.0.1.1', 'server')[1].content)].sort()).toEqual(['dist/hosts/db1/config.yaml', 'dist/hosts/kube-vip/kube-vip.yaml', 'dist/hosts/registries.yaml']);
    expect(manualActions([], hosts, hosts)).toEqual([]);
  });
});

describe('objects and values shown in full', () => {
  test('GIVEN an added app WHEN diffed THEN each of its objects is shown in full: indented YAML in the terminal, collapsed YAML in Markdown', () => {
    const base = [file('dist/workloads/wiki', configMap('keep', 'wiki'))];
    const head = [...base, file('dist/workloads/wiki', deployment('wiki', 'wiki', 2)), file('dist/workloads/wiki', service('wiki', 'wiki'))];
    const diff = diffTrees(base, head);
    const [added] = diff.groups;
    expect(added.added.map((o) => o.yaml)).toEqual([head[1].content, head[2].content].map((c) => c.replace(/^#.*\n/, '')));
    const text = renderTerminal(diff, { ...labels, color: false });
    expect(text).toContain('app wiki (dist/workloads/wiki): 2 added\n  + Deployment wiki/wiki\n      apiVersion: apps/v1\n      kind: Deployment\n      metadata:\n        name: wiki\n        namespace: wiki\n      spec:\n        replicas: 2\n');
    expect(text).toContain('  + Service wiki/wiki\n      apiVersion: v1\n      kind: Service\n');
    const markdown = renderMarkdown(diff, labels);
    expect(markdown).toContain('- added `Deployment wiki/wiki`\n\n  <details><summary>YAML</summary>\n\n  ```yaml\n  apiVersion: apps/v1\n  kind: Deployment\n');
    expect(markdown).toContain('          - containerPort: 8080\n');
  });

  test('GIVEN long values that differ past their start WHEN shown THEN the window starts just before the first difference, and multi-line text names the line', () => {
    const [a, b] = compactPair(`${'x'.repeat(100)}A${'y'.repeat(50)}`, `${'x'.repeat(100)}B${'y'.repeat(50)}`);
    expect(a.startsWith('…xxxxxxxxA')).toBe(true);
    expect(b.startsWith('…xxxxxxxxB')).toBe(true);
    expect(compactPair('a: 1\nb: 2\nc: 3\n', 'a: 1\nb: 20\nc: 3\n')).toEqual(['line 2: "b: 2" (3 lines)', 'line 2: "b: 20" (3 lines)']);
    expect(compactPair('a\nb\n', 'a\nb\nc\n')).toEqual(['line 3: none (2 lines)', 'line 3: "c" (3 lines)']);
  });

  test('GIVEN two texts WHEN diffed as text THEN the hunks are those of diff -u', () => {
    expect(unifiedDiff('1\n2\n3\n4\n5\n6\n7\n8\n9\n', '1\n2\n3\n4\nfive\n6\n7\n8\n9\n')).toBe('@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n');
    expect(unifiedDiff('', 'a\nb\n')).toBe('@@ -0,0 +1,2 @@\n+a\n+b\n');
    expect(unifiedDiff('a\n', 'a\n')).toBe('');
  });
});

describe('the failure report explained', () => {
  test('GIVEN a Deployment of the platform lowered to one replica WHEN the failure report changes THEN the diff says it is a new single point of failure and the outage each node\'s loss adds', () => {
    const report = { path: 'reports/failure-simulation.md', content: fs.readFileSync(path.join(REPO, 'reports/failure-simulation.md'), 'utf8') };
    const base = [...readPreviousRender(REPO, ['dist']), report];
    const head = base.map((f) => (f.path === 'dist/argocd/deployment-argocd-server.yaml'
      ? { ...f, content: f.content.replace(/^ {2}replicas: 2$/m, '  replicas: 1') }
      : f === report ? { ...f, content: `${f.content}changed\n` } : f));
    const impact = failureImpact(base, head);
    expect(impact[0]).toBe('new single point of failure: argocd/argocd-server (Deployment)');
    expect(impact.slice(1)).toEqual(expect.arrayContaining([expect.stringMatching(/^argocd\/argocd-server \(Deployment\) adds a \d+ s outage when www\d is lost$/)]));
    expect(failureImpact(base, base)).toEqual([]);
  });

  test('GIVEN the head render\'s documents WHEN the failure impact reads both sides with them THEN it says the same as parsing every file: a base file whose text differs from the head\'s is parsed, not given the head\'s documents', () => {
    const report = { path: 'reports/failure-simulation.md', content: fs.readFileSync(path.join(REPO, 'reports/failure-simulation.md'), 'utf8') };
    const base = [...readPreviousRender(REPO, ['dist']), report];
    const changed = 'dist/argocd/deployment-argocd-server.yaml';
    const head = base.map((f) => (f.path === changed
      ? { ...f, content: f.content.replace(/^ {2}replicas: 2$/m, '  replicas: 1') }
      : f === report ? { ...f, content: `${f.content}changed\n` } : f));
    // The head's manifests as a render serialised them: each text is the one serialised for its path.
    const documents = new RenderedDocuments();
    for (const f of head) {
      if (!f.path.endsWith('.yaml') || f.path.startsWith('dist/hosts/')) continue;
      const docs = loadManifests(f.content, f.path);
      if (docs.length === 1 && documents.serialise(f.path, docs[0]) !== f.content) throw new Error(`${f.path} is not as synth writes it`);
    }
    expect(documents.dumped).toBeGreaterThan(100);
    const parsed = failureImpact(base, head);
    expect(parsed[0]).toBe('new single point of failure: argocd/argocd-server (Deployment)');
    expect(failureImpact(base, head, documents.parse)).toEqual(parsed);
    expect(failureImpact(base, base, documents.parse)).toEqual([]);
  });
});

describe('synth says what it did', () => {
  const previous = [file('dist/web', deployment('site', 'web')), file('dist/web', service('site', 'web')), file('dist/cache', configMap('a', 'cache')), file('argocd', configMap('boot', 'argocd')), { path: 'dist/web/kustomization.yaml', content: 'resources: []\n' }, ...hosts];
  test('GIVEN a render that adds, changes and removes objects in layers WHEN summarised THEN one line per layer counts them, and host changes list the manual actions', () => {
    const next = [
      file('dist/web', edit(deployment('site', 'web'), (d) => { d.spec.replicas = 4; })),
      file('dist/web', service('site', 'web')),
      file('dist/web', configMap('new', 'web')),
      file('argocd', configMap('boot', 'argocd')),
      { path: 'dist/web/kustomization.yaml', content: 'resources: [a]\n' },
      ...replace(hosts, 'dist/hosts/haproxy/haproxy.cfg', 'backend web\n  server gw 10.0.0.9:80\n'),
    ];
    expect(synthSummary(previous, next)).toEqual([
      'objects since the previous render: 1 added, 1 changed, 1 removed (npm run diff shows each field)',
      '  layer cache (dist/cache): 1 removed',
      '  layer web (dist/web): 1 added, 1 changed',
      '  host files (dist/hosts): 1 file changed',
      'manual actions (Argo CD does not apply dist/hosts):',
      '  → apply dist/hosts/haproxy/haproxy.cfg on OPNsense (Services > HAProxy: its backends and frontends, then Apply), as dist/hosts/haproxy/README.md describes',
    ]);
  });

  test('GIVEN new files that know their digest and let go of their text (manifests synth staged) WHEN summarised THEN they are compared by digest, their texts not read', () => {
    const unread = (f: RenderedFile, text = f.content): RenderedFile => ({ path: f.path, digest: sha256(text), get content(): string { throw new Error(`${f.path}: read back`); } });
    const next = previous.map((f) => (f.path.startsWith('dist/web/deployment-') ? unread(f, f.content.replace('replicas: 3', 'replicas: 4')) : f.path.startsWith('dist/web/') || f.path.startsWith('argocd/') ? unread(f) : f));
    expect(next.filter((f) => f.digest !== undefined).length).toBeGreaterThanOrEqual(3);
    expect(next.find((f) => f.path.startsWith('dist/web/deployment-'))?.digest).not.toBe(sha256(previous.find((f) => f.path.startsWith('dist/web/deployment-'))!.content));
    expect(synthSummary(previous, next)).toEqual(['objects since the previous render: 1 changed (npm run diff shows each field)', '  layer web (dist/web): 1 changed']);
  });

  test('GIVEN the same render again, or a first render WHEN summarised THEN it says nothing changed, or counts what is new', () => {
    expect(synthSummary(previous, previous)).toEqual(['no rendered object changed since the previous render (nor any host file)']);
    expect(synthSummary([], previous)).toEqual(['first render: 4 objects in 3 groups; join the nodes as dist/hosts/README.md says']);
  });
});
