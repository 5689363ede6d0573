import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { COMMANDS } from '../../lib/command-line/commands';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { parseApp } from '../../lib/config/load-apps';
import { parseSite } from '../../lib/config/load';
import { expectedRecovery } from '../../lib/drill/expected-recovery';
import { JENKINS_RECOVERY_BUDGET, JENKINS_RECOVERY_SECONDS } from '../../lib/layers/jenkins';
import { LOCK_FILE } from '../../lib/paas/lock';
import { synth } from '../../lib/synth';
import { REPO } from '../helpers';
import { drillSample } from './drill-sample';
import {
  anchorsOf, DocExample, examplesOf, handWrittenDocs, mergePatch, notOffline, optionsOf, tsysCommand, tsysInvocation, shellCommands, where,
} from './examples';

const PACKAGE = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
const DOCS = handWrittenDocs(REPO);
const EXAMPLES: DocExample[] = DOCS.flatMap((f) => examplesOf(REPO, f));
const ofKind = (lang: string, mode: (m: string) => boolean) => EXAMPLES.filter((e) => e.lang === lang && mode(e.mode));
const APPS = ofKind('yaml', (m) => m.startsWith('app='));
const SITES = ofKind('yaml', (m) => m === 'site');
const PATCHES = ofKind('yaml', (m) => m === 'site-patch');
const FRAGMENTS = ofKind('yaml', (m) => m === 'fragment');
const SHELL = ofKind('sh', () => true);
const RUN_OFFLINE = ofKind('sh', (m) => m === 'offline');
const NOT_OFFLINE = EXAMPLES.filter(notOffline);

/** A scratch checkout: the shipped apps/, address lock and committed outputs, with `site` as its site.yaml. */
function scratchCheckout(site: string, apps: 'shipped' | 'none' = 'shipped'): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'doc-example-'));
  for (const dir of ['dist', 'argocd']) fs.cpSync(path.join(REPO, dir), path.join(root, dir), { recursive: true });
  fs.mkdirSync(path.join(root, 'apps'));
  if (apps === 'shipped') {
    fs.cpSync(path.join(REPO, 'apps'), path.join(root, 'apps'), { recursive: true });
    fs.copyFileSync(path.join(REPO, LOCK_FILE), path.join(root, LOCK_FILE));
  }
  fs.writeFileSync(path.join(root, 'site.yaml'), site);
  return root;
}

/** Runs synth (which verifies, and refuses to write anything otherwise) in `root`; the error message, or undefined. */
function synthProblem(root: string): string | undefined {
  try {
    synth({ root, log: () => undefined });
    return undefined;
  } catch (e) {
    return (e as Error).message;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

describe('the examples of README.md and the hand-written docs/', () => {
  test('GIVEN the hand-written docs WHEN listed THEN README.md and the guides are there and no generated file is', () => {
    expect(DOCS).toEqual(expect.arrayContaining(['README.md', 'docs/adapting-to-your-site.md', 'docs/apps.md', 'docs/architecture.md', 'docs/decisions.md', 'docs/delivery.md', 'docs/layers.md', 'docs/operations.md']));
    for (const generated of ['docs/dependencies.md', 'docs/ldap.md', 'docs/databases.md', 'docs/harbor.md', 'docs/restore.md', 'docs/demo-whiteboard.md']) expect(DOCS).not.toContain(generated);
  });

  test('GIVEN README.md WHEN counted THEN the front page stays under 150 lines', () => {
    expect(fs.readFileSync(path.join(REPO, 'README.md'), 'utf8').split('\n').length).toBeLessThan(150);
  });

  test('GIVEN every fenced block WHEN its info string is read THEN it says how it is checked (or why it cannot run offline)', () => {
    const unclassified = EXAMPLES.filter((e) => {
      if (notOffline(e)) return !e.reason;
      if (e.lang === 'yaml') return !/^(app=[a-z][-a-z0-9]*|site|site-patch|fragment)$/.test(e.mode);
      if (e.lang === 'sh') return !['', 'offline'].includes(e.mode);
      return e.lang !== 'text';
    }).map((e) => `${where(e)}: \`\`\`${e.lang} ${e.mode}`);
    expect(unclassified).toEqual([]);
  });

  test('GIVEN the examples that cannot run offline WHEN listed THEN each says why', () => {
    const listed = NOT_OFFLINE.map((e) => `${where(e)} (${e.lang} ${e.mode}): ${e.reason}`);
    console.log(`examples not run offline:\n  ${listed.join('\n  ')}`); // eslint-disable-line no-console
    expect(NOT_OFFLINE.every((e) => e.reason.length >= 10)).toBe(true);
    expect(NOT_OFFLINE.map((e) => e.file)).toEqual(expect.arrayContaining(['docs/delivery.md', 'docs/operations.md']));
  });

  test('GIVEN every YAML block WHEN parsed THEN it is valid YAML (fragments included)', () => {
    const broken = [...APPS, ...SITES, ...PATCHES, ...FRAGMENTS].flatMap((e) => {
      const errors = parseAllDocuments(e.body).flatMap((d) => d.errors.map((x) => x.message));
      return errors.length ? [`${where(e)}: ${errors[0]}`] : [];
    });
    expect(broken).toEqual([]);
    expect(APPS.length).toBeGreaterThanOrEqual(3);
  });

  test('GIVEN the app examples WHEN loaded by the real loader THEN each is a valid app spec for the shipped site', () => {
    const site = parseSite(fs.readFileSync(path.join(REPO, 'site.yaml'), 'utf8'), 'site.yaml');
    const problems = APPS.flatMap((e) => {
      try {
        parseApp(e.body, `apps/${e.mode.slice('app='.length)}.yaml`, site);
        return [];
      } catch (err) {
        return [`${where(e)}: ${(err as Error).message}`];
      }
    });
    expect(problems).toEqual([]);
  });

  test('GIVEN the app examples WHEN added to a scratch checkout beside the shipped apps THEN synth renders and verifies them all', () => {
    const root = scratchCheckout(fs.readFileSync(path.join(REPO, 'site.yaml'), 'utf8'));
    const names = APPS.map((e) => e.mode.slice('app='.length));
    expect(new Set(names).size).toBe(names.length);
    for (const e of APPS) fs.writeFileSync(path.join(root, 'apps', `${e.mode.slice('app='.length)}.yaml`), e.body);
    expect(synthProblem(root)).toBeUndefined();
  }, 600_000);

  test.each(SITES.map((e) => [where(e), e] as const))('GIVEN the whole site.yaml at %s WHEN synth runs on it in a scratch checkout THEN it renders and verifies', (_w, e) => {
    expect(synthProblem(scratchCheckout(e.body, 'none'))).toBeUndefined();
  }, 600_000);

  test.each(PATCHES.map((e) => [where(e), e] as const))('GIVEN the site.yaml change at %s WHEN applied to the shipped site.yaml and synthesised THEN it renders and verifies', (_w, e) => {
    const shipped = parse(fs.readFileSync(path.join(REPO, 'site.yaml'), 'utf8'));
    const patched = stringify(mergePatch(shipped, parse(e.body)));
    expect(() => parseSite(patched, 'site.yaml')).not.toThrow();
    expect(synthProblem(scratchCheckout(patched))).toBeUndefined();
  }, 600_000);

  test('GIVEN every shell example WHEN its npm commands are read THEN each names an npm script, and only options its command knows', () => {
    const problems: string[] = [];
    for (const e of SHELL) {
      for (const c of shellCommands(e.body)) {
        const tsys = tsysInvocation(c.words);
        if (tsys) {
          if (tsys.name === undefined || tsys.name === 'help') continue;
          const command = COMMANDS.find((k) => k.name === tsys.name);
          if (!command) {
            problems.push(`${where(e)}: \`${c.text}\` names no tsys command (lib/command-line/commands.ts has ${COMMANDS.map((k) => k.name).join(', ')})`);
            continue;
          }
          const known = new Set(['--help', '-h', ...(command.options ?? []).map((o) => `--${o.name}`)]);
          for (const option of optionsOf(tsys.args)) {
            if (!known.has(option)) problems.push(`${where(e)}: \`${c.text}\`: tsys ${command.name} knows no option ${option} (lib/command-line/commands.ts)`);
          }
          continue;
        }
        const [tool, sub, script] = c.words;
        if (tool !== 'npm') {
          if (!notOffline(e)) problems.push(`${where(e)}: \`${c.text}\` is not an npm or tsys command: run it in the tests, or mark the block needs-<what>: <reason>`);
          continue;
        }
        if (sub === 'ci' || sub === 'test') continue;
        // `npm link`, `npm publish`...: not the platform's commands; allowed where the block says why it cannot run offline.
        if (sub !== 'run' && notOffline(e)) continue;
        if (sub !== 'run' || !PACKAGE.scripts[script]) {
          problems.push(`${where(e)}: \`${c.text}\` names no npm script (package.json has ${Object.keys(PACKAGE.scripts).join(', ')})`);
          continue;
        }
        const command = tsysCommand(PACKAGE.scripts[script]);
        if (!command) continue;
        const known = new Set(['--help', '-h', ...(command.options ?? []).map((o) => `--${o.name}`)]);
        for (const option of optionsOf(c.words.slice(3))) {
          if (!known.has(option)) problems.push(`${where(e)}: \`${c.text}\`: npm run ${script} (tsys ${command.name}) knows no option ${option} (lib/command-line/commands.ts)`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(SHELL.length).toBeGreaterThan(10);
  });

  test.each(RUN_OFFLINE.flatMap((e) => shellCommands(e.body).map((c) => [where(e), c.text, c] as const)))('GIVEN the offline example at %s WHEN `%s` runs THEN it answers without a usage error or a stack trace', (_w, _t, c) => {
    const [, , script, ...rest] = c.words;
    const args = rest[0] === '--' ? rest.slice(1) : rest;
    const command = tsysCommand(PACKAGE.scripts[script]);
    expect(command).toBeDefined();
    const run = spawnSync(process.execPath, [path.join(REPO, 'bin', 'tsys.js'), command!.name, ...args], { cwd: REPO, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(run.stderr).not.toMatch(/\n\s+at /);
    // 0: nothing breaks; 1: the simulation found an outage (whatif's documented answer, docs/cli.md). 2 is a usage error.
    expect([0, 1]).toContain(run.status);
  }, 300_000);
});

describe('what the hand-written docs state about the rendered platform', () => {
  test('GIVEN every relative link of the hand-written docs WHEN followed THEN the file and the anchor exist', () => {
    const broken: string[] = [];
    for (const file of DOCS) {
      const text = fs.readFileSync(path.join(REPO, file), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const [target, anchor] = m[1].split('#');
        if (/^[a-z]+:/.test(m[1])) continue;
        const resolved = target ? path.join(path.dirname(file), target) : file;
        if (!fs.existsSync(path.join(REPO, resolved))) broken.push(`${file}: ${m[1]} (no ${resolved})`);
        else if (anchor && resolved.endsWith('.md') && !anchorsOf(fs.readFileSync(path.join(REPO, resolved), 'utf8')).has(anchor)) broken.push(`${file}: ${m[1]} (no heading #${anchor} in ${resolved})`);
      }
    }
    expect(broken).toEqual([]);
  });

  test('GIVEN the drill sample in docs/operations.md WHEN the drill runs against a fake cluster for the shipped whiteboard THEN it prints exactly that', async () => {
    const [sample] = ofKind('text', (m) => m === 'drill-sample');
    expect(sample).toBeDefined();
    expect(sample.body).toBe(`${await drillSample()}\n`);
  });

  test('GIVEN the whiteboard in docs/apps.md WHEN its recovery is computed from the rendered Deployment THEN the doc names the same steps and total', () => {
    const expected = expectedRecovery(path.join(REPO, 'dist'), 'whiteboard', 'prod', 'power-off')!;
    const doc = fs.readFileSync(path.join(REPO, 'docs/apps.md'), 'utf8').replace(/\s+/g, ' ');
    expect(doc).toContain(`${expected.explanation} = ${expected.seconds} s`);
  });

  test('GIVEN the failed synth shown in docs/adapting-to-your-site.md WHEN the shipped site loses db3 THEN the loader reports exactly that problem', () => {
    const text = fs.readFileSync(path.join(REPO, 'site.yaml'), 'utf8').replace(/\n  - name: db3\n(    .*\n)+/, '\n');
    let message = '';
    try {
      parseSite(text, 'site.yaml');
    } catch (e) {
      message = (e as Error).message;
    }
    const [sample] = EXAMPLES.filter((e) => e.file === 'docs/adapting-to-your-site.md' && e.lang === 'text' && e.body.startsWith('synth failed: invalid configuration'));
    expect(message).not.toBe('');
    expect(sample.body).toContain(`synth failed: ${message}\n`);
  });

  test('GIVEN Jenkins in docs/layers.md and docs/decisions.md WHEN compared with its recovery model THEN the figures are the rendered ones', () => {
    for (const file of ['docs/layers.md', 'docs/decisions.md']) {
      const doc = fs.readFileSync(path.join(REPO, file), 'utf8').replace(/\s+/g, ' ');
      expect(doc).toContain(`${JENKINS_RECOVERY_SECONDS} s`);
      expect(doc).toContain(`${JENKINS_RECOVERY_BUDGET.seconds} s`);
    }
  });
});
