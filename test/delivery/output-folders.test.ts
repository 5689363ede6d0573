import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runImportComposeCli } from '../../lib/delivery/app-cli';
import { DraftedService, writeImport } from '../../lib/delivery/import-compose';
import { makeFolders } from '../../lib/system-error';
import { testIo } from './cli-io';
import { REPO } from '../helpers';
import { commandLine } from '../command-line';

// A read-only file system, as a test cannot mount one: mkdir under READ_ONLY fails as Node fails
// there (EROFS for one folder; ENOENT, "no such file or directory", for a recursive one).
jest.mock('fs', () => {
  const real = jest.requireActual<typeof import('fs')>('fs');
  return { ...real, mkdirSync: jest.fn(real.mkdirSync) };
});
const realFs = jest.requireActual<typeof import('fs')>('fs');
// makeFolders watched: the one folder maker (import-compose had a second one, lib/delivery/compose-import/out-dir.ts).
jest.mock('../../lib/system-error', () => {
  const real = jest.requireActual<typeof import('../../lib/system-error')>('../../lib/system-error');
  return { ...real, makeFolders: jest.fn(real.makeFolders) };
});

const COMPOSE = path.join(REPO, 'test/fixtures/compose/gitea/docker-compose.yml');

function fsError(code: string, file: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`${code}: simulated, mkdir '${file}'`);
  e.code = code;
  e.syscall = 'mkdir';
  e.path = file;
  return e;
}

describe('an output folder that cannot be created (import-compose --out, diff --out)', () => {
  let dir: string;
  let readOnly: string;
  beforeEach(() => {
    dir = realFs.mkdtempSync(path.join(os.tmpdir(), 'output-folders-'));
    readOnly = path.join(dir, 'read-only');
    realFs.mkdirSync(readOnly);
    jest.mocked(fs.mkdirSync).mockImplementation(((p: fs.PathLike, o?: fs.MakeDirectoryOptions) => {
      if (String(p).startsWith(`${readOnly}${path.sep}`)) throw fsError(o?.recursive ? 'ENOENT' : 'EROFS', String(p));
      return realFs.mkdirSync(p, o);
    }) as typeof fs.mkdirSync);
  });
  afterEach(() => {
    jest.mocked(fs.mkdirSync).mockImplementation(realFs.mkdirSync);
    realFs.rmSync(dir, { recursive: true, force: true });
  });

  test('GIVEN --out under a read-only folder (it said the folder "does not exist (moved or deleted while the command ran?); run the command again") WHEN import-compose writes THEN it names --out, the folder and the cause (EROFS), exit 1', async () => {
    const io = testIo({});
    const out = path.join(readOnly, 'apps');
    expect(await runImportComposeCli(commandLine('import-compose', COMPOSE, '--out', out, '--site', path.join(REPO, 'site.yaml')), io, dir)).toBe(1);
    expect(io.stderr).toEqual([`import-compose: --out ${out}: the folder ${out} cannot be made in ${readOnly} (EROFS); give a folder this user can write (it is made when missing)`]);
  });

  test('GIVEN missing parents, one of them a file WHEN the folders are made THEN each missing folder is made, and the file is named', () => {
    makeFolders(path.join(dir, 'a', 'b', 'c'));
    expect(realFs.statSync(path.join(dir, 'a', 'b', 'c')).isDirectory()).toBe(true);
    makeFolders(path.join(dir, 'a', 'b', 'c'));
    realFs.writeFileSync(path.join(dir, 'file'), 'x');
    expect(() => makeFolders(path.join(dir, 'file', 'sub'))).toThrow(expect.objectContaining({ code: 'ENOTDIR', path: path.join(dir, 'file', 'sub') }));
  });

  test('GIVEN a file where the folder goes (it returned as if the folder were made; the write into it then said ENOTDIR about a file inside) WHEN the folders are made THEN EEXIST naming the file, which is left alone', () => {
    const file = path.join(dir, 'file');
    realFs.writeFileSync(file, 'x');
    expect(() => makeFolders(file)).toThrow(expect.objectContaining({ code: 'EEXIST', path: file }));
    expect(realFs.readFileSync(file, 'utf8')).toBe('x');
  });

  test('GIVEN import-compose --out WHEN it writes THEN its folders are made by makeFolders (lib/system-error.ts; out-dir.ts had a second maker of its own)', async () => {
    jest.mocked(makeFolders).mockClear();
    const out = path.join(dir, 'new', 'apps');
    const io = testIo({});
    await runImportComposeCli(commandLine('import-compose', COMPOSE, '--out', out, '--site', path.join(REPO, 'site.yaml')), io, dir);
    expect(jest.mocked(makeFolders)).toHaveBeenCalledWith(out);
    expect(realFs.statSync(out).isDirectory()).toBe(true);
  });

  test('GIVEN a file where the drafts folder goes (made after the check of --out) WHEN a draft is written THEN it names --out and the file, which is left alone', () => {
    const out = path.join(dir, 'apps');
    realFs.mkdirSync(out);
    realFs.writeFileSync(path.join(out, 'drafts'), 'x');
    const draft: DraftedService = { kind: 'draft', service: 'web', app: 'web', file: 'apps/drafts/web.yaml', text: 'name: web\n', reasons: [], notes: [], untranslated: [] };
    expect(() => writeImport([draft], out, false, '--out apps')).toThrow(`--out apps: ${path.join(out, 'drafts')} is a file, not a folder; give a folder this user can write (it is made when missing)`);
    expect(realFs.readFileSync(path.join(out, 'drafts'), 'utf8')).toBe('x');
  });
});

describe('import-compose --out under /proc (Node\'s recursive mkdir never returns there)', () => {
  (fs.existsSync('/proc/self') ? test : test.skip)('GIVEN --out /proc/<folder> (the command hung) THEN it exits 1 within seconds naming the folder', () => {
    const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'tsys.js'), 'import-compose', COMPOSE, '--out', '/proc/tsys-import-compose-test'], { cwd: REPO, encoding: 'utf8', timeout: 30_000 });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^import-compose: --out \/proc\/tsys-import-compose-test: /);
  });
});
