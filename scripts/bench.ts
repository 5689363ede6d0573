// `npm run bench`: how long synth takes, phase by phase, for the shipped site.yaml and a generated large
// site (3 servers, 200 agents, 100 MetalLB pools): load+validate (parseSite), render (renderSite), write
// and verify (writeAtomically into a temp root, verifyTree with one shared SchemaRegistry), and a
// `kubectl kustomize` baseline over the same rendered dist/. Then the semantic diff (scripts/bench-diff.ts) on
// 1,000 synthetic apps, and `npm run diff` as a process; verify with the HA rules and the N-1 simulation over
// 1,000 generated apps (scripts/bench-ha.ts). It prints figures only; it asserts no timing, but exits 1
// when the large site is rejected or the rendered output has verify findings.
// Then the PaaS (scripts/bench-apps.ts): the shipped site, 1,000 and 5,000 generated apps: full synth and a
// one-app change phase by phase, the diff, peak memory and the floor; and `npm run diff` of a 1,000-app change. `npm run bench -- --diff` runs the diff part alone, `-- --apps` the PaaS part,
// `-- --ha` the HA part, `-- --charts` the charts (cold and warm synth; sizes of dist/, render-cache/, vendor/).
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import type { Invocation } from '../lib/command-line/invocation';
import { parseSite } from '../lib/config/load';
import type { SiteInput } from '../lib/config/schema';
import { countObjects, renderSite } from '../lib/synth';
import { writeAtomically } from '../lib/render/write';
import { SchemaRegistry } from '../lib/verify/schemas';
import { formatFinding, verifyTree } from '../lib/verify/verify';
import { progressLine } from '../lib/cli';
import { benchDir, NODE_TS, runAppsBench } from './bench-apps';
import { runDiffBench } from './bench-diff';
import { runHaBench } from './bench-ha';

const ROOT = path.resolve(__dirname, '..');
const TARGET_MS = 3000;

const now = (): bigint => process.hrtime.bigint();
const msSince = (start: bigint): number => Number(now() - start) / 1e6;
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The shipped site with its nodes and pools replaced: 3 servers + 200 agents, 100 pools of 8 addresses. */
export function largeSiteYaml(shipped: string): string {
  const site = parse(shipped) as SiteInput;
  const nodes: SiteInput['nodes'] = [
    ...[1, 2, 3].map((i) => ({ name: `server-${i}`, ip: `10.200.0.${i}`, role: 'server' as const, storage: true })),
    ...Array.from({ length: 200 }, (_, i) => ({ name: `agent-${String(i).padStart(3, '0')}`, ip: `10.200.1.${i + 1}`, role: 'agent' as const, storage: i % 2 === 0 })),
  ];
  // 10.200.200.0/29, 10.200.200.8/29, ... 10.200.203.24/29: inside 10.200.0.0/16, clear of nodes, VIP and HAProxy.
  const pools = Array.from({ length: 100 }, (_, i) => ({
    name: `pool-${String(i).padStart(3, '0')}`,
    addresses: [`10.200.${200 + Math.floor((i * 8) / 256)}.${(i * 8) % 256}/29`],
    autoAssign: i !== 0,
  }));
  site.nodes = nodes;
  // App load balancers take their addresses from an auto-assigning pool.
  site.paas = { ...site.paas, pool: 'pool-001' };
  // The gateway takes the first address of pool-000, the one pool that does not auto-assign.
  site.network = { ...site.network, nodeCidr: '10.200.0.0/16', apiVip: '10.200.0.10', haproxy: { address: '10.200.0.254' }, metallb: { pools }, gateway: { address: '10.200.200.1' } };
  return stringify(site);
}

const kubectlFound = ((): boolean => {
  const r = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
  return !r.error && r.status === 0;
})();

interface Runs {
  load: number[]; render: number[]; write: number[]; verify: number[]; total: number[]; kustomize: number[];
  objects: number; nodes: number; pools: number;
}

function bench(label: string, text: string, n: number, registry: SchemaRegistry, kustomize = kubectlFound): Runs {
  const runs: Runs = { load: [], render: [], write: [], verify: [], total: [], kustomize: [], objects: 0, nodes: 0, pools: 0 };
  for (let i = 0; i < n; i++) {
    let t = now();
    let site;
    try {
      site = parseSite(text, `${label}.yaml`);
    } catch (e) {
      console.error(`${label} site is invalid:\n${(e as Error).message}`);
      process.exit(1);
    }
    const load = msSince(t);
    t = now();
    const files = renderSite(site);
    const render = msSince(t);
    runs.objects = countObjects(files);
    runs.nodes = site.nodes.length;
    runs.pools = site.network.metallb.pools.length;

    const tmp = fs.mkdtempSync(path.join(benchDir(), 'site-'));
    try {
      let verify = 0;
      let findings: ReturnType<typeof verifyTree> = [];
      t = now();
      writeAtomically(tmp, files, (tree) => {
        const v = now();
        findings = verifyTree(tree.dir, registry, undefined, { source: tree });
        verify = msSince(v);
      });
      const write = msSince(t) - verify;
      if (findings.length) {
        console.error(`${label}: verify found ${findings.length} problem(s) in the rendered output:\n  ${findings.map(formatFinding).join('\n  ')}`);
        process.exit(1);
      }
      runs.load.push(load); runs.render.push(render); runs.write.push(write); runs.verify.push(verify);
      runs.total.push(load + render + write + verify);

      if (kustomize) {
        const manifests = files.filter((f) => f.path.startsWith('dist/') && !f.path.startsWith('dist/hosts/') && !f.path.endsWith('kustomization.yaml')).map((f) => f.path);
        fs.writeFileSync(path.join(tmp, 'kustomization.yaml'), stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: manifests }));
        t = now();
        try {
          execFileSync('kubectl', ['kustomize', tmp], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 28 });
        } catch (e) {
          console.error(`${label}: kubectl kustomize failed: ${(e as { stderr?: Buffer }).stderr?.toString() ?? (e as Error).message}`);
          process.exit(1);
        }
        runs.kustomize.push(msSince(t));
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  return runs;
}

const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

/**
 * Wall time of the real CLI (`tsx main.ts --root <temp>`) on the shipped site, `n` runs. Warm: the
 * committed chart renders (render-cache/) are reused. Cold (`fresh`): every chart and manifest set
 * is rendered again with helm and kubectl, as CI does (TSYS_FRESH_RENDER=1).
 */
function processRuns(n = 3, fresh = false): number[] {
  const tmp = fs.mkdtempSync(path.join(benchDir(), 'cli-'));
  fs.copyFileSync(path.join(ROOT, 'site.yaml'), path.join(tmp, 'site.yaml'));
  const times: number[] = [];
  const env = { ...process.env, ...(fresh ? { TSYS_FRESH_RENDER: '1' } : {}) };
  try {
    for (let i = 0; i < n; i++) {
      const t = now();
      const r = spawnSync(NODE_TS[0], [...NODE_TS.slice(1), path.join(ROOT, 'main.ts'), '--root', tmp], { encoding: 'utf8', env });
      times.push(msSince(t));
      if (r.status !== 0) {
        console.error(`npm run synth failed:\n${r.stderr}`);
        process.exit(1);
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return times;
}

/** Wall time of `npm run diff` (`tsx scripts/diff.ts --base HEAD`) on this checkout, three runs. */
function diffProcessRuns(): number[] {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = now();
    const r = spawnSync(NODE_TS[0], [...NODE_TS.slice(1), path.join(ROOT, 'scripts', 'diff.ts'), '--base', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
    times.push(msSince(t));
    if (r.status !== 0) {
      console.error(`npm run diff failed:\n${r.stderr}`);
      process.exit(1);
    }
  }
  return times;
}

/** Bytes and files of a folder. */
function sizeOf(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (d: string) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) { files++; bytes += fs.statSync(p).size; }
    }
  };
  walk(dir);
  return { files, bytes };
}

/** The charts: cold synth (every chart rendered by helm) against warm (the committed renders reused), and what they weigh. */
function chartsPart(warmMs: number): void {
  const cold = processRuns(1, true)[0];
  const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
  const dist = sizeOf(path.join(ROOT, 'dist'));
  const cache = sizeOf(path.join(ROOT, 'render-cache'));
  const vendor = sizeOf(path.join(ROOT, 'vendor'));
  console.log(`npm run synth cold (TSYS_FRESH_RENDER=1: every chart and manifest set rendered again with helm and kubectl, as CI does), one run: ${fmt(cold)} ms`);
  console.log(`npm run synth warm (the committed render-cache/ reused): ${fmt(warmMs)} ms (target < 3000 ms: ${warmMs < 3000 ? 'yes' : 'no'})`);
  console.log(`dist/: ${dist.files} files, ${mb(dist.bytes)}; render-cache/: ${cache.files} files, ${mb(cache.bytes)}; vendor/: ${vendor.files} files, ${mb(vendor.bytes)}`);
}

function diffPart(): void {
  runDiffBench();
  console.log(`npm run diff as a process (tsx start-up, git read, render of the working tree, diff), this checkout against HEAD, median of 3: ${fmt(median(diffProcessRuns()))} ms`);
}

function quickPart(): void {
  const shippedText = fs.readFileSync(path.join(ROOT, 'site.yaml'), 'utf8');
  const registry = new SchemaRegistry();
  console.log(`node ${process.version} on ${os.platform()}/${os.arch()}, ${os.cpus().length} CPUs; one run each, no kustomize baseline`);
  for (const [name, text] of [['shipped', shippedText], ['large', largeSiteYaml(shippedText)]] as const) {
    const r = bench(name, text, 1, registry, false);
    console.log(`${name}: ${r.nodes} nodes, ${r.pools} pools, ${r.objects} objects; load ${fmt(r.load[0])} ms, render ${fmt(r.render[0])} ms, write ${fmt(r.write[0])} ms, verify ${fmt(r.verify[0])} ms, total ${fmt(r.total[0])} ms`);
  }
}

/** `tsys bench [--quick | --diff | --apps | --charts | --ha]`: prints the figures; exit 0 (a rejected site exits 1 on its own). */
export function runBench({ options }: Invocation<'bench'>): number {
  // One part at most: the program refuses two (the options conflict).
  const part = (['quick', 'diff', 'apps', 'charts', 'ha'] as const).find((p) => options[p]);
  main(part ? `--${part}` : undefined);
  return 0;
}

/** Runs the part `opt` (`--quick`...), or every part. */
function main(opt: string | undefined): void {
  // Figures go to stdout as they come; on a terminal, stderr says which part is running.
  const progress = progressLine('bench', process.stderr, process.env);
  progress?.(opt ? `the ${opt.slice(2)} part` : 'every part (several minutes): the shipped and the large site first');
  if (opt === '--quick') {
    quickPart();
    progress?.('the PaaS part: the shipped site and 1,000 apps');
    runAppsBench(true);
    return;
  }
  if (opt === '--diff') {
    diffPart();
    return;
  }
  if (opt === '--apps') {
    runAppsBench();
    return;
  }
  if (opt === '--charts') {
    chartsPart(median(processRuns()));
    return;
  }
  if (opt === '--ha') {
    runHaBench();
    return;
  }
  const shippedText = fs.readFileSync(path.join(ROOT, 'site.yaml'), 'utf8');
  const largeText = largeSiteYaml(shippedText);

  let t = now();
  const registry = new SchemaRegistry();
  const schemaMs = msSince(t);

  const inputs = [
    { name: 'shipped', n: 5, runs: bench('shipped', shippedText, 5, registry) },
    { name: 'large', n: 3, runs: bench('large', largeText, 3, registry) },
  ];

  type Row = [string, ...string[]];
  const header: Row = ['', ...inputs.flatMap((x) => [`${x.name} median (N=${x.n})`, `${x.name} cold`])];
  const both = (f: (r: Runs, pick: (xs: number[]) => number) => string): string[] =>
    inputs.flatMap((x) => [f(x.runs, median), f(x.runs, (xs) => xs[0])]);
  const rows: Row[] = [
    ['nodes / pools', ...inputs.flatMap((x) => [`${x.runs.nodes} / ${x.runs.pools}`, ''])],
    ['objects', ...inputs.flatMap((x) => [String(x.runs.objects), ''])],
    ['load+validate ms', ...both((r, p) => fmt(p(r.load)))],
    ['render ms', ...both((r, p) => fmt(p(r.render)))],
    ['write ms', ...both((r, p) => fmt(p(r.write)))],
    ['verify ms', ...both((r, p) => fmt(p(r.verify)))],
    ['synth+verify ms (load+render+write+verify)', ...both((r, p) => fmt(p(r.total)))],
    ['objects/s (render+verify)', ...both((r, p) => fmt(r.objects / ((p(r.render) + p(r.verify)) / 1000)))],
  ];
  if (kubectlFound) {
    rows.push(['kubectl kustomize ms', ...both((r, p) => fmt(p(r.kustomize)))]);
    rows.push(['ratio synth+verify / kustomize', ...both((r, p) => `${(p(r.total) / p(r.kustomize)).toFixed(2)}x`)]);
  }

  const widths = header.map((_, c) => Math.max(...[header, ...rows].map((r) => r[c].length)));
  const line = (r: Row) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');

  console.log(`node ${process.version} on ${os.platform()}/${os.arch()}, ${os.cpus().length} CPUs`);
  console.log(`schema load ms (one SchemaRegistry, shared): ${fmt(schemaMs)}`);
  console.log('');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  console.log('');
  if (!kubectlFound) console.log('kubectl not found: kustomize baseline skipped');
  const processMedian = median(processRuns());
  console.log(`npm run synth as a process (tsx start-up, cold schema compile, render, verify, swap), shipped site, median of 3: ${fmt(processMedian)} ms`);
  chartsPart(processMedian);
  console.log('cold = first run of that input; the shipped cold run also compiles each kind\'s schema, which the shared registry then reuses');
  console.log('write = writeAtomically into a fresh temp root (atomic swap included), excluding verify; synth+verify is the whole npm run synth minus process start-up');
  console.log(`target: synth+verify of the shipped site, as a whole process, < ${TARGET_MS} ms: ${processMedian < TARGET_MS ? 'yes' : 'no'} (median ${fmt(processMedian)} ms)`);
  console.log('');
  progress?.('the HA part');
  runHaBench();
  console.log('');
  progress?.('the diff part');
  diffPart();
  progress?.('the PaaS part');
  runAppsBench();
}

if (require.main === module) void (require('./tsys') as typeof import('./tsys')).main(['bench', ...process.argv.slice(2)]);
