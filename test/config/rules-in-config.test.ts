import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { REPO } from '../helpers';

/**
 * The rules of site.yaml and apps/*.yaml live in lib/config/, where each problem is reported at
 * its file:line:col; the code that builds the platform trusts the validated config and throws
 * only for programming errors (issue 17, item 4).
 */

/** The code that builds the platform from a validated site and apps. */
const BUILD_CODE = ['lib/constructs', 'lib/layers', 'lib/paas', 'lib/hosts', 'lib/gitops', 'lib/monitoring', 'lib/inventory.ts', 'lib/platform.ts'];

/** Error classes that report a person's input (an input file's field). */
const INPUT_ERRORS = /\b(ConfigError|SiteFieldError|AppFieldError)\b/;
/** A message that blames an input file a person edits, or starts with a field of one (`backups.s3: ...`). */
const BLAMES_INPUT = /site\.yaml|apps\/|^new \w+\(\s*[`'"][a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)+(\[\d+\])?: /;

/**
 * User-input errors that stay in the build code, each with why. Keyed by file and a piece of
 * the error's text.
 */
const ALLOWED: readonly { readonly file: string; readonly text: string; readonly why: string }[] = [
  {
    file: 'lib/paas/lock.ts',
    text: 'is exhausted',
    why: 'how many addresses are free depends on the addresses apps.lock.yaml already holds; the message counts them and says what to change (the pool or the apps)',
  },
  {
    file: 'lib/constructs/published-api.ts',
    text: 'keycloak.enabled: false',
    why: 'no layer publishes an API today, so no table can say which layer needs Keycloak; a layer that publishes one with auth "oidc" or "jwt" adds its need to checkOptionalComponents (lib/config/rules.ts)',
  },
];

interface Finding {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

function sourceFiles(entry: string): string[] {
  const full = path.join(REPO, entry);
  if (fs.statSync(full).isFile()) return [entry];
  return fs.readdirSync(full, { withFileTypes: true }).flatMap((d) => {
    const rel = path.posix.join(entry, d.name);
    if (d.isDirectory()) return sourceFiles(rel);
    return d.name.endsWith('.ts') ? [rel] : [];
  });
}

/** Every error built in `file` (`new <Name>Error(...)`) that reports a person's input, unless it says it is a programming error. */
function userInputErrors(file: string, text: string): Finding[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: Finding[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text.endsWith('Error')) {
      const code = node.getText(source);
      if (!code.includes('programming error') && (INPUT_ERRORS.test(node.expression.text) || BLAMES_INPUT.test(code))) {
        out.push({ file, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, text: code });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  // An input-error class imported at all (a helper could build it).
  for (const s of source.statements) {
    if (ts.isImportDeclaration(s) && INPUT_ERRORS.test(s.importClause?.getText(source) ?? '')) {
      out.push({ file, line: source.getLineAndCharacterOfPosition(s.getStart(source)).line + 1, text: s.getText(source) });
    }
  }
  return out;
}

describe('site and app rules live in lib/config (constructs, layers and the PaaS model throw only for programming errors)', () => {
  const findings = BUILD_CODE.flatMap(sourceFiles).flatMap((f) => userInputErrors(f, fs.readFileSync(path.join(REPO, f), 'utf8')));
  const allowed = (f: Finding) => ALLOWED.find((a) => a.file === f.file && f.text.includes(a.text));

  test('GIVEN the build code WHEN scanned for errors that blame site.yaml or an app spec THEN none remains beyond the allow-list: move the rule to lib/config/', () => {
    const left = findings.filter((f) => !allowed(f)).map((f) => `${f.file}:${f.line}: ${f.text.split('\n')[0]}`);
    expect(left).toEqual([]);
  });

  test('GIVEN the allow-list WHEN compared with the build code THEN every entry still matches an error and says why it stays', () => {
    for (const a of ALLOWED) {
      expect(a.why.length).toBeGreaterThan(40);
      expect(findings.filter((f) => f.file === a.file && f.text.includes(a.text)).map((f) => f.file)).toEqual([a.file]);
    }
  });

  test('GIVEN errors of each kind WHEN scanned THEN input errors are found and programming errors are not', () => {
    const found = userInputErrors('x.ts', [
      "import { ConfigError } from './config/errors';",
      'throw new PlatformError(`site.yaml: paas.pool names no pool`);',
      'throw new Error(`set another externalPort in apps/${app}.yaml`);',
      'throw new Error(`programming error: the site rules refuse this; load the site with loadSite (site.yaml)`);',
      'throw new Error(`${path}: a monitor needs at least one endpoint`);',
      "throw new PlatformError('backups.s3: Loki keeps its chunks in object storage');",
    ].join('\n'));
    expect(found.map((f) => f.line)).toEqual([2, 3, 6, 1]);
  });
});
