import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from '../../lib/config/errors';
import { loadApps, parseApp } from '../../lib/config/load-apps';
import { decodeUtf8 } from '../../lib/config/utf8';
import { LAYER_NEEDS } from '../../lib/layers';
import { REPO, shippedSite } from '../helpers';

const DIR = path.join(REPO, 'test', 'fixtures', 'invalid-apps');
const fixtures = fs.readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();
const site = shippedSite();

/** `# expect: <line>:<col> <field>: <message>` lines at the end of each fixture. */
function expectations(file: string): string[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('# expect: ')).map((l) => l.slice('# expect: '.length));
}

describe('invalid app spec fixtures (test/fixtures/invalid-apps)', () => {
  test('GIVEN the fixture folder THEN it holds at least 10 broken apps, schema and cross-field rules alike', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(10);
  });

  test.each(fixtures)('GIVEN %s WHEN parsed THEN it fails with exactly its expected errors, each naming file, line and field', (name) => {
    const file = path.relative(process.cwd(), path.join(DIR, name));
    const expected = expectations(file);
    expect(expected.length).toBeGreaterThan(0);
    let error: unknown;
    try {
      // As loadApps reads it for synth: the bytes decoded as UTF-8 (a file that is not UTF-8 fails
      // there), checked against what the layers of the index take (LAYER_NEEDS).
      parseApp(decodeUtf8(fs.readFileSync(file), file), file, site, LAYER_NEEDS);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    expect(issues.map((i) => `${i.line}:${i.column} ${i.field}: ${i.message}`)).toEqual(expected);
    for (const issue of issues) expect((error as Error).message).toContain(`${file}:${issue.line}:${issue.column}: ${issue.field || '(document)'}: `);
  });

  test('GIVEN the whole folder WHEN loaded as apps/ THEN every file\'s problems are reported at once', () => {
    let error: unknown;
    try {
      loadApps(DIR, site, LAYER_NEEDS);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const total = fixtures.reduce((n, f) => n + expectations(path.join(DIR, f)).length, 0);
    expect((error as ConfigError).issues).toHaveLength(total);
  });
});
