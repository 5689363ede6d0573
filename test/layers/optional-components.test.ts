import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { parse, parseAllDocuments, parseDocument } from 'yaml';
import { ConfigError, formatIssue } from '../../lib/config/errors';
import { parseApp } from '../../lib/config/load-apps';
import { parseSite } from '../../lib/config/load';
import type { OptionalComponent, Site } from '../../lib/config/schema';
import { PublishedApi } from '../../lib/constructs/published-api';
import { PlatformContext, setPlatformContext } from '../../lib/context';
import { Layer } from '../../lib/layer';
import { enabledLayers, LAYERS, OPTIONAL_LAYERS } from '../../lib/layers';
import type { RenderedFile } from '../../lib/render/rendered-file';
import { writeAtomically } from '../../lib/render/write';
import { loadInputs, renderSite } from '../../lib/synth';
import { resolveVersions } from '../../lib/versions';
import { verifyTree } from '../../lib/verify/verify';
import { layerNames, REPO, siteWith } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SITE_TEXT = fs.readFileSync(path.join(REPO, 'site.yaml'), 'utf8');
const { apps, lock } = loadInputs(REPO);

/** What names each component in a render: its name, and the host it is published at. */
const TRACES: Readonly<Record<OptionalComponent, readonly string[]>> = {
  keycloak: ['keycloak', 'iam.turnsys.com'],
  harbor: ['harbor', 'registry.turnsys.com'],
  jenkins: ['jenkins'],
};

/**
 * Generated files that name a component without rendering or configuring it: the recovery
 * model's image-pull budget assumes Harbor's proxy cache, and the HA report's method section says
 * so and that Jenkins' build agents are not modelled.
 */
const MODEL_TEXT = ['docs/demo-whiteboard.md', 'reports/failure-simulation.md'];

/** The shipped site (with the shipped apps and lock) rendered with `off` switched off. */
function renderWithout(off: readonly OptionalComponent[]): { site: Site; files: RenderedFile[] } {
  const site = siteWith((s) => { for (const c of off) s[c].enabled = false; });
  return { site, files: renderSite(site, undefined, apps, lock) };
}

/** Every object of the manifests (dist/ and argocd/, not host files). */
function objects(files: readonly RenderedFile[]): Obj[] {
  return files
    .filter((f) => (f.path.startsWith('dist/') || f.path.startsWith('argocd/')) && !f.path.startsWith('dist/hosts/') && f.path.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS() as Obj))
    .filter((o) => o && typeof o === 'object' && o.kind);
}

/** Writes `files` to a fresh root as synth does and returns what verify finds there. */
function verifyRender(files: readonly RenderedFile[]): string[] {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'platform-optional-'));
  let findings: string[] = [];
  try {
    writeAtomically(root, files, (tree) => {
      findings = verifyTree(tree.dir, undefined, undefined, { source: tree }).map((f) => JSON.stringify(f));
    });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  return findings;
}

/** The realm import of the keycloak layer. */
function realm(files: readonly RenderedFile[]): Obj {
  return parse(files.find((f) => f.path === 'dist/keycloak/keycloakrealmimport-platform.yaml')!.content);
}

const CASES: readonly { readonly title: string; readonly off: readonly OptionalComponent[] }[] = [
  { title: 'Keycloak', off: ['keycloak'] },
  // Jenkins cannot run without Harbor (refused below): switching Harbor off takes Jenkins with it.
  { title: 'Harbor (and Jenkins, which pushes to it)', off: ['harbor', 'jenkins'] },
  { title: 'Jenkins', off: ['jenkins'] },
  { title: 'Keycloak, Harbor and Jenkins', off: ['keycloak', 'harbor', 'jenkins'] },
];

describe('site.yaml: the enabled switch of Keycloak, Harbor and Jenkins', () => {
  test('GIVEN a site that omits the keycloak, harbor and jenkins sections WHEN parsed THEN all three are on', () => {
    const doc = parseDocument(SITE_TEXT);
    for (const c of ['keycloak', 'harbor', 'jenkins']) doc.delete(c);
    const site = parseSite(String(doc), 'site.yaml');
    expect([site.keycloak.enabled, site.harbor.enabled, site.jenkins.enabled]).toEqual([true, true, true]);
    expect(enabledLayers(site)).toEqual(LAYERS);
  });

  test('GIVEN `harbor: { enabled: false }` and `jenkins: { enabled: false }` alone WHEN parsed THEN both are off and every other field keeps its default', () => {
    const doc = parseDocument(SITE_TEXT);
    doc.set('harbor', { enabled: false });
    doc.set('jenkins', { enabled: false });
    const site = parseSite(String(doc), 'site.yaml');
    expect(site.harbor).toMatchObject({ enabled: false, robotAccount: 'bitwarden:harbor-robot-ci-push', storageSize: '100Gi' });
    expect(site.jenkins).toMatchObject({ enabled: false, adminCredentials: 'bitwarden:jenkins-admin' });
    expect(enabledLayers(site)).toEqual(LAYERS.filter((l) => l !== OPTIONAL_LAYERS.harbor && l !== OPTIONAL_LAYERS.jenkins));
  });

  test('GIVEN Harbor off and Jenkins left on WHEN parsed THEN it is refused at harbor.enabled, saying to switch Jenkins off too', () => {
    const doc = parseDocument(SITE_TEXT);
    doc.setIn(['harbor', 'enabled'], false);
    let error: unknown;
    try { parseSite(String(doc), 'site.yaml'); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map(formatIssue)).toEqual([
      expect.stringMatching(/^site\.yaml:\d+:\d+: harbor\.enabled: Harbor is off but Jenkins is on .* set jenkins\.enabled: false too, or keep Harbor on$/),
    ]);
  });

  test('GIVEN Harbor off WHEN an app names an image on registry.<domain> THEN it is refused at its image line; an image elsewhere is accepted', () => {
    const site = siteWith((s) => { s.harbor.enabled = false; s.jenkins.enabled = false; });
    const app = (image: string) => `environment: prod\nimage: ${image}\nports: [ { name: http, port: 8080 } ]\nreplicas: 2\n`;
    let error: unknown;
    try { parseApp(app('registry.turnsys.com/apps/wiki:1.4.2'), 'apps/wiki.yaml', site); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map(formatIssue)).toEqual([
      'apps/wiki.yaml:2:8: image: is on Harbor (registry.turnsys.com), which site.yaml switches off (harbor.enabled: false): no node could pull it; set harbor.enabled: true, or name an image on another registry',
    ]);
    expect(parseApp(app('ghcr.io/acme/wiki:1.4.2'), 'apps/wiki.yaml', site).image).toBe('ghcr.io/acme/wiki:1.4.2');
    expect(parseApp(app('registry.turnsys.com/apps/wiki:1.4.2'), 'apps/wiki.yaml', siteWith(() => undefined)).image).toBe('registry.turnsys.com/apps/wiki:1.4.2');
  });

  test.each(['oidc', 'jwt'] as const)('GIVEN Keycloak off WHEN an API is published with auth %s THEN it is refused, saying what to do; auth none is published', (auth) => {
    const app = new App();
    const ctx: PlatformContext = { site: siteWith((s) => { s.keycloak.enabled = false; }), versions: resolveVersions({}), apps: [] };
    setPlatformContext(app, ctx);
    const layer = new Layer(app, { name: 'demo', description: 'd', namespace: 'billing', dependsOn: ['gateway', 'secrets'] });
    const props = { name: 'billing', namespace: 'billing', serviceName: 'billing-api', servicePort: 8080, description: 'Billing API' };
    expect(() => new PublishedApi(layer, 'api', { ...props, auth })).toThrow(
      `demo/api: auth "${auth}" validates logins against Keycloak, which site.yaml switches off (keycloak.enabled: false); set keycloak.enabled: true, or publish the API with auth "none"`,
    );
    expect(new PublishedApi(layer, 'open', { ...props, name: 'open', auth: 'none' }).securityPolicy).toBeUndefined();
  });
});

describe.each(CASES)('the shipped site with $title switched off', ({ off }) => {
  let site: Site;
  let files: RenderedFile[];
  let objs: Obj[];
  beforeAll(() => {
    ({ site, files } = renderWithout(off));
    objs = objects(files);
  }, 120000);
  const on = (['keycloak', 'harbor', 'jenkins'] as const).filter((c) => !off.includes(c));

  test('WHEN rendered THEN no layer folder, Application or namespace of a switched-off component remains, and the others are all there', () => {
    const layerDirs = new Set(files.filter((f) => f.path.startsWith('dist/')).map((f) => f.path.split('/')[1]));
    const applications = objs.filter((o) => o.kind === 'Application').map((o) => o.metadata.name);
    const namespaces = objs.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
    for (const c of off) {
      expect(layerDirs.has(c)).toBe(false);
      expect(applications).not.toContain(c);
      expect(namespaces).not.toContain(c);
      expect(objs.filter((o) => o.metadata?.namespace === c).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
    }
    for (const c of on) {
      expect(layerDirs.has(c)).toBe(true);
      expect(applications).toContain(c);
    }
    // Every layer of the layer index the site leaves on, and the apps' workloads.
    for (const dir of [...layerNames(site), 'workloads']) expect(layerDirs.has(dir)).toBe(true);
  });

  test('WHEN rendered THEN nothing in dist/, argocd/, docs/ or render-cache/ refers to a switched-off component', () => {
    for (const c of off) {
      const mentions = files
        .filter((f) => !MODEL_TEXT.includes(f.path))
        .filter((f) => TRACES[c].some((t) => f.content.toLowerCase().includes(t)))
        .map((f) => f.path);
      expect([c, mentions]).toEqual([c, []]);
    }
    // The specific cross-references: monitors, realm clients, registry mirrors, docs.
    const monitors = objs.filter((o) => o.kind === 'ServiceMonitor' || o.kind === 'PodMonitor');
    expect(monitors.map((o) => o.metadata.name).filter((n) => (off as string[]).includes(n))).toEqual([]);
    expect(monitors.flatMap((o) => o.spec.namespaceSelector?.matchNames ?? []).filter((n: string) => (off as string[]).includes(n))).toEqual([]);
    if (site.keycloak.enabled) {
      const clients = realm(files).spec.realm.clients.map((c: Obj) => c.clientId);
      // The tools log in over LDAP: the realm has the API gateway's client only, whatever is switched off.
      expect(clients).toEqual(['api-gateway']);
      const realmSecret = objs.find((o) => o.kind === 'ExternalSecret' && o.metadata.name === 'keycloak-realm-platform')!;
      expect(JSON.stringify(realmSecret)).not.toMatch(new RegExp(off.map((c) => `client-secret-${c}`).join('|')));
    }
    const paths = new Set(files.map((f) => f.path));
    expect(paths.has('dist/hosts/registries.yaml')).toBe(site.harbor.enabled);
    expect(paths.has('docs/harbor.md')).toBe(site.harbor.enabled);
    if (site.harbor.enabled && !site.jenkins.enabled) {
      const doc = files.find((f) => f.path === 'docs/harbor.md')!.content;
      expect(doc).not.toContain('robot account');
    }
    const ldapDoc = files.find((f) => f.path === 'docs/ldap.md')!.content;
    expect(ldapDoc).toContain(site.harbor.enabled ? 'Harbor and\nRancher also read a user\'s groups' : 'Rancher also reads a user\'s groups');
  });

  test('WHEN written as synth writes it THEN verify (schemas, references, HA rules and the node-failure simulation) finds nothing', () => {
    expect(verifyRender(files)).toEqual([]);
  }, 120000);
});
