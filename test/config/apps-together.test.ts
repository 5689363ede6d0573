import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from '../../lib/config/errors';
import { loadApps } from '../../lib/config/load-apps';
import { REPO, shippedSite, writeTree } from '../helpers';

const DIR = path.join(REPO, 'test', 'fixtures', 'invalid-apps', 'together');
const cases = fs.readdirSync(DIR).sort();
const site = shippedSite();

/** `<file> <line>:<col> <field>: <message>` for each `# expect:` line of each app file of a case. */
function expectations(dir: string): string[] {
  return fs.readdirSync(dir).sort().flatMap((f) => {
    const file = path.relative(process.cwd(), path.join(dir, f));
    return fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter((l) => l.startsWith('# expect: ')).map((l) => `${file} ${l.slice('# expect: '.length)}`);
  });
}

function loadError(dir: string): ConfigError {
  try {
    loadApps(dir, site);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error(`${dir} loaded without an error`);
}

describe('rules across apps (test/fixtures/invalid-apps/together: each folder an apps/ whose files are valid alone)', () => {
  test.each(cases)('GIVEN the apps of %s WHEN loaded together THEN what both would take (an object, a database) is refused in the file whose field asks for it, naming the other file', (name) => {
    const expected = expectations(path.join(DIR, name));
    expect(expected.length).toBeGreaterThan(0);
    const error = loadError(path.join(DIR, name));
    expect(error.issues.map((i) => `${i.file} ${i.line}:${i.column} ${i.field}: ${i.message}`)).toEqual(expected);
    // Both files are named: the one reported and, in the message, the other.
    const files = fs.readdirSync(path.join(DIR, name)).map((f) => path.relative(process.cwd(), path.join(DIR, name, f)));
    for (const f of files) expect(error.message).toContain(f);
  });

  test('GIVEN a blueGreen wiki and an app wiki-preview in different environments WHEN loaded THEN both load (their Services live in different namespaces)', () => {
    const dir = path.join(DIR, 'preview-clash');
    const root = writeTree({
      'apps/wiki.yaml': fs.readFileSync(path.join(dir, 'wiki.yaml'), 'utf8'),
      'apps/wiki-preview.yaml': fs.readFileSync(path.join(dir, 'wiki-preview.yaml'), 'utf8').replace('environment: prod', 'environment: uat'),
    });
    try {
      expect(loadApps(path.join(root, 'apps'), site).map((a) => a.name)).toEqual(['wiki-preview', 'wiki']);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
