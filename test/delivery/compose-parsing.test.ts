import { portsOf } from '../../lib/delivery/compose';
import { loadComposeProject } from '../../lib/delivery/compose-import/load';
import { importCompose, ServiceOutcome } from '../../lib/delivery/import-compose';
import { shippedSite } from '../helpers';

/*
 * Real compose files a sweep found refused or mistranslated (session 26): getsentry/self-hosted's
 * anchors, immich's `${PORT-:2283}:2283`.
 */

describe('compose files that lean on anchors', () => {
  test('GIVEN one x- anchor used by 150 services (getsentry/self-hosted uses one 142 times) WHEN loaded THEN every service has its values (it was refused as "not valid YAML: Excessive alias count")', () => {
    const services = Array.from({ length: 150 }, (_, i) => `  s${i}:\n    <<: *common\n    image: nginx:1.27`).join('\n');
    const project = loadComposeProject([{ name: 'docker-compose.yml', text: `x-common: &common\n  restart: unless-stopped\n  environment: { A: "1" }\nservices:\n${services}\n` }], new Map());
    expect(project.services).toHaveLength(150);
    expect(project.services[149].spec).toMatchObject({ restart: 'unless-stopped', environment: { A: '1' }, image: 'nginx:1.27' });
  });

  test('GIVEN a "billion laughs" bomb WHEN loaded THEN it is still refused, quickly', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const started = Date.now();
    expect(() => loadComposeProject([{ name: 'bomb.yml', text: `${levels.join('\n')}\nservices:\n  web:\n    image: nginx:1.27\n    command: *i\n` }], new Map())).toThrow(/bomb\.yml is not valid YAML: Excessive alias count/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('ports in short form', () => {
  test('GIVEN ":2283:2283" (an empty host address: what "${PORT-:2283}:2283" gives without the variable) WHEN read THEN it is port 2283 published as 2283 (it was dropped as "a range")', () => {
    expect(portsOf({ ports: [':2283:2283'] })).toEqual({ ports: [{ container: 2283, protocol: 'TCP', published: 2283, hostIp: undefined }], problems: [] });
  });

  test('GIVEN a range and a value that is no port mapping WHEN read THEN each problem says which it is', () => {
    expect(portsOf({ ports: ['8000-8010:8000-8010', 'eighty'] }).problems).toEqual([
      'port "8000-8010:8000-8010": only single ports are translated, not ranges',
      'port "eighty": not a port mapping compose reads ([host-ip:][published:]container[/tcp|udp])',
    ]);
  });
});

describe('variables compose requires (${X:?message})', () => {
  const site = shippedSite();

  test('GIVEN an environment value that needs a required variable no env file sets WHEN imported THEN the service is a draft with an open question at env (the placeholder was written as the value, and synth rendered it)', () => {
    const [outcome] = importCompose('services:\n  app:\n    image: registry.example.com/app/app:1.0.0\n    environment:\n      PUBLIC_URL: ${PUBLIC_URL:?PUBLIC_URL must be set}\n      LOG: info\n', { site, source: 'docker-compose.yml', outDir: 'apps' });
    expect(outcome.kind).toBe('draft');
    const draft = outcome as Extract<ServiceOutcome, { kind: 'draft' }>;
    expect(draft.reasons).toEqual([expect.stringMatching(/^env: env PUBLIC_URL needs \$\{PUBLIC_URL\}, which compose requires \(the file says: PUBLIC_URL must be set\)/)]);
    expect(draft.text).not.toMatch(/^\s+PUBLIC_URL: /m);
    expect(draft.text).toMatch(/^\s+LOG: info$/m);
  });

  test('GIVEN an optional variable with no value (${X}) WHEN imported THEN it stays a note on a finished spec, as before', () => {
    const [outcome] = importCompose('services:\n  app:\n    image: registry.example.com/app/app:1.0.0\n    environment:\n      PUBLIC_URL: ${PUBLIC_URL}\n', { site, source: 'docker-compose.yml', outDir: 'apps' });
    expect(outcome.kind).toBe('app');
  });
});
