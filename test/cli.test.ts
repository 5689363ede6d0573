import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { COMMANDS } from '../lib/command-line/commands';
import type { AnyInvocation, Runners } from '../lib/command-line/invocation';
import { runProgram } from '../lib/command-line/program';
import type { CommandSpec, OptionSpec } from '../lib/command-line/spec';
import { npmStartedIn, RUNNERS } from '../scripts/tsys';
import { REPO } from './helpers';

/** A command line run in-process: what it printed and which actions ran (none of the real ones: every runner is a spy). */
async function tsys(...argv: string[]): Promise<{ code: number; out: string; err: string; ran: { command: string; invocation: AnyInvocation }[] }> {
  let out = '';
  let err = '';
  const ran: { command: string; invocation: AnyInvocation }[] = [];
  const spies = Object.fromEntries(COMMANDS.map((c) => [c.name, (invocation: AnyInvocation) => {
    ran.push({ command: c.name, invocation });
    return 0;
  }])) as unknown as Runners;
  const code = await runProgram(argv, spies, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; } });
  return { code, out, err, ran };
}

/** What a command needs to get past its required arguments and options: `<name>`s and required `--option value`s. */
function required(spec: CommandSpec): string[] {
  return [
    ...(spec.arguments ?? []).map((a) => `some-${a.name}`),
    ...(spec.options ?? []).filter((o) => o.required).flatMap((o) => [`--${o.name}`, o.choices?.[0] ?? o.shape?.example ?? 'x']),
  ];
}

/** What the runner gets for `required(spec)`: every option under its long name, flags false, the others undefined. */
function requiredInvocation(spec: CommandSpec): AnyInvocation {
  return {
    positionals: (spec.arguments ?? []).map((a) => `some-${a.name}`),
    options: Object.fromEntries((spec.options ?? []).map((o) => [o.name, o.required ? o.choices?.[0] ?? typed(o, o.shape?.example ?? 'x') : o.value ? (o.repeatable ? [] : undefined) : false])),
  };
}

/** A value as the runner gets it: a number for an option whose shape is a number. */
function typed(o: OptionSpec, value: string): string | number {
  return o.shape?.number ? Number(value) : value;
}

/** `git status` of the checkout: a command line that is refused or asks for help must not change it. */
const gitStatus = () => spawnSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: REPO, encoding: 'utf8' }).stdout;

/** One line, no stack trace. */
const ONE_LINE = /^[^\n]+\n$/;

describe('tsys: one command line for every command', () => {
  const before = gitStatus();
  afterAll(() => expect(gitStatus()).toBe(before));

  test('GIVEN the entry WHEN wired THEN every command of the table has a runner and every npm script of a command calls the entry', () => {
    expect(Object.keys(RUNNERS).sort()).toEqual(COMMANDS.map((c) => c.name).sort());
    const scripts = (require(path.join(REPO, 'package.json')) as { scripts: Record<string, string>; bin: Record<string, string> });
    expect(scripts.bin).toEqual({ tsys: 'bin/tsys.js' });
    // `node --`: Node reads no option of its own after it (a script's --env-file included, below).
    for (const c of COMMANDS) expect(scripts.scripts[c.name]).toBe(`node -- bin/tsys.js ${c.name}`);
    expect(scripts.scripts.tsys).toBe('node -- bin/tsys.js');
  });

  test('GIVEN --help and -h on the root THEN the commands, the exit codes and examples are printed, exit 0; no command is a usage error (exit 2)', async () => {
    for (const flag of ['--help', '-h']) {
      const r = await tsys(flag);
      expect(r.code).toBe(0);
      for (const c of COMMANDS) expect(r.out).toMatch(new RegExp(`^  ${c.name}\\b`, 'm'));
      expect(r.out).toContain('Exit codes (every command):');
      expect(r.out).toContain('2  the command line is wrong');
      expect(r.out).toContain('Examples:');
      expect(r.ran).toEqual([]);
    }
    const none = await tsys();
    expect(none.code).toBe(2);
    expect(none.err).toContain('Usage: tsys <command> [options]');
    const unknown = await tsys('synthesize');
    expect(unknown).toMatchObject({ code: 2, err: expect.stringMatching(ONE_LINE) });
    expect(unknown.err).toContain("unknown command 'synthesize'");
  });

  describe.each(COMMANDS.map((c) => [c.name, c] as const))('%s', (name, spec) => {
    test('GIVEN --help or -h THEN usage, options and an example are printed, exit 0, and the command does not run', async () => {
      for (const flag of ['--help', '-h']) {
        const r = await tsys(name, ...required(spec), flag);
        expect(r.code).toBe(0);
        expect(r.out).toContain(`Usage: tsys ${name}`);
        expect(r.out).toContain('Examples:');
        expect(r.out).toContain(`tsys ${spec.examples[0]}`);
        for (const o of spec.options ?? []) expect(r.out).toContain(`--${o.name}`);
        expect(r.err).toBe('');
        expect(r.ran).toEqual([]);
      }
      expect((await tsys('help', name)).out).toContain(`Usage: tsys ${name}`);
    });

    test('GIVEN an unknown option THEN one line on stderr naming it, no stack trace, exit 2, and the command does not run', async () => {
      const r = await tsys(name, ...required(spec), '--no-such-option');
      expect(r).toMatchObject({ code: 2, out: '', ran: [] });
      expect(r.err).toMatch(ONE_LINE);
      expect(r.err).toContain(`${name}: unknown option '--no-such-option'`);
      expect(r.err).not.toMatch(/\n\s+at /);
    });

    test('GIVEN a stray argument THEN one line on stderr, exit 2, and the command does not run', async () => {
      const r = await tsys(name, ...required(spec), 'stray');
      expect(r).toMatchObject({ code: 2, out: '', ran: [] });
      expect(r.err).toMatch(ONE_LINE);
      expect(r.err).toContain('too many arguments');
    });

    const valued = (spec.options ?? []).find((o) => o.value);
    (valued ? test : test.skip)('GIVEN an option without its value (at the end, or followed by another option) THEN one line, exit 2, and the command does not run', async () => {
      const flag = `--${valued!.name}`;
      const others = required(spec).filter((_, i, all) => all[i] !== flag && all[i - 1] !== flag);
      const atEnd = await tsys(name, ...others, flag);
      expect(atEnd).toMatchObject({ code: 2, out: '', ran: [] });
      expect(atEnd.err).toMatch(ONE_LINE);
      expect(atEnd.err).toContain(`option '${flag} ${valued!.value}' argument missing`);
      const followed = await tsys(name, ...others, flag, '--help');
      // `--x --help`: the help wins and nothing runs; `--x --other` with a value option is refused.
      expect(followed.ran).toEqual([]);
    });

    test('GIVEN a valid command line THEN the command runs once with its typed values', async () => {
      const r = await tsys(name, ...required(spec));
      expect(r.code).toBe(0);
      expect(r.ran).toEqual([{ command: name, invocation: requiredInvocation(spec) }]);
    });
  });

  test('GIVEN --name=value, options before arguments and a value that is an option THEN the runner gets typed values by long name; a value may not be another option', async () => {
    expect((await tsys('whatif', '--fail=www1,www2', '--all')).ran).toEqual([{ command: 'whatif', invocation: { positionals: [], options: { fail: 'www1,www2', all: true, 'bring-up': false, root: undefined } } }]);
    expect((await tsys('release', '--dry-run', 'whiteboard', 'v2.18.0')).ran[0].invocation).toMatchObject({ positionals: ['whiteboard', 'v2.18.0'], options: { 'dry-run': true, 'allow-repository-change': false, site: undefined } });
    expect((await tsys('pr-comment', '--pr', '3', '--sha', 'abc1234', '--body', '-')).ran[0].invocation.options).toMatchObject({ pr: 3, sha: 'abc1234', body: '-', risky: false });
    const swallowed = await tsys('whatif', '--fail', '--all');
    expect(swallowed).toMatchObject({ code: 2, ran: [] });
    expect(swallowed.err).toContain('it needs a value, but "--all" follows it');
    const choice = await tsys('diff', '--format', 'html');
    expect(choice).toMatchObject({ code: 2, ran: [] });
    expect(choice.err).toContain('Allowed choices are markdown, terminal');
  });

  test('GIVEN an option that is not repeatable given twice (whatif --fail db1 --fail db2) THEN the command line is refused (exit 2), not run with the last value alone', async () => {
    const twice = await tsys('whatif', '--fail', 'db1', '--fail', 'db2');
    expect(twice).toMatchObject({ code: 2, ran: [] });
    expect(twice.err).toMatch(ONE_LINE);
    expect(twice.err).toContain('--fail is given twice ("db1", then "db2"); give it once, with every value in it, comma-separated');
    // Also with the same value, and for a choice; a repeatable option keeps every value.
    expect(await tsys('synth', '--root', '.', '--root', '.')).toMatchObject({ code: 2, ran: [] });
    expect(await tsys('diff', '--format', 'markdown', '--format', 'terminal')).toMatchObject({ code: 2, ran: [] });
    expect((await tsys('import-compose', 'c.yml', '--file', 'a.yml', '--file', 'b.yml')).ran[0].invocation.options.file).toEqual(['a.yml', 'b.yml']);
  });

  test('GIVEN options that exclude each other (promote --full --abort) or help of a command that does not exist THEN one line, exit 2, nothing runs', async () => {
    for (const argv of [['promote', 'shop', '--full', '--abort'], ['promote', 'shop', '--abort', '--full']]) {
      const r = await tsys(...argv);
      expect(r).toMatchObject({ code: 2, ran: [] });
      expect(r.err).toMatch(ONE_LINE);
      expect(r.err).toContain("option '--abort' cannot be used with option '--full'");
    }
    const help = await tsys('help', 'nosuch');
    expect(help).toMatchObject({ code: 2, ran: [], out: '' });
    expect(help.err).toBe("tsys: unknown command 'nosuch' (tsys --help lists the commands)\n");
  });

  test('GIVEN a flag given a value (whatif --all=yes: it was called an unknown option) THEN one line saying the flag takes no value, exit 2; after -- it is an argument', async () => {
    for (const c of COMMANDS) {
      for (const o of (c.options ?? []).filter((x) => !x.value)) {
        const r = await tsys(c.name, ...required(c), `--${o.name}=yes`);
        expect(r).toMatchObject({ code: 2, ran: [], out: '' });
        expect(r.err).toBe(`${c.name}: option '--${o.name}' takes no value, but '--${o.name}=yes' gives it one; give --${o.name} alone, or leave it out (tsys ${c.name} --help shows the usage)\n`);
      }
    }
    expect((await tsys('whatif', '--', '--all=x')).err).toContain('too many arguments');
  });

  test('GIVEN --version and -V (it said "unknown option \'--version\'", exit 2) THEN the version of package.json on stdout, exit 0, nothing runs; the help lists it', async () => {
    const { version } = require(path.join(REPO, 'package.json')) as { version: string };
    for (const flag of ['--version', '-V']) expect(await tsys(flag)).toEqual({ code: 0, out: `${version}\n`, err: '', ran: [] });
    expect((await tsys('--help')).out).toMatch(/^ {2}-V, --version +print the version of tsys \(package\.json\) and run nothing$/m);
  });

  test('GIVEN tsys help help (it printed the help on stderr as an error) THEN the whole help on stdout, exit 0', async () => {
    const r = await tsys('help', 'help');
    expect(r).toMatchObject({ code: 0, err: '', ran: [] });
    expect(r.out).toContain('Usage: tsys <command> [options]');
  });

  test.each(COMMANDS.flatMap((c) => (c.options ?? []).filter((o) => o.value).map((o): [string, string] => [c.name, o.name])))('GIVEN %s --%s with an empty value THEN the command line is refused (exit 2): an unset shell variable is not a path, a name or a node', async (name, option) => {
    const spec = COMMANDS.find((c) => c.name === name)!;
    const others = required(spec).filter((_, i, all) => !(all[i - 1] === `--${option}` || all[i] === `--${option}`));
    const r = await tsys(name, ...others, `--${option}`, '');
    expect(r).toMatchObject({ code: 2, ran: [] });
    expect(r.err).toMatch(ONE_LINE);
  });

  test.each(COMMANDS.flatMap((c) => (c.arguments ?? []).map((a): [string, string] => [c.name, a.name])))('GIVEN %s with an empty <%s> THEN the command line is refused (exit 2) and says which argument', async (name, argument) => {
    const spec = COMMANDS.find((c) => c.name === name)!;
    const argv = required(spec).map((x) => (x === `some-${argument}` ? '' : x));
    const r = await tsys(name, ...argv);
    expect(r).toMatchObject({ code: 2, ran: [] });
    expect(r.err).toMatch(ONE_LINE);
    expect(r.err).toContain(`<${argument}> is empty`);
  });
});

/** Every option of a fixed shape (names, domains, numbers of seconds, URLs), by command. */
const SHAPED = COMMANDS.flatMap((c) => (c.options ?? []).filter((o) => o.shape).map((o): [string, string, OptionSpec] => [c.name, o.name, o]));

describe('tsys: values of a fixed shape are checked by the command line, before the command runs', () => {
  test('GIVEN the shapes THEN every name, domain, number, URL and version option has one (the runners check none of these again)', () => {
    expect(SHAPED.map(([name, option]) => `${name} --${option}`)).toEqual(expect.arrayContaining([
      'import-compose --prefix', 'import-compose --domain', 'import-compose --image', 'drill --timeout', 'drill --interval', 'drill --app', 'drill --node',
      'drill --board', 'drill --check-path', 'drill --url', 'whatif --fail', 'pr-comment --pr', 'pr-comment --sha', 'pr-comment --target-url',
      'pr-comment --gitea-api-url', 'pr-comment --github-api-url', 'mirror --gitea-api-url', 'mirror --mirror-user', 'status --project',
    ]));
    const args = COMMANDS.flatMap((c) => (c.arguments ?? []).filter((a) => a.shape).map((a) => `${c.name} <${a.name}>`));
    expect(args).toEqual(expect.arrayContaining(['promote <app>', 'release <app>', 'vendor <version>']));
  });

  test.each(SHAPED)('GIVEN %s --%s with its example value, as --opt value and as --opt=value THEN the command runs with it (a number for a number of seconds)', async (name, option, o) => {
    const spec = COMMANDS.find((c) => c.name === name)!;
    const others = required(spec).filter((_, i, all) => !(all[i - 1] === `--${option}` || all[i] === `--${option}`));
    for (const argv of [[`--${option}`, o.shape!.example], [`--${option}=${o.shape!.example}`]]) {
      const r = await tsys(name, ...others, ...argv);
      expect(r).toMatchObject({ code: 0, err: '' });
      const given = r.ran[0].invocation.options[option];
      expect(o.repeatable ? given : [given]).toEqual([typed(o, o.shape!.example)]);
    }
  });

  test.each(SHAPED)('GIVEN %s --%s with a value not of its shape THEN one line naming the option, the value and what it must be, exit 2, nothing runs (it was exit 1 from the runner, or ran)', async (name, option, o) => {
    const spec = COMMANDS.find((c) => c.name === name)!;
    const others = required(spec).filter((_, i, all) => !(all[i - 1] === `--${option}` || all[i] === `--${option}`));
    const r = await tsys(name, ...others, `--${option}`, 'Bad Value!');
    expect(r).toMatchObject({ code: 2, out: '', ran: [] });
    expect(r.err).toMatch(ONE_LINE);
    expect(r.err).toContain(`${name}: option '--${option} ${o.value}' argument 'Bad Value!' is invalid. It must be ${o.shape!.allowed}, e.g. --${option} ${o.shape!.example}.`);
  });

  test('GIVEN import-compose --prefix "Bad!" (it ran, then exited 1 from the runner) THEN exit 2 saying what a prefix may be', async () => {
    const r = await tsys('import-compose', 'docker-compose.yml', '--prefix', 'Bad!');
    expect(r).toMatchObject({ code: 2, ran: [] });
    expect(r.err).toBe('import-compose: option \'--prefix <name>\' argument \'Bad!\' is invalid. It must be lower-case letters, digits and "-", starting with a letter, at most 21 characters, e.g. --prefix shop. (tsys import-compose --help shows the usage)\n');
    for (const bad of ['shop_', '-shop', '1shop', 'a'.repeat(22), 'Shop']) expect(await tsys('import-compose', 'c.yml', '--prefix', bad)).toMatchObject({ code: 2, ran: [] });
    expect((await tsys('import-compose', 'c.yml', '--prefix', 'shop-')).ran[0].invocation.options.prefix).toBe('shop-');
    // --image: each service once, its image pinned.
    const twice = await tsys('import-compose', 'c.yml', '--image', 'web=nginx:1.27.3', '--image', 'web=nginx:1.27.4');
    expect(twice).toMatchObject({ code: 2, ran: [] });
    expect(twice.err).toContain('--image names web twice ("web=nginx:1.27.3", then "web=nginx:1.27.4"); give each once');
    for (const bad of ['web=nginx:latest', 'web=nginx', '=nginx:1.27.3', 'web=']) expect(await tsys('import-compose', 'c.yml', '--image', bad)).toMatchObject({ code: 2, ran: [] });
  });

  test('GIVEN drill --timeout -5 (it said the value was missing), --timeout=-5, 0, 1e9, NaN, 5s, Infinity THEN exit 2: a positive number of seconds, at most a day; 0.5 and 600 run as numbers', async () => {
    const drill = (...argv: string[]) => tsys('drill', '--app', 'whiteboard', '--node', 'www1', '--board', 'b', ...argv);
    const must = 'It must be a positive number of seconds, at most 86400 (a day), in digits without a unit, e.g. --timeout 600.';
    for (const argv of [['--timeout', '-5'], ['--timeout=-5'], ['--timeout', '0'], ['--timeout', '1e9'], ['--timeout', '86401'], ['--timeout', 'NaN'], ['--timeout', '5s'], ['--timeout', 'Infinity'], ['--timeout', '-0.5'], ['--timeout', '0x10']]) {
      const r = await drill(...argv);
      expect(r).toMatchObject({ code: 2, ran: [] });
      expect(r.err).toBe(`drill: option '--timeout <seconds>' argument '${argv.join('').replace(/^--timeout=?/, '')}' is invalid. ${must} (tsys drill --help shows the usage)\n`);
    }
    expect((await drill('--interval', '-1')).err).toContain("argument '-1' is invalid. It must be a positive number of seconds, at most 3600 (an hour)");
    // A value starting with a dash that is not a number is still another option: the value is missing.
    expect((await drill('--timeout', '-x')).err).toContain('it needs a value, but "-x" follows it');
    expect((await drill('--timeout', '600', '--interval', '0.5')).ran[0].invocation.options).toMatchObject({ timeout: 600, interval: 0.5 });
    expect((await drill('--timeout=86400', '--interval=.5')).ran[0].invocation.options).toMatchObject({ timeout: 86400, interval: 0.5 });
    expect((await drill()).ran[0].invocation.options).toMatchObject({ timeout: undefined, interval: undefined });
  });

  test('GIVEN options that exclude each other (bench --quick --ha, drill --board --check-path: each was refused by the runner) THEN one line, exit 2, nothing runs', async () => {
    const bench = await tsys('bench', '--quick', '--ha');
    expect(bench).toMatchObject({ code: 2, ran: [] });
    expect(bench.err).toBe("bench: option '--quick' cannot be used with option '--ha' (tsys bench --help shows the usage)\n");
    const drill = await tsys('drill', '--app', 'whiteboard', '--node', 'www1', '--board', 'b', '--check-path', '/x');
    expect(drill).toMatchObject({ code: 2, ran: [] });
    expect(drill.err).toMatch(ONE_LINE);
    expect(drill.err).toContain("option '--check-path <path>' cannot be used with option '--board <name>'");
  });

  test('GIVEN an argument not of its shape (promote "My App", vendor metallb "1.0 beta") THEN one line naming the argument and what it must be, exit 2', async () => {
    const promote = await tsys('promote', 'My App');
    expect(promote).toMatchObject({ code: 2, ran: [] });
    expect(promote.err).toContain("command-argument value 'My App' is invalid for argument 'app'. It must be an app name: lower-case letters, digits and \"-\", starting with a letter, at most 40 characters");
    const vendor = await tsys('vendor', 'metallb', '1.0 beta');
    expect(vendor).toMatchObject({ code: 2, ran: [] });
    expect(vendor.err).toContain("argument 'version'. It must be a release");
    expect((await tsys('release', 'wiki', 'v2')).ran[0].invocation.positionals).toEqual(['wiki', 'v2']);
  });

  test('GIVEN whatif --fail with names around spaces THEN it runs (as before); an empty entry is refused', async () => {
    expect((await tsys('whatif', '--fail', 'www1, www2')).ran[0].invocation.options.fail).toBe('www1, www2');
    for (const bad of ['www1,', ',www1', 'www1,,www2', 'WWW1']) expect(await tsys('whatif', '--fail', bad)).toMatchObject({ code: 2, ran: [] });
  });
});

describe('tsys as a process (bin/tsys.js and the npm scripts)', () => {
  const node = (args: string[]) => spawnSync(process.execPath, [path.join(REPO, 'bin', 'tsys.js'), ...args], { cwd: REPO, encoding: 'utf8' });

  test('GIVEN npm run import -- --help THEN it prints the usage and leaves imports/ alone (it used to rewrite it)', () => {
    const before = spawnSync('git', ['status', '--porcelain', '--', 'imports'], { cwd: REPO, encoding: 'utf8' }).stdout;
    const r = node(['import', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: tsys import');
    expect(spawnSync('git', ['status', '--porcelain', '--', 'imports'], { cwd: REPO, encoding: 'utf8' }).stdout).toBe(before);
  });

  test('GIVEN tsys --version (it was an unknown option, exit 2) THEN the version of package.json, exit 0', () => {
    const { version } = require(path.join(REPO, 'package.json')) as { version: string };
    const r = node(['--version']);
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' });
  });

  test('GIVEN a stray argument to whatif (it used to simulate every node) THEN exit 2 with one line on stderr', () => {
    const r = node(['whatif', 'www1']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("whatif: too many arguments for 'whatif'. Expected 0 arguments but got 1. (tsys whatif --help shows the usage)\n");
  });

  test('GIVEN --fail without a value (it used to end in a stack trace) THEN exit 2 with one line', () => {
    const r = node(['whatif', '--fail']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("whatif: option '--fail <nodes>' argument missing (tsys whatif --help shows the usage)\n");
  });

  test('GIVEN npm run whatif -- --fail www1 THEN the simulation runs as before', () => {
    const r = spawnSync('npm', ['run', '--silent', 'whatif', '--', '--fail', 'www1'], { cwd: REPO, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Losing www1');
  });

  test('GIVEN verify --root on a folder without a render (it used to say "valid") THEN exit 1 naming it', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'no-render-'));
    try {
      const r = node(['verify', '--root', empty]);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`verify failed: ${empty} has no dist/ folder: give the top folder of a checkout with --root, or run npm run synth there first\n`);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  const ROOTED = COMMANDS.filter((c) => c.name !== 'synth' && (c.options ?? []).some((o) => o.name === 'root'));
  test.each(ROOTED.map((c) => [c.name, c] as const))('GIVEN %s --root that does not exist, is a file or is inside one (whatif and backup-report said "run npm run synth first", publish "install git", promote and drill blamed site.yaml) THEN exit 1 naming --root and what to give', (name, spec) => {
    const args = [...(spec.arguments ?? []).map((a) => a.shape?.example ?? `some-${a.name}`), ...(spec.options ?? []).filter((o) => o.required).flatMap((o) => [`--${o.name}`, o.shape?.example ?? 'x'])];
    const env = { ...process.env, ARGOCD_SERVER: 'https://127.0.0.1:9', ARGOCD_AUTH_TOKEN: 'x' };
    for (const [root, why] of [[path.join(REPO, 'no-such-checkout'), 'does not exist'], ['site.yaml', 'is a file, not a folder'], ['site.yaml/x', 'is inside a file, not a folder']]) {
      const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'tsys.js'), name, ...args, ...(name === 'drill' ? ['--board', 'b'] : []), '--root', root], { cwd: REPO, encoding: 'utf8', env });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(ONE_LINE);
      expect(r.stderr).toMatch(new RegExp(`^${name}(:| failed:) --root ${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} ${why}: give the top folder of a checkout \\(the folder of site\\.yaml and apps/\\)\n$`));
    }
  });

  test('GIVEN synth --root a folder that does not exist, or a file (it used to blame .render.lock, and to tell the user to remove site.yaml) THEN exit 1 naming --root and what to give, nothing written', () => {
    for (const [root, why] of [[path.join(REPO, 'no-such-checkout'), 'does not exist'], ['site.yaml', 'is a file, not a folder'], ['site.yaml/x', 'is inside a file, not a folder']]) {
      const r = node(['synth', '--root', root]);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`synth failed: --root ${root} ${why}: give the top folder of a checkout (the folder of site.yaml and apps/); nothing was written\n`);
    }
  });

  test('GIVEN .render.lock is a folder (it said "a file under <root> is a folder", without naming the lock) THEN synth exits 1 with one line naming the lock and how to remove it, no stack trace', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lock folder '));
    try {
      fs.mkdirSync(path.join(root, '.render.lock'));
      const r = node(['synth', '--root', root]);
      expect(r.status).toBe(1);
      const lock = path.join(root, '.render.lock');
      expect(r.stderr).toBe(`synth: refused: ${lock} is a folder, not the lock file synth writes (a file holding the pid of the synth writing this checkout): remove it (rm -r '${lock}') and run this again\n`);
      expect(fs.statSync(lock).isDirectory()).toBe(true);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test('GIVEN npm run <command> from a subfolder with a relative path (cd apps && npm run backup-report -- --root ..: it resolved .. from the package\'s folder, /work) THEN the path is relative to where it was typed', () => {
    const r = spawnSync('npm', ['run', '--silent', 'backup-report', '--', '--root', '..', '--json'], { cwd: path.join(REPO, 'apps'), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(expect.any(Array));
  });

  test('GIVEN INIT_CWD from an npm script that is not this command (npm test running a tsys) THEN the paths stay relative to the process\'s folder', () => {
    expect(npmStartedIn({ INIT_CWD: '/elsewhere', npm_lifecycle_event: 'test' }, ['synth'])).toBeUndefined();
    expect(npmStartedIn({ INIT_CWD: '/elsewhere', npm_lifecycle_event: 'synth' }, ['synth'])).toBe('/elsewhere');
    expect(npmStartedIn({ INIT_CWD: '/elsewhere', npm_lifecycle_event: 'tsys' }, ['verify'])).toBe('/elsewhere');
    expect(npmStartedIn({ npm_lifecycle_event: 'synth' }, ['synth'])).toBeUndefined();
  });

  test('GIVEN npm run import-compose -- <file> --env-file <missing> (Node took --env-file for its own: "node: <file>: not found", exit 9, before the command ran) THEN the command names the env file, exit 1', () => {
    const r = spawnSync('npm', ['run', '--silent', 'import-compose', '--', 'test/fixtures/compose/gitea/docker-compose.yml', '--env-file', 'no-such.env', '--out', path.join(os.tmpdir(), 'never-written')], { cwd: REPO, encoding: 'utf8' });
    expect(r.stderr).toBe('import-compose: cannot read no-such.env (ENOENT): name the env file\n');
    expect(r.status).toBe(1);
    expect(fs.existsSync(path.join(os.tmpdir(), 'never-written'))).toBe(false);
  });

  test('GIVEN the output cannot be written (stdout to /dev/full) THEN exit 1 with one line saying so on stderr, no stack trace', () => {
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${path.join(REPO, 'bin', 'tsys.js')}" versions > /dev/full`], { cwd: REPO, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(ONE_LINE);
    expect(r.stderr).toMatch(/^tsys: cannot write the command's output \(ENOSPC: no space left on device\)/);
  });
});
