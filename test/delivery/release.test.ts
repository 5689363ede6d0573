import * as fs from 'fs';
import { ApiObject } from 'cdk8s';
import type { LayerFactory } from '../../lib/context';
import * as path from 'path';
import { parse } from 'yaml';

import { DeliveryError } from '../../lib/delivery/delivery-error';
import { Layer } from '../../lib/layer';
import { LAYERS } from '../../lib/layers';
import { runReleaseCli } from '../../lib/delivery/app-cli';
import type { AppSpec } from '../../lib/config/app-schema';
import { release, ReleaseOptions, replaceImage, resolveImage, waitsForPromotion } from '../../lib/delivery/release';
import { synth } from '../../lib/synth';
import { SchemaRegistry } from '../../lib/verify/schemas';
import { snapshotTree } from '../helpers';
import { testIo } from './cli-io';
import { commitAll, gitIn, platformCheckout, PlatformCheckout } from './git-fixtures';

const DIGEST = `sha256:${'a1'.repeat(32)}`;
const WIKI = [
  '# The team wiki: its image is set by npm run release (Jenkins platformRelease).',
  'description: Team wiki   # shown in Argo CD',
  'environment: sit',
  '',
  '# Pinned by the release pipeline.',
  'image: registry.turnsys.com/apps/wiki:1.0.0  # set by npm run release',
  'ports:',
  '  - { name: http, port: 3000 }   # flow style stays',
  'expose:',
  '  http:',
  '    host: wiki.turnsys.com',
  '',
].join('\n');

/** The platform's own layers render the app (WebApp): the release must show in its Deployment. */
const LAYERS_WITH_IMAGES = LAYERS;
const RENDERED_IMAGE = 'dist/workloads/wiki/deployment-wiki.yaml';

describe('npm run release against a local bare remote', () => {
  const registry = new SchemaRegistry();
  let template: PlatformCheckout;
  let repo: PlatformCheckout;
  beforeAll(() => {
    template = platformCheckout();
    fs.mkdirSync(path.join(template.work, 'apps'), { recursive: true });
    fs.writeFileSync(path.join(template.work, 'apps/wiki.yaml'), WIKI);
    synth({ root: template.work, layers: LAYERS_WITH_IMAGES, registry });
    commitAll(template.work, 'Add the wiki');
    gitIn(template.work, 'push', '--quiet', 'origin', 'main');
  });
  afterAll(() => fs.rmSync(template.base, { recursive: true, force: true }));
  beforeEach(() => {
    repo = platformCheckout(template);
  });
  afterEach(() => fs.rmSync(repo.base, { recursive: true, force: true }));

  const head = () => gitIn(repo.work, 'rev-parse', 'HEAD');
  const remoteHead = () => gitIn(repo.remote, 'rev-parse', 'main');
  const wiki = () => fs.readFileSync(path.join(repo.work, 'apps/wiki.yaml'), 'utf8');
  const run = (options: Partial<ReleaseOptions> = {}) => release({ root: repo.work, app: 'wiki', ref: '1.1.0', layers: LAYERS_WITH_IMAGES, registry, ...options });
  const refusal = (options: Partial<ReleaseOptions> = {}): Error => {
    try {
      run(options);
    } catch (e) {
      return e as Error;
    }
    throw new Error('release did not refuse');
  };

  test('GIVEN a tag WHEN released THEN only the image value changes (comments kept), the render follows, and one commit is pushed', () => {
    const before = head();
    const lines: string[] = [];
    const result = run({ log: (l) => lines.push(l) });
    expect(wiki()).toBe(WIKI.replace('image: registry.turnsys.com/apps/wiki:1.0.0', 'image: registry.turnsys.com/apps/wiki:1.1.0'));
    expect(result).toEqual({
      app: 'wiki', previous: 'registry.turnsys.com/apps/wiki:1.0.0', image: 'registry.turnsys.com/apps/wiki:1.1.0',
      commit: head(), branch: 'main', remote: 'origin', head: head(), upToDate: false, waitsForPromotion: false,
    });
    expect(gitIn(repo.work, 'rev-parse', 'HEAD~1')).toBe(before);
    expect(gitIn(repo.work, 'log', '-1', '--format=%s')).toBe('Release wiki registry.turnsys.com/apps/wiki:1.1.0');
    expect(gitIn(repo.work, 'show', '--name-only', '--format=', 'HEAD').split('\n')).toEqual(['apps/wiki.yaml', RENDERED_IMAGE]);
    expect(parse(fs.readFileSync(path.join(repo.work, RENDERED_IMAGE), 'utf8')).spec.template.spec.containers[0].image).toBe('registry.turnsys.com/apps/wiki:1.1.0');
    expect(remoteHead()).toBe(head());
    expect(gitIn(repo.work, 'status', '--porcelain')).toBe('');
    expect(lines).toEqual([
      'release: apps/wiki.yaml: image registry.turnsys.com/apps/wiki:1.0.0 -> registry.turnsys.com/apps/wiki:1.1.0; rendering',
      expect.stringMatching(new RegExp(`^release: committed ${head().slice(0, 12)} \\(\\d+ objects rendered and verified\\)$`)),
    ]);
  });

  test('GIVEN a digest, then a full reference WHEN released THEN the digest keeps the repository and the full reference is taken as it is', () => {
    run({ ref: DIGEST });
    expect(parse(wiki()).image).toBe(`registry.turnsys.com/apps/wiki@${DIGEST}`);
    run({ ref: `registry.turnsys.com/apps/wiki-next:2.0.0@${DIGEST}`, allowRepositoryChange: true });
    expect(parse(wiki()).image).toBe(`registry.turnsys.com/apps/wiki-next:2.0.0@${DIGEST}`);
    expect(gitIn(repo.work, 'log', '-2', '--format=%s').split('\n')).toEqual([
      `Release wiki registry.turnsys.com/apps/wiki-next:2.0.0@${DIGEST}`,
      `Release wiki registry.turnsys.com/apps/wiki@${DIGEST}`,
    ]);
    expect(remoteHead()).toBe(head());
  });

  test('GIVEN the image the app already runs WHEN released THEN nothing is committed or pushed', () => {
    const before = head();
    expect(run({ ref: '1.0.0' })).toMatchObject({ commit: undefined, head: before, upToDate: true });
    expect(head()).toBe(before);
  });

  test('GIVEN an unknown app or an unpinned reference WHEN released THEN it is refused and nothing changes', () => {
    const before = head();
    expect(refusal({ app: 'blog' }).message).toBe('refused: there is no app "blog" (apps/blog.yaml); the apps are whiteboard, wiki');
    expect(refusal({ ref: 'latest' }).message).toBe('refused: "latest" is a mutable tag: release a version tag, a digest sha256:<64 hex>, or repository@sha256:<digest>');
    for (const ref of ['registry.turnsys.com/apps/wiki', 'registry.turnsys.com/apps/wiki:latest', 'sha256:abc', 'Wiki Next']) {
      const error = refusal({ ref });
      expect(error).toBeInstanceOf(DeliveryError);
      expect(error.message).toMatch(new RegExp(`^refused: "${ref.replace(/[.]/g, '\\.')}" is not a release reference`));
    }
    expect(wiki()).toBe(WIKI);
    expect(head()).toBe(before);
  });

  test('GIVEN uncommitted changes besides the app file WHEN released THEN it refuses listing them; an uncommitted edit of the app file itself is released', () => {
    fs.writeFileSync(path.join(repo.work, 'notes.txt'), 'todo\n');
    expect(refusal().message).toBe(
      'refused: uncommitted changes besides apps/wiki.yaml and the rendered output:\n  ?? notes.txt\n' +
        'Commit them (git add <file>... && git commit) or stash them (git stash -u), then run npm run release again. Nothing was changed.',
    );
    expect(wiki()).toBe(WIKI);
    fs.rmSync(path.join(repo.work, 'notes.txt'));
    fs.writeFileSync(path.join(repo.work, 'apps/wiki.yaml'), WIKI.replace('description: Team wiki', 'description: The team wiki'));
    run();
    expect(gitIn(repo.work, 'show', 'HEAD:apps/wiki.yaml')).toContain('description: The team wiki   # shown in Argo CD');
  });

  test('GIVEN a remote with a commit HEAD lacks WHEN released THEN it refuses before editing', () => {
    gitIn(repo.work, 'commit', '--quiet', '--allow-empty', '-m', 'Someone else');
    gitIn(repo.work, 'push', '--quiet', 'origin', 'main');
    gitIn(repo.work, 'reset', '--quiet', '--hard', 'HEAD~1');
    const error = refusal();
    expect(error.message).toMatch(/^refused: origin main \([0-9a-f]{12}\) has commits that HEAD does not have, so the push would not be a fast-forward\.\nRun git pull --rebase origin main, check the result, then npm run release again\./);
    expect(wiki()).toBe(WIKI);
  });

  test('GIVEN someone pushes during the release WHEN it pushes THEN the rejection is explained and the release commit stays local', () => {
    const other = platformCheckout(template);
    try {
      const error = refusal({
        beforePush: () => {
          gitIn(other.work, 'remote', 'set-url', 'origin', repo.remote);
          gitIn(other.work, 'commit', '--quiet', '--allow-empty', '-m', 'Concurrent');
          gitIn(other.work, 'push', '--quiet', 'origin', 'main');
        },
      });
      expect(error.message).toBe(
        `refused: origin rejected the push to main because it is not a fast-forward (someone pushed in the meantime).\n` +
          `Your commits, including the release commit ${head().slice(0, 12)}, are still here: run git pull --rebase origin main, then npm run release again.`,
      );
      expect(gitIn(repo.work, 'log', '-1', '--format=%s')).toBe('Release wiki registry.turnsys.com/apps/wiki:1.1.0');
    } finally {
      fs.rmSync(other.base, { recursive: true, force: true });
    }
  });

  test('GIVEN a render that fails verification WHEN released THEN the app file is restored and nothing is committed', () => {
    const broken: LayerFactory = (scope) => {
      const layer = new Layer(scope, { name: 'broken', description: 'x', namespace: 'default' });
      new ApiObject(layer, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'default' }, dataa: { a: 'b' } } as never);
      return layer;
    };
    const before = head();
    const dist = snapshotTree(path.join(repo.work, 'dist'));
    const error = refusal({ layers: [...LAYERS_WITH_IMAGES, broken] });
    expect(error.message).toMatch(/^refused: synth failed; the app file is restored, dist\/ and argocd\/ are unchanged:\nverify found/);
    expect(wiki()).toBe(WIKI);
    expect(head()).toBe(before);
    expect(snapshotTree(path.join(repo.work, 'dist'))).toEqual(dist);
    expect(gitIn(repo.work, 'status', '--porcelain')).toBe('');
  });

  test('GIVEN an image of another repository WHEN released without --allow-repository-change THEN it is refused naming the flag, and nothing changes', () => {
    const before = head();
    expect(refusal({ ref: 'registry.turnsys.com/apps/blog:1.0.0' }).message).toBe(
      'refused: registry.turnsys.com/apps/blog:1.0.0 is from the repository registry.turnsys.com/apps/blog, but wiki runs images of registry.turnsys.com/apps/wiki; ' +
        'if the app really moves to another repository, run the release again with --allow-repository-change. Nothing was changed.',
    );
    expect(wiki()).toBe(WIKI);
    expect(head()).toBe(before);
    expect(gitIn(repo.work, 'status', '--porcelain')).toBe('');
  });

  test('GIVEN --dry-run WHEN released THEN it returns the commit it would make and the diff, and writes, commits and pushes nothing', () => {
    const before = head();
    const pushed = remoteHead();
    const dist = snapshotTree(path.join(repo.work, 'dist'));
    const result = run({ dryRun: true, beforePush: () => { throw new Error('a dry run must not reach the push'); } });
    expect(result.preview?.message).toBe('Release wiki registry.turnsys.com/apps/wiki:1.1.0');
    expect(result.preview?.files).toEqual(['M apps/wiki.yaml', `M ${RENDERED_IMAGE}`]);
    expect(result.preview?.diff.summary).toMatchObject({ changed: 1, added: 0, removed: 0 });
    expect(result).toMatchObject({ head: before, upToDate: false, image: 'registry.turnsys.com/apps/wiki:1.1.0' });
    expect(result.commit).toBeUndefined();
    expect(wiki()).toBe(WIKI);
    expect(head()).toBe(before);
    expect(remoteHead()).toBe(pushed);
    expect(snapshotTree(path.join(repo.work, 'dist'))).toEqual(dist);
    expect(gitIn(repo.work, 'status', '--porcelain')).toBe('');
  });

  test('GIVEN --dry-run on the command line WHEN release runs THEN it prints the message, the files and the diff, and says nothing was pushed', async () => {
    const before = head();
    const io = testIo({});
    expect(await runReleaseCli(['wiki', '1.1.0', '--root', repo.work, '--dry-run'], io)).toBe(0);
    const out = io.stdout.join('\n');
    expect(out).toContain('release: dry run: would commit "Release wiki registry.turnsys.com/apps/wiki:1.1.0" with 2 files, then push to origin main; wiki runs registry.turnsys.com/apps/wiki:1.1.0 once Argo CD syncs');
    expect(out).toContain(`  M ${RENDERED_IMAGE}`);
    expect(out).toContain('~ Deployment sit/wiki');
    expect(out).toContain('image: "registry.turnsys.com/apps/wiki:1.0.0" → "registry.turnsys.com/apps/wiki:1.1.0"');
    expect(io.stdout[io.stdout.length - 1]).toBe('release: dry run: nothing was written, committed or pushed');
    expect(head()).toBe(before);
    expect(wiki()).toBe(WIKI);
  });

  test('GIVEN a blueGreen app in prod WHEN released THEN the message names the promotion step instead of "runs once Argo CD syncs"', async () => {
    fs.writeFileSync(path.join(repo.work, 'apps/shop.yaml'), [
      'environment: prod', 'image: registry.turnsys.com/apps/shop:1.0.0', 'ports:', '  - { name: http, port: 8080 }', 'strategy: { type: blueGreen }', '',
    ].join('\n'));
    synth({ root: repo.work, layers: LAYERS_WITH_IMAGES, registry });
    commitAll(repo.work, 'Add the shop');
    const io = testIo({});
    expect(await runReleaseCli(['shop', '1.1.0', '--root', repo.work], io)).toBe(0);
    expect(io.stdout[io.stdout.length - 1]).toBe(
      `release: pushed ${head().slice(0, 12)} to origin main: once Argo CD syncs, shop's rollout starts registry.turnsys.com/apps/shop:1.1.0 and pauses: it serves traffic only after npm run promote -- shop (npm run status shows progress)`,
    );
  });

  test('GIVEN a blueGreen app with a host WHEN released THEN the message names the preview URL to try before promoting', async () => {
    fs.writeFileSync(path.join(repo.work, 'apps/shop.yaml'), [
      'environment: prod', 'image: registry.turnsys.com/apps/shop:1.0.0', 'ports:', '  - { name: http, port: 8080 }', 'strategy: { type: blueGreen }',
      'expose:', '  http: { host: shop.turnsys.com }', '',
    ].join('\n'));
    synth({ root: repo.work, layers: LAYERS_WITH_IMAGES, registry });
    commitAll(repo.work, 'Add the shop');
    const io = testIo({});
    expect(await runReleaseCli(['shop', '1.1.0', '--root', repo.work], io)).toBe(0);
    expect(io.stdout[io.stdout.length - 1]).toBe(
      `release: pushed ${head().slice(0, 12)} to origin main: once Argo CD syncs, shop's rollout starts registry.turnsys.com/apps/shop:1.1.0 and pauses: try it at https://preview-shop.turnsys.com; it serves traffic only after npm run promote -- shop (npm run status shows progress)`,
    );
  });

  test('GIVEN the command line WHEN run with missing arguments THEN it shows the usage and exits 1', async () => {
    const io = testIo({});
    expect(await runReleaseCli(['wiki', '--root', repo.work], io)).toBe(1);
    expect(io.stderr[0]).toBe('release: expected 2 arguments, got 1 (wiki)\nusage: npm run release -- <app> <image|tag|sha256:digest> [--remote origin] [--site site.yaml] [--root .] [--dry-run] [--allow-repository-change]');
  });
});

describe('release references and edits', () => {
  test('GIVEN app specs WHEN asked whether a release waits for promote THEN blueGreen without auto-promotion and canary with an open pause do', () => {
    const app = (environment: string, strategy: object) => ({ environment, strategy }) as unknown as AppSpec;
    expect(waitsForPromotion(app('prod', { type: 'blueGreen' }))).toBe(true);
    expect(waitsForPromotion(app('sit', { type: 'blueGreen' }))).toBe(false);
    expect(waitsForPromotion(app('prod', { type: 'blueGreen', autoPromotion: true }))).toBe(false);
    expect(waitsForPromotion(app('sit', { type: 'canary', steps: [{ setWeight: 20 }, { pause: {} }] }))).toBe(true);
    expect(waitsForPromotion(app('prod', { type: 'canary', steps: [{ setWeight: 20 }, { pause: { duration: 60 } }] }))).toBe(false);
    expect(waitsForPromotion(app('prod', { type: 'rolling' }))).toBe(false);
  });

  test('GIVEN references WHEN resolved against the current image THEN tags and digests keep the repository', () => {
    expect(resolveImage('registry.turnsys.com/apps/wiki:1.0.0', '1.2.3')).toBe('registry.turnsys.com/apps/wiki:1.2.3');
    expect(resolveImage(`registry.turnsys.com/apps/wiki:1.0.0@${DIGEST}`, DIGEST)).toBe(`registry.turnsys.com/apps/wiki@${DIGEST}`);
    expect(resolveImage('registry.turnsys.com/apps/wiki:1.0.0', 'registry.turnsys.com/apps/wiki:2.0.0')).toBe('registry.turnsys.com/apps/wiki:2.0.0');
  });

  test('GIVEN a quoted image WHEN replaced THEN the quoting stays', () => {
    expect(replaceImage('image: "a/b:1.0.0" # c\nports: []\n', 'apps/x.yaml', 'a/b:2.0.0')).toEqual({ text: 'image: "a/b:2.0.0" # c\nports: []\n', previous: 'a/b:1.0.0' });
    expect(replaceImage("image: 'a/b:1.0.0'\n", 'apps/x.yaml', 'a/b:2.0.0').text).toBe("image: 'a/b:2.0.0'\n");
  });
});
