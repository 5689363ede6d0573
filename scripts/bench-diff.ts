// The diff part of `npm run bench`: two rendered trees of 1,000 synthetic apps (Deployment, Service, PVC and
// HTTPRoute each: 4,000 objects in 10 layer folders), the head with 10% of the apps changed (each of their objects), 2% removed and 2%
// added, some of the changes risky. Times reading the base from git (a temporary repository), the engine and
// both renderers, and a worst case where every object changed (every file parsed). Prints figures only.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { diffTrees } from '../lib/diff/engine';
import { readRevision } from '../lib/diff/git';
import { renderMarkdown } from '../lib/diff/markdown';
import { renderTerminal } from '../lib/diff/terminal';
import { RenderedFile, toYamlDocument } from '../lib/render/rendered-file';

const APPS = 1000;
const LAYERS = 10;
const TARGET_MS = 5000;

type Obj = Record<string, unknown>;

interface AppVariant {
  readonly version: string;
  readonly replicas: number;
  readonly storage: string;
  readonly logLevel: string;
  readonly extraLabel?: boolean;
}

/** The four objects of app `i`, as synth would write them. */
function appFiles(i: number, v: AppVariant): RenderedFile[] {
  const name = `app-${String(i).padStart(4, '0')}`;
  const dir = `dist/team-${String(i % LAYERS).padStart(2, '0')}`;
  const namespace = name;
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'tsys-apps', ...(v.extraLabel ? { 'platform.tsys/bench': 'x' } : {}) };
  const selector = { 'app.kubernetes.io/name': name };
  const meta = { name, namespace, labels };
  const objects: Obj[] = [
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta,
      spec: {
        replicas: v.replicas,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: selector },
          spec: {
            containers: [{
              name: 'app', image: `registry.turnsys.com/apps/${name}:${v.version}`,
              env: [{ name: 'LOG_LEVEL', value: v.logLevel }, { name: 'PORT', value: '8080' }, { name: 'DB_HOST', value: `${name}-db` }, { name: 'DB_USER', valueFrom: { secretKeyRef: { name: `${name}-db`, key: 'username' } } }],
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10 },
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            }],
            volumes: [{ name: 'data', persistentVolumeClaim: { claimName: `${name}-data` } }],
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: selector } }],
          },
        },
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: meta, spec: { selector, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { ...meta, name: `${name}-data` }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'longhorn', resources: { requests: { storage: v.storage } } } },
    {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: meta,
      spec: { parentRefs: [{ name: 'platform', namespace: 'envoy-gateway-system' }], hostnames: [`${name}.turnsys.com`], rules: [{ backendRefs: [{ name, port: 80 }] }] },
    },
  ];
  return objects.map((o) => ({ path: `${dir}/${String(o.kind).toLowerCase()}-${(o.metadata as Obj).name}.yaml`, content: toYamlDocument(o) }));
}

const BASE: AppVariant = { version: '1.4.2', replicas: 3, storage: '10Gi', logLevel: 'info' };

/** The base tree: apps 0..999. */
function baseTree(): RenderedFile[] {
  return Array.from({ length: APPS }, (_, i) => appFiles(i, BASE)).flat();
}

/** The head tree: 10% of the apps changed (a few risky), 2% removed, 2% added. */
function headTree(): RenderedFile[] {
  const files: RenderedFile[] = [];
  for (let i = 0; i < APPS; i++) {
    if (i % 50 === 7) continue; // removed (with their PVCs: risky)
    if (i % 10 !== 3) {
      files.push(...appFiles(i, BASE));
      continue;
    }
    files.push(...appFiles(i, {
      version: i % 70 === 3 ? 'latest' : '1.5.0',
      replicas: i % 50 === 3 ? 1 : 3,
      storage: i % 90 === 3 ? '20Gi' : '10Gi',
      logLevel: 'debug',
      extraLabel: true,
    }));
  }
  for (let i = APPS; i < APPS + APPS / 50; i++) files.push(...appFiles(i, BASE));
  return files;
}

/** Every object of the base with one more label: nothing can be skipped. */
function everythingChanged(): RenderedFile[] {
  return Array.from({ length: APPS }, (_, i) => appFiles(i, { ...BASE, extraLabel: true })).flat();
}

const now = (): bigint => process.hrtime.bigint();
const msSince = (start: bigint): number => Number(now() - start) / 1e6;
const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Commits `files` into a new temporary repository and times reading them back as the diff does. */
function gitReadMs(files: readonly RenderedFile[], runs: number): { times: number[]; count: number } {
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-diff-'));
  try {
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.name=bench', '-c', 'user.email=bench@example.com', '-c', 'commit.gpgsign=false', '-c', 'gc.auto=0', '-c', 'maintenance.auto=false', ...args], { stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
    git('init', '-q');
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(repo, f.path)), { recursive: true });
      fs.writeFileSync(path.join(repo, f.path), f.content);
    }
    git('add', '-A');
    git('commit', '-q', '-m', 'base');
    // A clone holds its objects in a pack; fresh commits leave them loose, one file each.
    git('gc', '-q');
    const sha = git('rev-parse', 'HEAD');
    const times: number[] = [];
    let count = 0;
    for (let i = 0; i < runs; i++) {
      const t = now();
      count = readRevision(repo, sha).length;
      times.push(msSince(t));
    }
    return { times, count };
  } finally {
    fs.rmSync(repo, { recursive: true, force: true });
  }
}

interface Timing { diff: number[]; markdown: number[]; terminal: number[] }

function timeDiff(base: readonly RenderedFile[], head: readonly RenderedFile[], runs: number): { timing: Timing; last: ReturnType<typeof diffTrees>; markdownChars: number } {
  const timing: Timing = { diff: [], markdown: [], terminal: [] };
  let last = diffTrees([], []);
  let markdownChars = 0;
  const labels = { base: 'bench base', head: 'bench head' };
  for (let i = 0; i < runs; i++) {
    let t = now();
    last = diffTrees(base, head);
    timing.diff.push(msSince(t));
    t = now();
    markdownChars = renderMarkdown(last, labels).length;
    timing.markdown.push(msSince(t));
    t = now();
    renderTerminal(last, { ...labels, color: false });
    timing.terminal.push(msSince(t));
  }
  return { timing, last, markdownChars };
}

/** Runs the diff benchmark and prints its figures. */
export function runDiffBench(): void {
  const runs = 5;
  const base = baseTree();
  const head = headTree();
  const worst = everythingChanged();
  const typical = timeDiff(base, head, runs);
  const all = timeDiff(base, worst, 3);
  const git = gitReadMs(base, 3);

  const s = typical.last.summary;
  console.log(`diff benchmark (load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs): ${APPS} synthetic apps x 4 objects in ${LAYERS} layers: base ${base.length} objects, head ${head.length} objects`);
  console.log(`  typical change: ${s.added} added, ${s.removed} removed, ${s.changed} changed, ${s.unchangedFiles} files unchanged, ${typical.last.risks.length} risks, Markdown ${typical.markdownChars} characters`);
  console.log(`  worst case: every object changed (${all.last.summary.changed} changed; every file parsed on both sides)`);
  const rows: [string, string, string][] = [
    ['', 'median', 'first run'],
    [`git read of the base, 4,000 files (ls-tree + cat-file --batch, packed), ms, N=${git.times.length}`, fmt(median(git.times)), fmt(git.times[0])],
    [`engine, typical change, ms, N=${runs}`, fmt(median(typical.timing.diff)), fmt(typical.timing.diff[0])],
    [`Markdown view, typical change, ms, N=${runs}`, fmt(median(typical.timing.markdown)), fmt(typical.timing.markdown[0])],
    [`terminal view, typical change, ms, N=${runs}`, fmt(median(typical.timing.terminal)), fmt(typical.timing.terminal[0])],
    [`engine, worst case (4,000 objects changed), ms, N=${all.timing.diff.length}`, fmt(median(all.timing.diff)), fmt(all.timing.diff[0])],
    [`both views, worst case, ms, N=${all.timing.diff.length}`, fmt(median(all.timing.markdown.map((m, i) => m + all.timing.terminal[i]))), fmt(all.timing.markdown[0] + all.timing.terminal[0])],
  ];
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log(`  ${r[0].padEnd(widths[0])}  ${r[1].padStart(widths[1])}  ${r[2].padStart(widths[2])}`);
  if (git.count !== base.length) console.log(`  (git read returned ${git.count} files, expected ${base.length})`);
  const typicalTotal = median(git.times) + median(typical.timing.diff) + median(typical.timing.markdown) + median(typical.timing.terminal);
  const worstTotal = median(git.times) + median(all.timing.diff) + median(all.timing.markdown) + median(all.timing.terminal);
  console.log('  not included: rendering the head and tsx start-up (both are in npm run diff as a process, below)');
  console.log(`  target: diff of a 1,000-app change (git read + engine + both views) < ${TARGET_MS} ms: ${typicalTotal < TARGET_MS ? 'yes' : 'no'} (${fmt(typicalTotal)} ms; worst case ${fmt(worstTotal)} ms: ${worstTotal < TARGET_MS ? 'yes' : 'no'})`);
}
