import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CRD_SCHEMAS, crdSchemaFile, KUBERNETES_DEFINITIONS } from '../../lib/k8s/kinds';
import { refreshSchemas } from '../../scripts/refresh-schemas';
import { REPO } from '../helpers';

// A rename that fails (another file system, a folder in use), for the swap: the real one unless a test says otherwise.
jest.mock('fs', () => {
  const real = jest.requireActual<typeof import('fs')>('fs');
  return { ...real, renameSync: jest.fn(real.renameSync) };
});
const realRename = jest.requireActual<typeof import('fs')>('fs').renameSync;

/** `tsys schemas` refuses a source it cannot use before imports/schemas is touched. */
describe('tsys schemas', () => {
  const schemas = (env: NodeJS.ProcessEnv) => spawnSync(process.execPath, [path.join(REPO, 'bin', 'tsys.js'), 'schemas'], { cwd: REPO, encoding: 'utf8', env: { ...process.env, ...env } });
  const status = () => spawnSync('git', ['status', '--porcelain', '--', 'imports'], { cwd: REPO, encoding: 'utf8' }).stdout;

  test('GIVEN SCHEMAS_SRC set but empty (it read the working folder: "/work/h-cli has no kubernetes/...") THEN one line saying it is empty, exit 1, imports/ unchanged', () => {
    const before = status();
    const r = schemas({ SCHEMAS_SRC: '' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`schemas: SCHEMAS_SRC is set but empty; set it to the shared schemas folder, or unset it to read ${path.join(REPO, '..', 'shared', 'schemas')}\n`);
    expect(status()).toBe(before);
  });

  test('GIVEN SCHEMAS_SRC that is not the shared schemas folder THEN it names it, exit 1, imports/ unchanged', () => {
    const before = status();
    const r = schemas({ SCHEMAS_SRC: path.join(REPO, 'no-such-schemas') });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^schemas: .*no-such-schemas has no kubernetes\/.*_definitions\.json; set SCHEMAS_SRC to the shared schemas folder\n$/);
    expect(status()).toBe(before);
  });
});

/** `tsys schemas` copies into a folder beside imports/schemas and swaps it in only when the copy is complete. */
describe('tsys schemas: a copy that fails', () => {
  // The files the command vendors (scripts/refresh-schemas.ts), written here from lib/k8s/kinds.ts.
  const FILES = [KUBERNETES_DEFINITIONS, 'kubernetes/LICENSE', 'crds/LICENSE', ...CRD_SCHEMAS.map((c) => crdSchemaFile(c.group, c.kind, c.version))];
  let root: string;
  let src: string;
  let dest: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'refresh-schemas-'));
    src = path.join(root, 'shared');
    dest = path.join(root, 'checkout', 'imports', 'schemas');
    for (const f of FILES) {
      fs.mkdirSync(path.dirname(path.join(src, f)), { recursive: true });
      fs.writeFileSync(path.join(src, f), `new ${f}`);
      fs.mkdirSync(path.dirname(path.join(dest, f)), { recursive: true });
      fs.writeFileSync(path.join(dest, f), `old ${f}`);
    }
    fs.writeFileSync(path.join(dest, 'only-in-the-old.json'), 'old');
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  /** Every file under `dir` with its text. */
  const contents = (dir: string): Record<string, string> => Object.fromEntries(
    (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((e) => e.isFile()).map((e) => {
      const file = path.join(e.parentPath, e.name);
      return [path.relative(dir, file), fs.readFileSync(file, 'utf8')];
    }),
  );
  const run = (copyFile?: (from: string, to: string) => void) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = refreshSchemas({ SCHEMAS_SRC: src }, { root: path.join(root, 'checkout'), copyFile, log: (l) => out.push(l), error: (l) => err.push(l) });
    return { code, out, err };
  };

  test('GIVEN a copy that fails on the third file (imports/schemas was removed first, and left with two files) THEN imports/schemas is as it was, the partial copy is removed, one line names the file and the cause, exit 1', () => {
    const before = contents(dest);
    let copied = 0;
    const r = run((from, to) => {
      if (++copied === 3) throw Object.assign(new Error(`EIO: i/o error, copyfile '${from}' -> '${to}'`), { code: 'EIO' });
      fs.copyFileSync(from, to);
    });
    expect(r.code).toBe(1);
    expect(r.out).toEqual([]);
    expect(r.err).toEqual([expect.stringMatching(new RegExp(`^schemas: copying ${path.join(src, FILES[2]).replace(/[.\\]/g, '\\$&')} to imports/schemas/${FILES[2].replace(/[.\\]/g, '\\$&')} failed \\(EIO\\); imports/schemas/ is unchanged and the partial copy \\(imports/\\.schemas-new-\\w+/\\) is removed: fix the cause and run it again$`))]);
    expect(contents(dest)).toEqual(before);
    expect(fs.readdirSync(path.dirname(dest))).toEqual(['schemas']);
  });

  test('GIVEN the complete copy cannot be moved in THEN the old imports/schemas is moved back, the copy removed, one line says so, exit 1', () => {
    const before = contents(dest);
    jest.mocked(fs.renameSync).mockImplementation((from, to) => {
      if (String(to) === dest && !String(from).endsWith('-old')) throw Object.assign(new Error('EXDEV: simulated'), { code: 'EXDEV' });
      realRename(from, to);
    });
    try {
      const r = run();
      expect(r.code).toBe(1);
      expect(r.err).toEqual([`schemas: the new copy could not be moved to ${dest} (EXDEV); it is unchanged and the new copy is removed: fix the cause and run it again`]);
    } finally {
      jest.mocked(fs.renameSync).mockImplementation(realRename);
    }
    expect(contents(dest)).toEqual(before);
    expect(fs.readdirSync(path.dirname(dest))).toEqual(['schemas']);
  });

  test('GIVEN a copy that completes THEN imports/schemas holds exactly the new files (the old folder and the temporary one are gone), exit 0', () => {
    const r = run();
    expect(r).toMatchObject({ code: 0, err: [] });
    expect(r.out).toEqual([`schemas: vendored ${FILES.length} files from ${src} into imports/schemas/`]);
    expect(contents(dest)).toEqual(Object.fromEntries(FILES.map((f) => [f, `new ${f}`])));
    expect(fs.readdirSync(path.dirname(dest))).toEqual(['schemas']);
  });
});
