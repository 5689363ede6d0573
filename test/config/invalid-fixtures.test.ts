import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from '../../lib/config/errors';
import { synth } from '../../lib/synth';
import { REPO, snapshotTree, tempRootWithOutputs } from '../helpers';

const DIR = path.join(REPO, 'test', 'fixtures', 'invalid');
const fixtures = fs.readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();

/** `# expect: <line>:<col> <field>: <message>` lines at the end of each fixture. */
function expectations(file: string): string[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('# expect: ')).map((l) => l.slice('# expect: '.length));
}

describe('invalid site fixtures', () => {
  let root: string;
  let before: Map<string, string>;
  beforeAll(() => {
    root = tempRootWithOutputs();
    before = new Map([...snapshotTree(path.join(root, 'dist'))].map(([k, v]) => [`dist/${k}`, v]));
    for (const [k, v] of snapshotTree(path.join(root, 'argocd'))) before.set(`argocd/${k}`, v);
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('GIVEN the fixture folder THEN it holds at least 15 broken sites', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(15);
  });

  test.each(fixtures)('GIVEN %s WHEN synthesized THEN it fails with exactly its expected errors and dist/ is untouched', (name) => {
    const file = path.join(DIR, name);
    const expected = expectations(file);
    expect(expected.length).toBeGreaterThan(0);

    let error: unknown;
    try {
      synth({ root, siteFile: file });
    } catch (e) {
      error = e;
    }

    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    expect(issues.map((i) => `${i.line}:${i.column} ${i.field}: ${i.message}`)).toEqual(expected);
    // The message names the file, the line and the field.
    const shown = path.relative(process.cwd(), file);
    for (const issue of issues) expect((error as Error).message).toContain(`${shown}:${issue.line}:${issue.column}: ${issue.field || '(document)'}: `);
    const after = new Map([...snapshotTree(path.join(root, 'dist'))].map(([k, v]) => [`dist/${k}`, v]));
    for (const [k, v] of snapshotTree(path.join(root, 'argocd'))) after.set(`argocd/${k}`, v);
    expect(after).toEqual(before);
  });
});
