import * as fs from 'fs';
import * as path from 'path';
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { runPublishCli } from '../../lib/delivery/cli';
import { DeliveryError } from '../../lib/delivery/delivery-error';
import { publish } from '../../lib/delivery/publish';
import { Layer } from '../../lib/layer';
import { SchemaRegistry } from '../../lib/verify/schemas';
import { REPO, snapshotTree } from '../helpers';
import { testIo } from './cli-io';
import { commitAll, edit, gitIn, initRepo, platformCheckout, PlatformCheckout } from './git-fixtures';
import { commandLine } from '../command-line';

describe('npm run publish against a local bare remote', () => {
  let template: PlatformCheckout;
  let repo: PlatformCheckout;
  const registry = new SchemaRegistry();
  beforeAll(() => {
    template = platformCheckout();
  });
  afterAll(() => fs.rmSync(template.base, { recursive: true, force: true }));
  beforeEach(() => {
    repo = platformCheckout(template);
  });
  afterEach(() => fs.rmSync(repo.base, { recursive: true, force: true }));

  const remoteHead = () => gitIn(repo.remote, 'rev-parse', 'main');
  const head = () => gitIn(repo.work, 'rev-parse', 'HEAD');
  const publishError = (options: Partial<Parameters<typeof publish>[0]> = {}): Error => {
    try {
      publish({ root: repo.work, registry, ...options });
    } catch (e) {
      return e as Error;
    }
    throw new Error('publish did not refuse');
  };

  test('GIVEN a committed source change WHEN published THEN the render is committed on top and both commits are pushed', () => {
    edit(repo.work, 'site.yaml', 'ip: 10.251.50.3', 'ip: 10.251.50.13');
    const source = commitAll(repo.work, 'Move www3 to 10.251.50.13');
    const lines: string[] = [];
    const result = publish({ root: repo.work, registry, log: (l) => lines.push(l) });
    expect(result).toEqual({ branch: 'main', remote: 'origin', renderCommit: head(), head: head(), upToDate: false });
    expect(remoteHead()).toBe(head());
    expect(gitIn(repo.work, 'rev-parse', 'HEAD~1')).toBe(source);
    expect(gitIn(repo.work, 'log', '-1', '--format=%s')).toBe('Render dist/ for Move www3 to 10.251.50.13');
    expect(gitIn(repo.work, 'show', '--name-only', '--format=', 'HEAD').split('\n')).toEqual(['argocd/configmap-coredns.yaml', 'argocd/deployment-coredns.yaml', 'dist/cluster-addons/configmap-coredns.yaml', 'dist/cluster-addons/deployment-coredns.yaml', 'dist/hosts/README.md', 'dist/hosts/www3/config.yaml', 'dist/hosts/www3/install.sh', 'render-cache/coredns.yaml']);
    expect(fs.readFileSync(path.join(repo.work, 'dist/hosts/www3/config.yaml'), 'utf8')).toContain('10.251.50.13');
    expect(gitIn(repo.work, 'status', '--porcelain')).toBe('');
    expect(lines).toEqual([
      'publish: rendering site.yaml',
      expect.stringMatching(/^publish: \d+ objects rendered and verified$/),
      `publish: committed 8 rendered files as ${head().slice(0, 12)}`,
    ]);
  });

  test('GIVEN a change that renders nothing new WHEN published twice THEN HEAD is pushed without a render commit, then nothing is pushed', () => {
    fs.appendFileSync(path.join(repo.work, 'README.md'), 'More words.\n');
    const source = commitAll(repo.work, 'README: more words');
    expect(publish({ root: repo.work, registry })).toEqual({ branch: 'main', remote: 'origin', renderCommit: undefined, head: source, upToDate: false });
    expect(remoteHead()).toBe(source);
    expect(publish({ root: repo.work, registry })).toEqual({ branch: 'main', remote: 'origin', renderCommit: undefined, head: source, upToDate: true });
  });

  test('GIVEN uncommitted source, untracked and hand-written docs files WHEN published THEN it refuses listing them and changes nothing', () => {
    edit(repo.work, 'site.yaml', 'ip: 10.251.50.3', 'ip: 10.251.50.13');
    fs.writeFileSync(path.join(repo.work, 'notes.txt'), 'todo\n');
    fs.writeFileSync(path.join(repo.work, 'docs/runbook.md'), '# runbook\n');
    // A hand edit of rendered output (generated docs included) is not source: synth overwrites it.
    fs.appendFileSync(path.join(repo.work, 'dist/metallb/ipaddresspool-apps.yaml'), '# hand edit\n');
    fs.appendFileSync(path.join(repo.work, 'docs/ldap.md'), 'hand edit\n');
    const before = head();
    const error = publishError();
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error.message).toBe(
      'refused: uncommitted changes outside the rendered output (dist/, argocd/ and the docs/ and reports/ files synth generates):\n' +
        '   M site.yaml\n  ?? docs/runbook.md\n  ?? notes.txt\n' +
        'Commit them (git add <file>... && git commit) or stash them (git stash -u), then run npm run publish again. Nothing was rendered, committed or pushed.',
    );
    expect(head()).toBe(before);
    expect(remoteHead()).toBe(before);
    expect(fs.readFileSync(path.join(repo.work, 'dist/metallb/ipaddresspool-apps.yaml'), 'utf8')).toMatch(/# hand edit\n$/);
  });

  test('GIVEN a render that fails verify WHEN published THEN it refuses with the findings and nothing is committed, pushed or rewritten', () => {
    edit(repo.work, 'site.yaml', 'ip: 10.251.50.3', 'ip: 10.251.50.13');
    const source = commitAll(repo.work, 'Move www3 to 10.251.50.13');
    const dist = snapshotTree(path.join(repo.work, 'dist'));
    const broken = (scope: Construct) => {
      const layer = new Layer(scope, { name: 'broken', description: 'x', namespace: 'default' });
      new ApiObject(layer, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'default' }, dataa: { a: 'b' } } as never);
      return layer;
    };
    const error = publishError({ layers: [broken] });
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error.message).toMatch(/^refused: synth failed; nothing was committed or pushed, dist\/ and argocd\/ are unchanged:\nverify found \d+ problems? in the rendered output/);
    expect(error.message).toContain('dist/broken/configmap-cm.yaml: v1 ConfigMap default/cm: unknown field "dataa"');
    expect(head()).toBe(source);
    expect(remoteHead()).not.toBe(source);
    expect(snapshotTree(path.join(repo.work, 'dist'))).toEqual(dist);
    expect(gitIn(repo.work, 'status', '--porcelain')).toBe('');
  });

  test('GIVEN an invalid site WHEN published with --site THEN it refuses with the site error', () => {
    const error = publishError({ siteFile: path.join(REPO, 'test/fixtures/invalid/two-servers.yaml') });
    expect(error.message).toMatch(/^refused: synth failed; nothing was committed or pushed, dist\/ and argocd\/ are unchanged:\ninvalid configuration \(1 problem\):\n {2}.*two-servers\.yaml:14:3: nodes: embedded etcd needs an odd number of servers/);
  });

  test('GIVEN the remote branch moved on WHEN published THEN it refuses before rendering: not a fast-forward', () => {
    const other = path.join(repo.base, 'other');
    gitIn(repo.base, 'clone', '--quiet', repo.remote, other);
    initRepo(other);
    fs.writeFileSync(path.join(other, 'CHANGELOG.md'), 'someone else\n');
    const theirs = commitAll(other, 'Someone else pushed');
    gitIn(other, 'push', '--quiet', 'origin', 'main');
    edit(repo.work, 'site.yaml', 'ip: 10.251.50.3', 'ip: 10.251.50.13');
    const ours = commitAll(repo.work, 'Move www3 to 10.251.50.13');
    const error = publishError();
    expect(error.message).toBe(
      `refused: origin main (${theirs.slice(0, 12)}) has commits that HEAD does not have, so the push would not be a fast-forward.\n` +
        'Run git pull --rebase origin main, check the result, then npm run publish again. Nothing was rendered, committed or pushed.',
    );
    expect(head()).toBe(ours);
    expect(remoteHead()).toBe(theirs);
    expect(fs.readFileSync(path.join(repo.work, 'dist/hosts/www3/config.yaml'), 'utf8')).not.toContain('10.251.50.13');
  });

  test('GIVEN someone pushes between the check and the push WHEN published THEN the rejected push is explained and the render commit stays local', () => {
    const other = path.join(repo.base, 'other');
    gitIn(repo.base, 'clone', '--quiet', repo.remote, other);
    initRepo(other);
    edit(repo.work, 'site.yaml', 'ip: 10.251.50.3', 'ip: 10.251.50.13');
    commitAll(repo.work, 'Move www3 to 10.251.50.13');
    let theirs = '';
    const error = publishError({
      beforePush: () => {
        fs.writeFileSync(path.join(other, 'CHANGELOG.md'), 'raced\n');
        theirs = commitAll(other, 'A racing push');
        gitIn(other, 'push', '--quiet', 'origin', 'main');
      },
    });
    const render = head();
    expect(gitIn(repo.work, 'log', '-1', '--format=%s')).toBe('Render dist/ for Move www3 to 10.251.50.13');
    expect(error.message).toBe(
      'refused: origin rejected the push to main because it is not a fast-forward (someone pushed in the meantime).\n' +
        `Your commits, including the render commit ${render.slice(0, 12)}, are still here: run git pull --rebase origin main, then npm run publish again.`,
    );
    expect(remoteHead()).toBe(theirs);
  });

  test('GIVEN --dry-run WHEN published THEN it returns the render commit it would make and the diff, and writes, commits and pushes nothing', async () => {
    edit(repo.work, 'site.yaml', 'ip: 10.251.50.3', 'ip: 10.251.50.13');
    const source = commitAll(repo.work, 'Move www3 to 10.251.50.13');
    const pushed = remoteHead();
    const dist = snapshotTree(path.join(repo.work, 'dist'));
    const result = publish({ root: repo.work, registry, dryRun: true, beforePush: () => { throw new Error('a dry run must not reach the push'); } });
    expect(result.preview?.message).toBe('Render dist/ for Move www3 to 10.251.50.13');
    // CoreDNS's hosts block lists every node (as k3s's NodeHosts did): a node IP change rolls it too.
    expect(result.preview?.files).toEqual(['M argocd/configmap-coredns.yaml', 'M argocd/deployment-coredns.yaml', 'M dist/cluster-addons/configmap-coredns.yaml', 'M dist/cluster-addons/deployment-coredns.yaml', 'M dist/hosts/README.md', 'M dist/hosts/www3/config.yaml', 'M dist/hosts/www3/install.sh', 'M render-cache/coredns.yaml']);
    expect(result).toMatchObject({ head: source, upToDate: false });
    expect(result.renderCommit).toBeUndefined();
    expect(head()).toBe(source);
    expect(remoteHead()).toBe(pushed);
    expect(snapshotTree(path.join(repo.work, 'dist'))).toEqual(dist);
    expect(gitIn(repo.work, 'status', '--porcelain')).toBe('');

    const io = testIo({});
    expect(await runPublishCli(commandLine('publish', '--root', repo.work, '--dry-run'), io)).toBe(0);
    expect(io.stdout[0]).toBe('publish: dry run: would commit "Render dist/ for Move www3 to 10.251.50.13" with 8 files, then push to origin main:');
    expect(io.stdout.slice(1, 9)).toEqual(['  M argocd/configmap-coredns.yaml', '  M argocd/deployment-coredns.yaml', '  M dist/cluster-addons/configmap-coredns.yaml', '  M dist/cluster-addons/deployment-coredns.yaml', '  M dist/hosts/README.md', '  M dist/hosts/www3/config.yaml', '  M dist/hosts/www3/install.sh', '  M render-cache/coredns.yaml']);
    expect(io.stdout[io.stdout.length - 1]).toBe('publish: dry run: nothing was written, committed or pushed');
    expect(head()).toBe(source);
    expect(remoteHead()).toBe(pushed);
  });

  test('GIVEN a current render WHEN published with --dry-run THEN it says there is nothing to commit', async () => {
    const io = testIo({});
    expect(await runPublishCli(commandLine('publish', '--root', repo.work, '--dry-run'), io)).toBe(0);
    expect(io.stdout).toEqual(['publish: dry run: the committed render is current; nothing to commit']);
  });

  test('GIVEN no such remote WHEN published THEN it says how to add the Gitea repository', () => {
    expect(publishError({ remote: 'gitea' }).message).toBe('refused: there is no git remote "gitea"; add the Gitea repository Argo CD reads: git remote add gitea https://git.turnsys.com/tsys/platform.git');
  });

  test('GIVEN the command line WHEN publish runs THEN it prints what it pushed (exit 0), or the refusal alone (exit 1)', async () => {
    edit(repo.work, 'site.yaml', 'ip: 10.251.50.3', 'ip: 10.251.50.13');
    commitAll(repo.work, 'Move www3 to 10.251.50.13');
    const ok = testIo({});
    expect(await runPublishCli(commandLine('publish', '--root', repo.work), ok)).toBe(0);
    expect(ok.stdout[ok.stdout.length - 1]).toBe(`publish: pushed ${head().slice(0, 12)} to origin main; Argo CD syncs it on its next refresh (npm run status shows progress)`);

    fs.writeFileSync(path.join(repo.work, 'notes.txt'), 'todo\n');
    const refused = testIo({});
    expect(await runPublishCli(commandLine('publish', '--root', repo.work), refused)).toBe(1);
    expect(refused.stderr).toHaveLength(1);
    expect(refused.stderr[0]).toMatch(/^publish: refused: uncommitted changes outside the rendered output .*\n {2}\?\? notes\.txt\n/);
  });
});
