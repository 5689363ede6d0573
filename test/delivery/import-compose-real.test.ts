import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runImportComposeCli } from '../../lib/delivery/app-cli';
import { synth } from '../../lib/synth';
import { verifyTree } from '../../lib/verify/verify';
import { commandLine } from '../command-line';
import { testIo } from './cli-io';
import { REPO } from '../helpers';
import { scratchCheckout } from '../scratch-checkout';

/**
 * The compose import on real public compose files (test/fixtures/compose/real/<name>/: the files as
 * published, SOURCE naming repository, commit and licence, ARGS the command line after
 * `import-compose`). Each fixture's specs, drafts and report are pinned in its expected/ folder
 * (UPDATE_EXPECTED=1 rewrites them: review the diff), and the specs it writes pass synth and verify
 * in one scratch checkout per fixture.
 */

const REAL = path.join(REPO, 'test/fixtures/compose/real');
const fixtures = fs.readdirSync(REAL).sort();
const update = process.env.UPDATE_EXPECTED === '1';

/** Every file under `dir`, relative, sorted. */
function files(dir: string, rel = ''): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name), `${rel}${e.name}/`) : [`${rel}${e.name}`])).sort();
}


describe('import-compose on real public compose files', () => {
  test('GIVEN the fixtures THEN there are at least ten, each with its SOURCE (repository, commit, licence) and ARGS', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(10);
    for (const f of fixtures) {
      const source = fs.readFileSync(path.join(REAL, f, 'SOURCE'), 'utf8');
      expect(source).toMatch(/^repository: https:\/\/github\.com\/[^\n]+\ncommit: [0-9a-f]{40}\nlicence: (CC0-1\.0|MIT|Apache-2\.0)/);
      expect(fs.existsSync(path.join(REAL, f, 'ARGS'))).toBe(true);
    }
  });

  test.each(fixtures)('GIVEN %s WHEN imported THEN every application service has a spec or a draft, exactly the expected ones, and the specs pass synth and verify', async (name) => {
    const dir = path.join(REAL, name);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), `import-real-${name}-`));
    // The import writes into <fixture>/apps: copy the fixture so that the checkout stays clean.
    fs.cpSync(dir, out, { recursive: true, filter: (src) => !src.includes(`${path.sep}expected`) });
    try {
      const io = testIo({});
      const args = fs.readFileSync(path.join(dir, 'ARGS'), 'utf8').trim().split('\n');
      const code = await runImportComposeCli(commandLine('import-compose', ...args, '--out', 'apps', '--site', path.join(REPO, 'site.yaml')), io, out);
      const report = `${[...io.stderr, ...io.stdout].join('\n')}\nexit ${code}\n`;
      const written = files(path.join(out, 'apps'));
      const expectedDir = path.join(dir, 'expected');
      if (update) {
        fs.rmSync(expectedDir, { recursive: true, force: true });
        fs.mkdirSync(expectedDir, { recursive: true });
        fs.writeFileSync(path.join(expectedDir, 'report.txt'), report);
        for (const f of written) {
          fs.mkdirSync(path.dirname(path.join(expectedDir, 'apps', f)), { recursive: true });
          fs.copyFileSync(path.join(out, 'apps', f), path.join(expectedDir, 'apps', f));
        }
      }
      expect(report).toBe(fs.readFileSync(path.join(expectedDir, 'report.txt'), 'utf8'));
      expect(written).toEqual(files(path.join(expectedDir, 'apps')));
      for (const f of written) expect(`${f}:\n${fs.readFileSync(path.join(out, 'apps', f), 'utf8')}`).toBe(`${f}:\n${fs.readFileSync(path.join(expectedDir, 'apps', f), 'utf8')}`);
      // Every service of the report got a spec, a draft or a database binding: none is left out.
      expect(report).not.toMatch(/: NOT written/);
      const specs = written.filter((f) => !f.includes('/'));
      if (!specs.length) return;
      // The specs (and the drafts, which synth must skip) in a scratch checkout with the shipped apps.
      const shipped = Object.fromEntries(files(path.join(REPO, 'apps')).map((f) => [f, fs.readFileSync(path.join(REPO, 'apps', f))]));
      const root = scratchCheckout(`import-real-${name}`, { apps: shipped });
      fs.cpSync(path.join(out, 'apps'), path.join(root, 'apps'), { recursive: true });
      try {
        synth({ root });
        expect(verifyTree(root).map((f) => `${f.file}: ${f.message}`)).toEqual([]);
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 600_000);
});
