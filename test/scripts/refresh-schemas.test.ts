import { spawnSync } from 'child_process';
import * as path from 'path';
import { REPO } from '../helpers';

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
