import * as fs from 'fs';
import { spawn, spawnSync } from 'child_process';
import * as path from 'path';
import { formatCliError } from '../../lib/cli-errors';
import { OutputError } from '../../lib/render/output-error';
import { LOCK_FILE, OutputLockError, takeOutputLock, withOutputLock } from '../../lib/render/output-lock';
import type { RenderedFile } from '../../lib/render/rendered-file';
import { JOURNAL_FILE, recoverBeforeCommand } from '../../lib/render/swap';
import { writeAtomically } from '../../lib/render/write';
import { snapshotTree, thrownBy, writeTree } from '../helpers';

// A full disk, as root cannot make one: fs is replaced by a copy whose writing functions a test
// may make fail. Node's write errors (write, fsync) carry no path: the code must name the file.
jest.mock('fs', () => {
  const real = jest.requireActual<typeof import('fs')>('fs');
  return { ...real, openSync: jest.fn(real.openSync), writeFileSync: jest.fn(real.writeFileSync), writeSync: jest.fn(real.writeSync), renameSync: jest.fn(real.renameSync), linkSync: jest.fn(real.linkSync), rmSync: jest.fn(real.rmSync), readFileSync: jest.fn(real.readFileSync) };
});
const realFs = jest.requireActual<typeof import('fs')>('fs');

/**
 * Environment faults while synth writes its temporary folder, its journal and its lock: one
 * message naming the file and what to do, and every output as it was.
 */

const OLD = { 'dist/apps/a.yaml': 'old a\n', 'argocd/app.yaml': 'old app\n', 'apps.lock.yaml': 'old lock\n' };
const FILES: RenderedFile[] = [
  { path: 'dist/apps/a.yaml', content: 'new a\n' },
  { path: 'dist/apps/b.yaml', content: 'new b\n' },
  { path: 'argocd/app.yaml', content: 'new app\n' },
  { path: 'apps.lock.yaml', content: 'new lock\n' },
];

/** An error like Node's for a failed write(2): a code and a syscall, no path. */
function writeError(code: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`${code}: simulated, write`);
  e.code = code;
  e.syscall = 'write';
  return e;
}

const roots: string[] = [];
afterEach(() => {
  jest.mocked(fs.openSync).mockImplementation(realFs.openSync);
  jest.mocked(fs.writeFileSync).mockImplementation(realFs.writeFileSync);
  jest.mocked(fs.writeSync).mockImplementation(realFs.writeSync as typeof fs.writeSync);
  jest.mocked(fs.renameSync).mockImplementation(realFs.renameSync);
  jest.mocked(fs.linkSync).mockImplementation(realFs.linkSync);
  jest.mocked(fs.rmSync).mockImplementation(realFs.rmSync);
  jest.mocked(fs.readFileSync).mockImplementation(realFs.readFileSync);
  for (const r of roots.splice(0)) realFs.rmSync(r, { recursive: true, force: true });
});

/** What `writeAtomically` of FILES into `root` throws (undefined when it does not). */
function writeErrorIn(root: string): unknown {
  return thrownBy(() => writeAtomically(root, FILES, () => undefined));
}

/** GIVEN the OLD checkout WHEN writeAtomically fails THEN the error, with the checkout unchanged (the lock and temporary folder gone). */
function failedWrite(): { error: unknown; root: string } {
  const root = writeTree(OLD);
  roots.push(root);
  const before = snapshotTree(root);
  const error = writeErrorIn(root);
  expect(error).toBeDefined();
  expect(snapshotTree(root)).toEqual(before);
  expect(realFs.readdirSync(root).sort()).toEqual(['apps.lock.yaml', 'argocd', 'dist']);
  return { error, root };
}

describe('a full disk while synth writes', () => {
  test.each([1, 2, 4])('GIVEN ENOSPC at write %i of the temporary folder WHEN the outputs are written THEN the output is named with what to do, and nothing moved', (nth) => {
    // The staging opens each file, then writes it: the nth file opened in the temporary folder cannot be written.
    let n = 0;
    const failing = new Set<number>();
    jest.mocked(fs.openSync).mockImplementation(((file: fs.PathLike, flags: fs.OpenMode, mode?: fs.Mode) => {
      const fd = realFs.openSync(file, flags, mode);
      if (String(file).includes(`${path.sep}.render-`) && flags === 'w' && ++n === nth) failing.add(fd);
      return fd;
    }) as typeof fs.openSync);
    jest.mocked(fs.writeSync).mockImplementation(((...args: Parameters<typeof fs.writeSync>) => {
      if (failing.has(args[0])) throw writeError('ENOSPC');
      return (realFs.writeSync as (...a: unknown[]) => number)(...args);
    }) as typeof fs.writeSync);
    const { error, root } = failedWrite();
    expect(error).toBeInstanceOf(OutputError);
    expect((error as OutputError).outputs).toBe('unchanged');
    const written = FILES[nth - 1].path;
    expect(formatCliError(error, { command: 'synth', cwd: root, where: root, userErrors: [OutputError] })).toMatch(
      new RegExp(`^synth failed: ${written.replace(/\./g, '\\.')} \\(its new version, in the temporary folder \\.render-\\w+/\\) cannot be written: no space left on the device \\(ENOSPC\\); free some disk space`),
    );
  });

  test('GIVEN ENOSPC writing the journal WHEN the outputs are swapped THEN the journal is named, and nothing moved', () => {
    jest.mocked(fs.writeSync).mockImplementation(((...args: Parameters<typeof fs.writeSync>) => {
      if (typeof args[1] === 'string' && args[1].includes('"outputs"')) throw writeError('ENOSPC');
      return (realFs.writeSync as (...a: unknown[]) => number)(...args);
    }) as typeof fs.writeSync);
    const { error, root } = failedWrite();
    expect(formatCliError(error, { command: 'synth', cwd: root, where: root, userErrors: [OutputError] })).toMatch(
      new RegExp(`^synth failed: ${JOURNAL_FILE.replace(/\./g, '\\.')} .*cannot be written: no space left on the device \\(ENOSPC\\)`),
    );
    expect((error as OutputError).outputs).toBe('unchanged');
  });
});

describe('a full disk while synth writes its journal, and its clean-up failing too', () => {
  test('GIVEN ENOSPC writing the journal AND EACCES removing its partial file WHEN the outputs are swapped THEN the first error (ENOSPC on the journal) is the one reported, the clean-up failure added, and nothing moved', () => {
    jest.mocked(fs.writeSync).mockImplementation(((...args: Parameters<typeof fs.writeSync>) => {
      if (typeof args[1] === 'string' && args[1].includes('"outputs"')) throw writeError('ENOSPC');
      return (realFs.writeSync as (...a: unknown[]) => number)(...args);
    }) as typeof fs.writeSync);
    jest.mocked(fs.rmSync).mockImplementation(((p: fs.PathLike, o?: fs.RmOptions) => {
      if (String(p).endsWith(`${JOURNAL_FILE}.partial`)) throw rmError('EACCES', p);
      return realFs.rmSync(p, o);
    }) as typeof fs.rmSync);
    const root = writeTree(OLD);
    roots.push(root);
    const before = outputsIn(root);
    const error = writeErrorIn(root);
    expect(error).toBeInstanceOf(OutputError);
    expect((error as OutputError).outputs).toBe('unchanged');
    const message = formatCliError(error, { command: 'synth', cwd: root, where: root, userErrors: [OutputError] });
    expect(message).toMatch(new RegExp(`^synth failed: ${JOURNAL_FILE.replace(/\./g, '\\.')} .*cannot be written: no space left on the device \\(ENOSPC\\)`));
    expect(message).toMatch(new RegExp(`; its partial file ${JOURNAL_FILE.replace(/\./g, '\\.')}\\.partial could not be removed either \\(EACCES\\): delete it by hand$`));
    // Every output as it was; only the partial journal the message names is left.
    const after = outputsIn(root);
    expect(after.delete(`${JOURNAL_FILE}.partial`)).toBe(true);
    expect(after).toEqual(before);
  });
});

describe('a full disk while synth takes its lock', () => {
  test('GIVEN ENOSPC writing the pid into the lock WHEN the lock is taken THEN the lock is named, and no empty lock is left to block the next synth', () => {
    const root = writeTree(OLD);
    roots.push(root);
    jest.mocked(fs.writeFileSync).mockImplementation(((file: fs.PathOrFileDescriptor, data: string, o?: fs.WriteFileOptions) => {
      if (String(file).endsWith(LOCK_FILE)) {
        // As Node does on a full disk: the file is created, then writing its bytes fails.
        realFs.writeFileSync(file, '', o);
        throw writeError('ENOSPC');
      }
      return realFs.writeFileSync(file, data, o);
    }) as typeof fs.writeFileSync);
    jest.mocked(fs.writeSync).mockImplementation((() => {
      throw writeError('ENOSPC');
    }) as unknown as typeof fs.writeSync);
    let error: unknown;
    try {
      takeOutputLock(root);
    } catch (e) {
      error = e;
    }
    expect(formatCliError(error, { command: 'synth', cwd: root, where: root })).toMatch(new RegExp(`^synth failed: ${LOCK_FILE.replace(/\./g, '\\.')} cannot be written: no space left on the device \\(ENOSPC\\)`));
    expect(realFs.existsSync(path.join(root, LOCK_FILE))).toBe(false);
    jest.mocked(fs.writeFileSync).mockImplementation(realFs.writeFileSync);
    jest.mocked(fs.writeSync).mockImplementation(realFs.writeSync as typeof fs.writeSync);
    takeOutputLock(root)();
  });
});

describe('a lock left empty by a synth killed before it wrote its pid', () => {
  /** The OLD checkout with an empty .render.lock, its mtime `age` ms ago. */
  function emptyLock(age: number): { root: string; file: string } {
    const root = writeTree(OLD);
    roots.push(root);
    const file = path.join(root, LOCK_FILE);
    realFs.writeFileSync(file, '');
    const then = new Date(Date.now() - age);
    realFs.utimesSync(file, then, then);
    return { root, file };
  }

  test('GIVEN an empty .render.lock written 10 s ago (a synth SIGKILLed between creating it and writing its pid; every later synth said "another synth is writing this checkout" until it was deleted by hand) WHEN synth takes the lock THEN it takes it over', () => {
    const { root, file } = emptyLock(10_000);
    const release = takeOutputLock(root);
    expect(realFs.readFileSync(file, 'utf8')).toBe(String(process.pid));
    release();
    expect(realFs.existsSync(file)).toBe(false);
  });

  test('GIVEN an empty .render.lock just created, that nothing writes WHEN synth takes the lock THEN it waits a moment for a pid, then takes it over', () => {
    const { root, file } = emptyLock(0);
    const start = Date.now();
    const release = takeOutputLock(root);
    expect(Date.now() - start).toBeLessThan(5_000);
    expect(realFs.readFileSync(file, 'utf8')).toBe(String(process.pid));
    release();
  });

  test('GIVEN an empty .render.lock just created, into which a live process writes its pid a moment later WHEN synth takes the lock THEN it is refused naming that process (a lock being written is not taken over)', () => {
    const { root, file } = emptyLock(0);
    const writer = spawn('sh', ['-c', `sleep 0.2; printf %s $$ > '${file}'; sleep 10`], { stdio: 'ignore' });
    try {
      const error = thrownBy(() => takeOutputLock(root));
      expect(error).toBeInstanceOf(OutputLockError);
      expect((error as Error).message).toBe(`another synth (pid ${writer.pid}) is writing this checkout (${LOCK_FILE}): wait for it to finish and run this again; if no synth is running, delete ${file}`);
    } finally {
      writer.kill('SIGKILL');
    }
  });
});

/** An error like Node's for a failed call `syscall` on `file`. */
function fsError(code: string, syscall: string, file: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`${code}: simulated, ${syscall} '${file}'`);
  e.code = code;
  e.syscall = syscall;
  e.path = file;
  return e;
}

describe('a render lock synth cannot use, take over or remove', () => {
  /** A checkout with `lock` made at its .render.lock; the message of what taking the lock throws (an OutputLockError). */
  function refusal(lock: (file: string) => void): { message: string; file: string; root: string } {
    const root = writeTree(OLD);
    roots.push(root);
    const file = path.join(root, LOCK_FILE);
    lock(file);
    const error = thrownBy(() => takeOutputLock(root));
    expect(error).toBeInstanceOf(OutputLockError);
    return { message: (error as Error).message, file, root };
  }

  test.each([
    ['a folder (it said "a file under <root> is a folder")', (f: string) => realFs.mkdirSync(f), 'is a folder, not the lock file synth writes (a file holding the pid of the synth writing this checkout): remove it (rm -r <file>) and run this again'],
    ['a dangling symbolic link (it said the lock "does not exist (moved or deleted while the command ran?)")', (f: string) => realFs.symlinkSync('/nonexistent/lock', f), 'is a symbolic link, not the lock file synth writes (a file holding the pid of the synth writing this checkout): remove it (rm <file>) and run this again'],
    ['a FIFO (reading it would wait forever)', (f: string) => spawnSync('mkfifo', [f]), 'is a special file (a FIFO, a socket or a device), not the lock file synth writes (a file holding the pid of the synth writing this checkout): remove it (rm <file>) and run this again'],
  ])('GIVEN %s at .render.lock WHEN synth takes the lock THEN it is refused naming the file and how to remove it, and it is left alone', (_, make, said) => {
    const { message, file } = refusal(make);
    expect(message).toBe(`${file} ${said.replace('<file>', file)}`);
    expect(realFs.lstatSync(file)).toBeDefined();
  });

  test('GIVEN text that is no pid in .render.lock (it said "another synth is writing this checkout") WHEN synth takes the lock THEN it says what the file holds and to delete it', () => {
    const { message, file } = refusal((f) => realFs.writeFileSync(f, 'merge conflict <<<<<<<\n'));
    expect(message).toBe(`the lock ${file} holds "merge conflict <<<<<<<", not the pid of a synth (synth writes its pid there): if no synth is running, delete it (rm ${file}) and run this again`);
  });

  test('GIVEN the lock cannot be created (EACCES) or read (EACCES) WHEN synth takes it THEN the lock is named with what to do', () => {
    jest.mocked(fs.openSync).mockImplementation(((file: fs.PathLike, flags: fs.OpenMode, mode?: fs.Mode) => {
      if (String(file).endsWith(LOCK_FILE)) throw fsError('EACCES', 'open', String(file));
      return realFs.openSync(file, flags, mode);
    }) as typeof fs.openSync);
    const create = refusal(() => undefined);
    expect(create.message).toBe(`the lock ${create.file} cannot be written: permission denied (EACCES); make the checkout and its output folders writable for this user, or run as their owner (ls -l shows the owner and mode; chmod or chown)`);
    jest.mocked(fs.openSync).mockImplementation(realFs.openSync);
    jest.mocked(fs.readFileSync).mockImplementation(((file: fs.PathOrFileDescriptor, o?: unknown) => {
      if (String(file).endsWith(LOCK_FILE)) throw fsError('EACCES', 'open', String(file));
      return realFs.readFileSync(file, o as BufferEncoding);
    }) as typeof fs.readFileSync);
    const read = refusal((f) => realFs.writeFileSync(f, '999999999'));
    expect(read.message).toBe(`the lock ${read.file} cannot be read: permission denied (EACCES); make it readable for this user (ls -l shows the owner and mode; chmod or chown); if no synth is running, delete it (rm ${read.file}) and run this again`);
  });

  test('GIVEN a lock left by a process that is gone, which cannot be removed (EACCES) WHEN synth takes it over THEN the lock is named (it was a bare system error)', () => {
    jest.mocked(fs.rmSync).mockImplementation(((file: fs.PathLike) => {
      throw fsError('EACCES', 'rm', String(file));
    }) as typeof fs.rmSync);
    const { message, file } = refusal((f) => realFs.writeFileSync(f, '999999999'));
    expect(message).toMatch(new RegExp(`^a synth that is gone \\(pid 999999999\\) left its lock ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, which cannot be removed: permission denied \\(EACCES\\); .*; then delete it \\(rm .*\\) and run this again$`));
  });

  test('GIVEN the lock cannot be removed after the work WHEN the work succeeded THEN an OutputLockError of the release names it; WHEN the work failed THEN its error is thrown, naming the lock too (the release error used to replace it)', () => {
    const root = writeTree(OLD);
    roots.push(root);
    const file = path.join(root, LOCK_FILE);
    jest.mocked(fs.rmSync).mockImplementation(((f: fs.PathLike, o?: fs.RmOptions) => {
      if (String(f).endsWith(LOCK_FILE)) throw fsError('EROFS', 'rm', String(f));
      return realFs.rmSync(f, o);
    }) as typeof fs.rmSync);
    const after = thrownBy(() => withOutputLock(root, () => 'done'));
    expect(after).toBeInstanceOf(OutputLockError);
    expect(after).toMatchObject({ phase: 'release', message: `the lock ${file} cannot be removed: the file system is read-only (EROFS); remount it read-write or work in a writable checkout; then delete it (rm ${file}), or the next synth of this checkout is refused` });
    realFs.rmSync(file);
    const failed = thrownBy(() => withOutputLock(root, () => {
      throw new Error('the render failed');
    }));
    expect((failed as Error).message).toBe(`the render failed\nAlso, the lock ${file} cannot be removed: the file system is read-only (EROFS); remount it read-write or work in a writable checkout; then delete it (rm ${file}), or the next synth of this checkout is refused`);
    // Once it can be removed, the next synth takes the lock left by this (live) process as its own.
    jest.mocked(fs.rmSync).mockImplementation(realFs.rmSync);
    withOutputLock(root, () => undefined);
    expect(realFs.existsSync(file)).toBe(false);
  });
});

/** An error like Node's for a failed rename(2): the source as its path, the target as its dest. */
function renameError(code: string, from: fs.PathLike, to: fs.PathLike, syscall = 'rename'): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException & { dest?: string } = new Error(`${code}: simulated, ${syscall} '${String(from)}' -> '${String(to)}'`);
  e.code = code;
  e.syscall = syscall;
  e.path = String(from);
  e.dest = String(to);
  return e;
}

/**
 * Makes every rename with `output` (relative, e.g. `argocd/app.yaml`) at either end fail with `code`
 * while `when` says so; and every hard link of it (how the swap keeps an old version aside).
 */
function failRenames(root: () => string, output: string, code: string, when: (from: string, to: string) => boolean): void {
  const hit = (from: fs.PathLike, to: fs.PathLike) => [String(from), String(to)].some((p) => p.endsWith(`${path.sep}${output}`) && p.startsWith(root())) && when(String(from), String(to));
  jest.mocked(fs.renameSync).mockImplementation(((from: fs.PathLike, to: fs.PathLike) => {
    if (hit(from, to)) throw renameError(code, from, to);
    return realFs.renameSync(from, to);
  }) as typeof fs.renameSync);
  jest.mocked(fs.linkSync).mockImplementation(((from: fs.PathLike, to: fs.PathLike) => {
    if (hit(from, to)) throw renameError(code, from, to, 'link');
    return realFs.linkSync(from, to);
  }) as typeof fs.linkSync);
}

const TMP = `${path.sep}.render-`;
const BACKUP = `${path.sep}.backup${path.sep}`;
/** Moves of an output's new version in from the temporary folder, and of its old version out of the backups. */
const installing = (from: string) => from.includes(TMP) && !from.includes(BACKUP);
const puttingBack = (from: string) => from.includes(BACKUP);
/** The root's absolute path, in any message: every output is named as the user knows it. */
const absolute = (root: string) => new RegExp(root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

describe('a file fault while synth moves the outputs in', () => {
  test('GIVEN EIO moving the new argocd/app.yaml in WHEN the outputs are swapped THEN the output is named (not its temporary copy), and every move is undone', () => {
    let root = '';
    failRenames(() => root, 'argocd/app.yaml', 'EIO', installing);
    const start = writeTree(OLD);
    roots.push(start);
    root = start;
    const before = snapshotTree(root);
    const error = writeErrorIn(root);
    expect(error).toBeInstanceOf(OutputError);
    expect((error as OutputError).outputs).toBe('restored');
    const message = formatCliError(error, { command: 'synth', cwd: root, where: root, userErrors: [OutputError] });
    expect(message).toMatch(/^synth failed: replacing the outputs failed after \d+ of \d+ moves \(argocd\/app\.yaml \(its new version, in the temporary folder \.render-\w+\/\) cannot be moved: the disk reported an I\/O error \(EIO\); check the disk/);
    expect(message).not.toMatch(absolute(root));
    expect(snapshotTree(root)).toEqual(before);
    expect(realFs.readdirSync(root).sort()).toEqual(['apps.lock.yaml', 'argocd', 'dist']);
  });

  test('GIVEN EACCES moving the old argocd/app.yaml aside WHEN the outputs are swapped THEN the output is named relative to the checkout, and every move is undone', () => {
    let root = '';
    failRenames(() => root, 'argocd/app.yaml', 'EACCES', (from) => !from.includes(TMP));
    root = writeTree(OLD);
    roots.push(root);
    const error = writeErrorIn(root);
    expect((error as OutputError).outputs).toBe('restored');
    expect((error as Error).message).toMatch(/\(argocd\/app\.yaml cannot be moved: permission denied \(EACCES\); make the checkout and its output folders writable/);
    expect((error as Error).message).not.toMatch(absolute(root));
  });

  test('GIVEN EIO moving apps.lock.yaml in, and putting the old version of argocd/app.yaml (in already) back WHEN the outputs are swapped THEN it names that output, says how to restore by hand, and the next run refuses until the fault is gone, then puts every old output back', () => {
    let root = '';
    let faulty = true;
    // (An output whose own install fails is still its old version: its old version is kept by a hard link, not moved aside, so only an output in already needs putting back.)
    jest.mocked(fs.renameSync).mockImplementation(((from: fs.PathLike, to: fs.PathLike) => {
      const [f, t] = [String(from), String(to)];
      const lock = installing(f) && t === path.join(root, 'apps.lock.yaml');
      const app = puttingBack(f) && t === path.join(root, 'argocd', 'app.yaml');
      if (faulty && (lock || app)) throw renameError('EIO', from, to);
      return realFs.renameSync(from, to);
    }) as typeof fs.renameSync);
    root = writeTree(OLD);
    roots.push(root);
    const before = snapshotTree(root);
    const error = writeErrorIn(root);
    expect((error as OutputError).outputs).toBe('mixed');
    const tmp = realFs.readdirSync(root).find((f) => f.startsWith('.render-'))!;
    const message = (error as Error).message;
    expect(message).toContain(`, and putting the old outputs back failed too (argocd/app.yaml (its old version, kept in ${tmp}/.backup/) cannot be moved: the disk reported an I/O error (EIO);`);
    expect(message).toContain(`fix the cause and run npm run synth again, it finishes the roll-back first; if it cannot, restore the outputs with git checkout -- dist argocd render-cache docs reports apps.lock.yaml (or from the backups under ${tmp}/.backup), then delete ${JOURNAL_FILE} and ${tmp}/`);
    expect(message).not.toMatch(absolute(root));
    expect(message).not.toContain('\n');
    // The journal and the old outputs stay for the next command; the lock does not.
    expect(realFs.readdirSync(root)).toEqual(expect.arrayContaining([tmp, JOURNAL_FILE]));
    expect(realFs.existsSync(path.join(root, LOCK_FILE))).toBe(false);
    // The next command, the fault still there: one line naming the output and both ways out.
    const said: string[] = [];
    expect(recoverBeforeCommand(root, 'verify', (line) => said.push(line))).toBe(false);
    expect(said).toEqual([expect.stringMatching(/^verify: refused: a synth \(pid \d+\) that failed or was interrupted left the outputs half-replaced, and putting the old ones back failed \(argocd\/app\.yaml \(its old version, kept in \.render-\w+\/\.backup\/\) cannot be moved: the disk reported an I\/O error \(EIO\);.*\): fix that and run this again, it finishes the roll-back .*; if it cannot, restore the outputs with git checkout -- dist argocd/)]);
    expect(said[0]).not.toMatch(absolute(root));
    // The fault gone: the next command puts every old output back, and the next synth writes.
    faulty = false;
    said.length = 0;
    expect(recoverBeforeCommand(root, 'verify', (line) => said.push(line))).toBe(true);
    expect(said).toEqual([expect.stringMatching(/^verify: a synth .* was interrupted while replacing the outputs; undid its \d+ moves, so every output is as before it$/)]);
    expect(snapshotTree(root)).toEqual(before);
    expect(realFs.readdirSync(root).sort()).toEqual(['apps.lock.yaml', 'argocd', 'dist']);
    writeAtomically(root, FILES, () => undefined);
    expect(realFs.readFileSync(path.join(root, 'argocd/app.yaml'), 'utf8')).toBe('new app\n');
  });
});

/** An error like Node's for a failed removal of a file: its code, the syscall and the path. */
function rmError(code: string, p: fs.PathLike): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`${code}: simulated, rm '${String(p)}'`);
  Object.assign(e, { code, syscall: 'rm', path: String(p) });
  return e;
}

/** Makes every removal of the journal fail with `code` while `when()` says so. */
function failJournalRemoval(code: string, when: () => boolean): void {
  jest.mocked(fs.rmSync).mockImplementation(((p: fs.PathLike, o?: fs.RmOptions) => {
    if (String(p).endsWith(`${path.sep}${JOURNAL_FILE}`) && when()) throw rmError(code, p);
    return realFs.rmSync(p, o);
  }) as typeof fs.rmSync);
}

/** The files of `root` but the journal and the temporary folder (which a journal left over keeps). */
const outputsIn = (root: string) => new Map([...snapshotTree(root)].filter(([p]) => p !== JOURNAL_FILE && !p.startsWith('.render-')));

describe('a fault while a roll-back removes the journal', () => {
  test('GIVEN EIO moving argocd/app.yaml in, and EACCES removing the journal once every move is undone WHEN the outputs are swapped THEN it says every output is as before, names the journal and how to clear it by hand, and leaves the journal and the backups for the next command', () => {
    let root = '';
    failRenames(() => root, 'argocd/app.yaml', 'EIO', installing);
    failJournalRemoval('EACCES', () => true);
    root = writeTree(OLD);
    roots.push(root);
    const before = outputsIn(root);
    const error = writeErrorIn(root);
    expect(error).toBeInstanceOf(OutputError);
    expect((error as OutputError).outputs).toBe('restored');
    const tmp = realFs.readdirSync(root).find((f) => f.startsWith('.render-'))!;
    const message = formatCliError(error, { command: 'synth', cwd: root, where: root, userErrors: [OutputError] });
    expect(message).toMatch(/^synth failed: replacing the outputs failed after \d+ of \d+ moves \(argocd\/app\.yaml .*EIO.*\); all \d+ were undone, so every output is as before, but /);
    expect(message).toContain(`but ${JOURNAL_FILE} cannot be removed: permission denied (EACCES);`);
    expect(message).toContain(`the outputs need no restoring: fix that and run any command (it removes ${JOURNAL_FILE} and ${tmp}/ first), or delete both by hand`);
    expect(message).not.toMatch(absolute(root));
    expect(message).not.toContain('\n');
    expect(outputsIn(root)).toEqual(before);
    expect(realFs.readdirSync(root).sort()).toEqual([tmp, JOURNAL_FILE, 'apps.lock.yaml', 'argocd', 'dist'].sort());
  });

  test('GIVEN a journal left by a synth whose roll-back finished but could not remove it, and removing it still fails (EROFS) WHEN the next command starts THEN it refuses in one line saying every output is as before and how to clear the journal by hand; once the fault is gone it clears it', () => {
    let root = '';
    let faulty = true;
    failRenames(() => root, 'argocd/app.yaml', 'EIO', (from) => faulty && installing(from));
    failJournalRemoval('EROFS', () => faulty);
    root = writeTree(OLD);
    roots.push(root);
    const before = outputsIn(root);
    expect(writeErrorIn(root)).toBeInstanceOf(OutputError);
    const tmp = realFs.readdirSync(root).find((f) => f.startsWith('.render-'))!;
    const said: string[] = [];
    expect(recoverBeforeCommand(root, 'verify', (line) => said.push(line))).toBe(false);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^verify: refused: a synth \(pid \d+\) that failed or was interrupted had its outputs put back \(every output is as before it\), but /);
    expect(said[0]).toContain(`but ${JOURNAL_FILE} cannot be removed: the file system is read-only (EROFS);`);
    expect(said[0]).toContain(`the outputs need no restoring: fix that and run this again (it removes ${JOURNAL_FILE} and ${tmp}/ first), or delete both by hand`);
    expect(said[0]).not.toMatch(absolute(root));
    expect(outputsIn(root)).toEqual(before);
    faulty = false;
    said.length = 0;
    expect(recoverBeforeCommand(root, 'verify', (line) => said.push(line))).toBe(true);
    expect(said).toEqual([expect.stringMatching(/^verify: a synth .* was interrupted before it moved any output; removed its journal/)]);
    expect(realFs.readdirSync(root).sort()).toEqual(['apps.lock.yaml', 'argocd', 'dist']);
  });
});
