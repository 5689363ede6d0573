import { parse } from 'yaml';
import { parseApp } from '../../lib/config/load-apps';
import { appObjects } from '../../lib/paas/app-objects';
import { renderSite } from '../../lib/synth';
import { shippedSite } from '../helpers';

const site = shippedSite();

/** Apps covering every strategy and every option that adds an object. */
const APPS: Record<string, string> = {
  // rolling: secrets and databases (ExternalSecret), a volume, HTTP, metrics, autoscaling, a call.
  full: [
    'environment: prod', 'image: registry.turnsys.com/tsys/full:1.0.0',
    'strategy: { type: rolling }',
    'ports: [ { name: http, port: 8080 }, { name: metrics, port: 9090 } ]',
    'secrets: { SESSION_KEY: "bitwarden:full-session" }',
    'databases: [ { engine: postgresql } ]',
    'volumes: [ { name: uploads, mountPath: /srv/uploads, size: 1Gi, accessMode: ReadWriteMany } ]',
    'expose: { http: { host: full.turnsys.com } }',
    'metrics: { port: metrics }',
    'autoscaling: { min: 2, max: 4 }',
    'calls: [ { app: blue } ]',
  ].join('\n'),
  // recreate singleton: no PodDisruptionBudget; databases without secrets still render the Secret.
  single: [
    'environment: uat', 'image: registry.turnsys.com/tsys/single:1.0.0', 'replicas: 1',
    'singleton: one writer of its journal, by design', 'strategy: { type: recreate }',
    'ports: [ { name: api, port: 7000 } ]', 'health: { startupSeconds: 10 }',
    'databases: [ { engine: redis } ]',
    'volumes: [ { name: journal, mountPath: /var/lib/single, size: 1Gi } ]',
  ].join('\n'),
  // blueGreen: the preview Service and, with expose.http, the route of its preview host.
  blue: [
    'environment: prod', 'image: registry.turnsys.com/tsys/blue:1.0.0',
    'strategy: { type: blueGreen }', 'ports: [ { name: http, port: 8080 } ]',
    'expose: { http: { host: blue.turnsys.com } }',
  ].join('\n'),
  // canary: stable and canary Services; TCP exposure.
  bird: [
    'environment: sit', 'image: eclipse-mosquitto:2.0.22',
    'strategy: { type: canary, steps: [ { setWeight: 50 } ] }',
    'ports: [ { name: mqtt, port: 1883 } ]',
    'expose: { tcp: [ { port: mqtt } ] }',
  ].join('\n'),
  // worker: canary by replicas (no Services), its metrics port (PodMonitor, no Service), a binding, autoscaling, a call of one port.
  queue: [
    'kind: worker', 'environment: prod', 'image: registry.turnsys.com/tsys/queue:1.0.0',
    'strategy: { type: canary, steps: [ { setWeight: 50 } ] }',
    'ports: [ { name: metrics, port: 9100 } ]', 'metrics: { port: metrics }',
    'health: { command: [ queue, ping ] }',
    'databases: [ { engine: redis } ]',
    'autoscaling: { min: 2, max: 5 }',
    'calls: [ { app: full, port: http } ]',
  ].join('\n'),
  // worker: no ports, nothing optional.
  drain: ['kind: worker', 'environment: sit', 'image: registry.turnsys.com/tsys/drain:1.0.0'].join('\n'),
  // cronjob: secrets, a ReadWriteOnce volume, a binding, a call.
  nightly: [
    'kind: cronjob', 'environment: prod', 'image: registry.turnsys.com/tsys/nightly:1.0.0',
    'cron: { schedule: "0 3 * * *", timeZone: Europe/Paris }',
    'secrets: { API_TOKEN: "bitwarden:nightly-token" }',
    'databases: [ { engine: postgresql } ]',
    'volumes: [ { name: work, mountPath: /work, size: 1Gi } ]',
    'calls: [ { app: blue } ]',
  ].join('\n'),
  // Nothing optional.
  bare: ['environment: sit', 'image: registry.turnsys.com/tsys/bare:1.0.0', 'ports: [ { name: http, port: 8080 } ]'].join('\n'),
};

describe('appObjects: the objects an app renders, for the rules across apps', () => {
  const specs = Object.keys(APPS).sort().map((n) => parseApp(APPS[n], `apps/${n}.yaml`, site));
  const files = renderSite(site, undefined, specs);

  test.each(Object.keys(APPS).sort())('GIVEN the app %s WHEN rendered THEN dist/workloads/<app>/ holds exactly the objects appObjects lists', (name) => {
    const spec = specs.find((s) => s.name === name)!;
    const rendered = files.filter((f) => f.path.startsWith(`dist/workloads/${name}/`)).map((f) => parse(f.content))
      .map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`).sort();
    expect(rendered.length).toBeGreaterThan(0);
    expect(appObjects(spec).map((o) => `${o.kind} ${o.namespace}/${o.name}`).sort()).toEqual(rendered);
  });

  test('GIVEN the strategies WHEN listed THEN each extra Service comes from strategy.type, the main objects from the app name alone', () => {
    const of = (n: string) => appObjects(specs.find((s) => s.name === n)!);
    expect(of('blue').filter((o) => o.field.length === 0).map((o) => `${o.kind} ${o.name}`)).toEqual(['Rollout blue', 'Service blue', 'PodDisruptionBudget blue']);
    expect(of('blue').find((o) => o.name === 'blue-preview')).toMatchObject({ kind: 'Service', field: ['strategy', 'type'] });
    expect(of('bird').filter((o) => o.field[0] === 'strategy').map((o) => o.name)).toEqual(['bird-stable', 'bird-canary']);
    expect(of('blue').filter((o) => o.kind === 'HTTPRoute').map((o) => [o.name, o.field])).toEqual([['blue', ['expose', 'http']], ['blue-preview', ['strategy', 'type']]]);
    expect(of('bird').filter((o) => o.kind === 'HTTPRoute')).toEqual([]);
  });

  test('GIVEN a worker and a cronjob WHEN listed THEN neither has a Service or a route, and the cronjob no budget', () => {
    const of = (n: string) => appObjects(specs.find((s) => s.name === n)!).map((o) => `${o.kind} ${o.name}`);
    expect(of('queue')).toEqual(['ExternalSecret queue-env', 'Rollout queue', 'PodDisruptionBudget queue', 'HorizontalPodAutoscaler queue', 'NetworkPolicy queue-from-prometheus', 'NetworkPolicy queue-to-dbaas', 'NetworkPolicy queue-to-full', 'NetworkPolicy full-from-queue', 'PodMonitor queue']);
    expect(of('drain')).toEqual(['Deployment drain', 'PodDisruptionBudget drain']);
    expect(of('nightly')).toEqual(['ExternalSecret nightly-env', 'PersistentVolumeClaim nightly-work', 'CronJob nightly', 'NetworkPolicy nightly-to-dbaas', 'NetworkPolicy nightly-to-blue', 'NetworkPolicy blue-from-nightly']);
  });

  test('GIVEN apps that call others WHEN listed THEN each call gives two policies in the caller\'s namespace, both from its calls entry', () => {
    const of = (n: string) => appObjects(specs.find((s) => s.name === n)!).filter((o) => o.field[0] === 'calls').map((o) => [o.kind, o.namespace, o.name, o.field]);
    expect(of('full')).toEqual([['NetworkPolicy', 'prod', 'full-to-blue', ['calls', 0]], ['NetworkPolicy', 'prod', 'blue-from-full', ['calls', 0]]]);
    expect(of('blue')).toEqual([]);
  });
});
