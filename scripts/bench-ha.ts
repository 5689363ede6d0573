// The HA part of `npm run bench`: `npm run verify` (schemas, reference rules, HA rules and the N-1
// node-failure simulation for every node) over the shipped site's rendered tree plus 1,000 generated
// apps in one app namespace (a Deployment and its PodDisruptionBudget each, built to pass every rule:
// 2,000 more objects and 1,000 more workloads to place on the 7 nodes). Prints figures only.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { APP_NAMESPACE_LABEL } from '../lib/ha/annotations';
import { loadSite } from '../lib/config/load';
import { toYamlDocument } from '../lib/render/rendered-file';
import { renderSite } from '../lib/synth';
import { SchemaRegistry } from '../lib/verify/schemas';
import { formatFinding, verifyTree } from '../lib/verify/verify';

const ROOT = path.resolve(__dirname, '..');
const APPS = 1000;
const TARGET_MS = 3000;
const NAMESPACE = 'bench-apps';
const LAYER = 'bench-apps';

type Obj = Record<string, unknown>;

/** App `i`: a Deployment that passes every HA rule, and its PodDisruptionBudget. */
function app(i: number): Obj[] {
  const name = `app-${String(i).padStart(4, '0')}`;
  const labels = { 'app.kubernetes.io/name': name };
  return [
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: NAMESPACE, labels },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: labels } }],
            containers: [{
              name: 'web',
              image: `registry.turnsys.com/apps/${name}:1.0.${i}`,
              readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
              livenessProbe: { httpGet: { path: '/live', port: 8080 } },
              // Apps run on the 3 agents (4 CPU, 8Gi each, the defaults): 2,000 pods of 2m and 8Mi fit there
              // beside the platform, and still fit on 2 agents when one is lost.
              resources: { requests: { cpu: '2m', memory: '8Mi' }, limits: { memory: '64Mi' } },
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
            }],
          },
        },
      },
    },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: NAMESPACE }, spec: { minAvailable: 1, selector: { matchLabels: labels } } },
  ];
}

/** The shipped render plus the app layer: its Application, app namespace, default-deny policy and apps. */
function writeBenchTree(dir: string): number {
  const files = renderSite(loadSite(path.join(ROOT, 'site.yaml')));
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
    fs.writeFileSync(path.join(dir, f.path), f.content);
  }
  const template = parse(fs.readFileSync(path.join(dir, 'dist/apps/application-metallb.yaml'), 'utf8')) as { metadata: Obj; spec: { source: Obj; destination: Obj } };
  const application = { ...template, metadata: { ...template.metadata, name: LAYER, annotations: { 'argocd.argoproj.io/sync-wave': '0' } }, spec: { ...template.spec, source: { ...template.spec.source, path: `dist/${LAYER}` }, destination: { ...template.spec.destination, namespace: NAMESPACE } } };
  fs.writeFileSync(path.join(dir, 'dist/apps', `application-${LAYER}.yaml`), toYamlDocument(application));
  const layerDir = path.join(dir, 'dist', LAYER);
  fs.mkdirSync(layerDir, { recursive: true });
  const objects: Obj[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE, labels: { [APP_NAMESPACE_LABEL]: 'true' } } },
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: NAMESPACE }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } },
    ...Array.from({ length: APPS }, (_, i) => app(i)).flat(),
  ];
  for (const o of objects) {
    const meta = o.metadata as { name: string };
    fs.writeFileSync(path.join(layerDir, `${String(o.kind).toLowerCase()}-${meta.name}.yaml`), toYamlDocument(o));
  }
  return objects.length;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export function runHaBench(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ha-'));
  try {
    const added = writeBenchTree(dir);
    const registry = new SchemaRegistry();
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = process.hrtime.bigint();
      const findings = verifyTree(dir, registry);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (findings.length) {
        console.error(`HA bench: verify found ${findings.length} problem(s) in the generated tree:\n  ${findings.slice(0, 20).map(formatFinding).join('\n  ')}`);
        process.exit(1);
      }
    }
    const ms = median(times);
    console.log(`npm run verify with ${APPS.toLocaleString('en')} apps (${added.toLocaleString('en')} more objects: a Deployment and a PodDisruptionBudget each, in app namespace ${NAMESPACE}), every rule and the N-1 simulation on 7 nodes:`);
    console.log(`  cold ${times[0].toFixed(0)} ms (compiles each kind's schema), median of 3 ${ms.toFixed(0)} ms; target < ${TARGET_MS} ms: ${ms < TARGET_MS ? 'yes' : 'no'}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  if (process.argv[2] === '--write') writeBenchTree(process.argv[3]);
  else runHaBench();
}
