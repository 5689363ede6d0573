import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import {
  ComponentTable, HelmRepositoryTable, LockedChart, runVendorCli, satisfies, vendor, VendorIo,
} from '../../lib/vendor/vendor-command';

/** Runs git for fixtures, ignoring the user's configuration; `date` fixes author and committer dates. */
function git(cwd: string, args: string[], date = '2024-01-01T00:00:00Z'): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C',
      GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.com',
      GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

function write(dir: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
}

/** Commits `files` (and `links`: path -> symlink target) and tags the commit. */
function release(dir: string, tag: string, date: string, files: Record<string, string>, links: Record<string, string> = {}): string {
  write(dir, files);
  for (const [rel, target] of Object.entries(links)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.symlinkSync(target, path.join(dir, rel));
  }
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', tag], date);
  git(dir, ['tag', '-a', '-m', tag, tag], date);
  return git(dir, ['rev-parse', `${tag}^{commit}`]);
}

/** Every file under a folder with its content. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(child);
      else out[child] = fs.readFileSync(path.join(dir, child), 'utf8');
    }
  };
  walk('');
  return out;
}

/** The lock's hash, computed here from its definition. */
function expectedHash(files: Record<string, string>): string {
  const sha = (s: string | Buffer): string => crypto.createHash('sha256').update(s).digest('hex');
  const names = Object.keys(files).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return sha(names.map((n) => `${n}\0${sha(Buffer.from(files[n], 'utf8'))}\n`).join(''));
}

function captureIo(): VendorIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { out: (l) => stdout.push(l), err: (l) => stderr.push(l), stdout, stderr };
}

const APP_CHART = (version: string, depVersion: string): string => `apiVersion: v2
name: app
version: ${version}
appVersion: "%APP%"
dependencies:
  - name: crds
    version: 0.0.0
    condition: crds.enabled
  - name: dep
    alias: the-dep
    version: "${depVersion}"
    repository: https://example.test/charts/
`;
const CRDS = { 'charts/app/charts/crds/Chart.yaml': 'apiVersion: v2\nname: crds\nversion: 0.0.0\n', 'charts/app/charts/crds/templates/crd.yaml': 'kind: CustomResourceDefinition\n' };
const DEP = (version: string): Record<string, string> => ({
  'charts/dep/Chart.yaml': `apiVersion: v2\nname: dep\nversion: ${version}\n`,
  'charts/dep/templates/cm.yaml': `kind: ConfigMap # dep ${version}\n`,
});

describe('npm run vendor', () => {
  let base: string;
  let appRepo: string;
  let depRepo: string;
  let root: string;
  let appCommit: string;
  let depCommit: string;
  let components: ComponentTable;
  let helmRepositories: HelmRepositoryTable;

  beforeEach(() => {
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'vendor-test-')));
    appRepo = path.join(base, 'app');
    depRepo = path.join(base, 'dep');
    root = path.join(base, 'platform');
    for (const d of [appRepo, depRepo, root]) fs.mkdirSync(d);
    for (const d of [appRepo, depRepo]) git(d, ['init', '-q', '-b', 'main']);

    // The dependency: 1.2.3 and 1.3.0 before the app's release, 1.2.9 after it.
    write(depRepo, { LICENSE: 'DEP LICENCE\n' });
    depCommit = release(depRepo, 'dep-1.2.3', '2024-01-01T00:00:00Z', DEP('1.2.3'));
    release(depRepo, 'dep-1.3.0', '2024-01-10T00:00:00Z', DEP('1.3.0'));
    release(depRepo, 'dep-1.2.9', '2024-03-01T00:00:00Z', DEP('1.2.9'));

    // The app: an in-tree crds subchart, a symlinked template, a release-time placeholder, a licence and a notice at the root.
    appCommit = release(appRepo, 'app-0.1.0', '2024-02-01T00:00:00Z', {
      'LICENSE': 'APP LICENCE\n',
      'NOTICE': 'APP NOTICE\n',
      'shared/cm.yaml': 'kind: ConfigMap # shared\n',
      'charts/app/Chart.yaml': APP_CHART('0.1.0', '1.2.*'),
      'charts/app/values.yaml': 'crds:\n  enabled: true\n',
      ...CRDS,
    }, { 'charts/app/templates/cm.yaml': '../../../shared/cm.yaml' });

    components = {
      app: {
        kind: 'chart', repository: 'https://github.com/example/app', path: 'charts/app', tag: 'app-{version}', aliases: ['the-app'],
        substitutions: ({ version }) => [{ file: 'Chart.yaml', from: '%APP%', to: `v${version}` }],
      },
    };
    // A file:// URL is fetched (shallow, as from GitHub); the app's plain path (--from) is read in place.
    helmRepositories = { 'https://example.test/charts': { '*': { repository: `file://${depRepo}`, path: 'charts/{name}', tag: '{name}-{version}' } } };
  });
  afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

  test('GIVEN a chart at a tag with an in-tree subchart and a ranged dependency WHEN vendored with --from THEN the tree, the lock entry and the hash are those of the release', () => {
    const io = captureIo();
    const code = runVendorCli(['the-app', '0.1.0', '--from', appRepo], io, { root, components, helmRepositories });

    expect(io.stderr).toEqual([]);
    expect(code).toBe(0);
    const files = tree(path.join(root, 'vendor/charts/app-0.1.0'));
    expect(files).toEqual({
      'Chart.yaml': APP_CHART('0.1.0', '1.2.*').replace('%APP%', 'v0.1.0'),
      'values.yaml': 'crds:\n  enabled: true\n',
      'templates/cm.yaml': 'kind: ConfigMap # shared\n', // the symlink, materialised
      'charts/crds/Chart.yaml': 'apiVersion: v2\nname: crds\nversion: 0.0.0\n',
      'charts/crds/templates/crd.yaml': 'kind: CustomResourceDefinition\n',
      // 1.2.9 matches 1.2.* but was released after the app: the app's release resolved 1.2.3
      'charts/the-dep/Chart.yaml': 'apiVersion: v2\nname: dep\nversion: 1.2.3\n',
      'charts/the-dep/templates/cm.yaml': 'kind: ConfigMap # dep 1.2.3\n',
      'charts/the-dep/LICENSE': 'DEP LICENCE\n',
      'LICENSE': 'APP LICENCE\n',
      'NOTICE': 'APP NOTICE\n',
    });
    expect(fs.lstatSync(path.join(root, 'vendor/charts/app-0.1.0/templates/cm.yaml')).isFile()).toBe(true);

    const text = fs.readFileSync(path.join(root, 'vendor/lock.yaml'), 'utf8');
    expect(text.split('\n')[0]).toBe('# Vendored upstream sources: npm run vendor -- <name> <version> adds or bumps one. synth checks every sha256.');
    const lock = parse(text) as { charts: Record<string, LockedChart>; manifests: object };
    expect(lock.manifests).toEqual({});
    expect(lock.charts.app).toEqual({
      version: '0.1.0',
      path: 'vendor/charts/app-0.1.0',
      repository: 'https://github.com/example/app',
      ref: 'app-0.1.0',
      commit: appCommit,
      source: 'charts/app',
      sha256: expectedHash(files),
      dependencies: [
        { name: 'crds', version: '0.0.0', path: 'charts/crds', repository: 'https://github.com/example/app', ref: 'app-0.1.0', commit: appCommit, source: 'charts/app/charts/crds' },
        {
          name: 'dep', alias: 'the-dep', version: '1.2.3', constraint: '1.2.*', path: 'charts/the-dep',
          repository: `file://${depRepo}`, ref: 'dep-1.2.3', commit: depCommit, source: 'charts/dep', added: ['LICENSE'],
        },
      ],
      substitutions: [{ file: 'Chart.yaml', from: '%APP%', to: 'v0.1.0' }],
      added: ['LICENSE', 'NOTICE'],
    });
    expect(io.stdout[io.stdout.length - 1]).toContain('vendored app 0.1.0 into vendor/charts/app-0.1.0');
  });

  test('GIVEN a vendored chart WHEN bumped to a release whose Chart.lock pins its dependency THEN the pinned version is vendored and the old folder is gone', () => {
    expect(vendor({ root, name: 'app', version: '0.1.0', from: appRepo, components, helmRepositories }).removed).toBeUndefined();
    release(appRepo, 'app-0.2.0', '2024-02-02T00:00:00Z', {
      'charts/app/Chart.yaml': APP_CHART('0.2.0', '^1.0.0'),
      'charts/app/Chart.lock': 'dependencies:\n- name: crds\n  repository: ""\n  version: 0.0.0\n- name: dep\n  repository: https://example.test/charts/\n  version: 1.3.0\n',
    });

    const result = vendor({ root, name: 'app', version: '0.2.0', from: appRepo, components, helmRepositories });

    expect(result.removed).toBe('vendor/charts/app-0.1.0');
    expect(fs.readdirSync(path.join(root, 'vendor/charts'))).toEqual(['app-0.2.0']);
    const files = tree(path.join(root, 'vendor/charts/app-0.2.0'));
    expect(files['charts/the-dep/Chart.yaml']).toBe('apiVersion: v2\nname: dep\nversion: 1.3.0\n');
    const lock = parse(fs.readFileSync(path.join(root, 'vendor/lock.yaml'), 'utf8')) as { charts: Record<string, LockedChart> };
    expect(Object.keys(lock.charts)).toEqual(['app']);
    expect(lock.charts.app.version).toBe('0.2.0');
    expect(lock.charts.app.sha256).toBe(expectedHash(files));
    expect(lock.charts.app.dependencies[1]).toMatchObject({ name: 'dep', version: '1.3.0', ref: 'dep-1.3.0' });
    expect(lock.charts.app.dependencies[1]).not.toHaveProperty('constraint');
  });

  test('GIVEN an unknown name WHEN vendored THEN one line names it and lists the known components, and nothing is written', () => {
    const io = captureIo();
    expect(runVendorCli(['nope', '1.0.0'], io, { root, components, helmRepositories })).toBe(1);
    expect(io.stderr).toEqual(['vendor: unknown component "nope"; known: app (the-app) (a chart: declare its pin, with its source, in its layer file and list it in CHART_PINS of lib/layers/index.ts; a manifest set: MANIFEST_COMPONENTS of lib/vendor/vendor-command.ts)']);
    expect(fs.existsSync(path.join(root, 'vendor'))).toBe(false);
  });

  test('GIVEN a version that was never released WHEN vendored THEN one line says the tag is not found', () => {
    const io = captureIo();
    expect(runVendorCli(['app', '9.9.9', '--from', appRepo], io, { root, components, helmRepositories })).toBe(1);
    expect(io.stderr).toEqual([`vendor: tag app-9.9.9 not found in ${appRepo}`]);
  });

  test('GIVEN a dependency from a Helm repository the table lacks WHEN vendored THEN one line names the repository and the file to add it to', () => {
    const io = captureIo();
    expect(runVendorCli(['app', '0.1.0', '--from', appRepo], io, { root, components, helmRepositories: {} })).toBe(1);
    expect(io.stderr).toHaveLength(1);
    expect(io.stderr[0]).toBe('vendor: app: dependency dep comes from https://example.test/charts, which is not in HELM_REPOSITORIES of lib/vendor/vendor-command.ts: add where that repository\'s dep chart is released from');
    expect(fs.existsSync(path.join(root, 'vendor'))).toBe(false);
  });

  test('GIVEN --help WHEN run THEN the usage is printed and nothing fails', () => {
    const io = captureIo();
    expect(runVendorCli(['--help'], io, { root, components })).toBe(0);
    expect(io.stdout[0]).toMatch(/^usage: npm run vendor -- <name> <version> \[--from <git-dir-or-url>\]/);
  });
});

describe('version ranges', () => {
  test.each([
    ['0.12.8', '0.12.*', true],
    ['0.13.0', '0.12.*', false],
    ['1.4.2', '~1.4.0', true],
    ['1.5.0', '~1.4.0', false],
    ['1.9.0', '^1.2.3', true],
    ['2.0.0', '^1.2.3', false],
    ['0.2.9', '^0.2.3', true],
    ['0.3.0', '^0.2.3', false],
    ['1.5.0', '>=1.2.0 <2.0.0', true],
    ['3.0.0', '1.x || >=3', true],
    ['1.0.0-rc.1', '>=0.1.0', false],
  ])('GIVEN version %s and range %s WHEN matched THEN %s', (version, range, expected) => {
    expect(satisfies(version, range)).toBe(expected);
  });
});
