import * as fs from 'fs';
import * as path from 'path';

/**
 * Issue 17: no annotation or label that synth writes is parsed back by verify, the simulation,
 * backup coverage (or the diff, the drill, the docs), except those Argo CD itself reads. Argo CD's
 * keys (`argocd.argoproj.io/*`, lib/gitops/argocd.ts ANNOTATIONS.syncWave, ...) are not
 * `platform.tsys/*`, so they never match; the platform's own keys are read from the typed facts
 * (lib/facts) instead. This is a source check: any use of a platform key there that is not a
 * definition, a write, a message to a person or a comment fails it.
 */

const REPO = path.resolve(__dirname, '../..');
const FOLDERS = ['lib/verify', 'lib/ha', 'lib/backups', 'lib/diff', 'lib/drill', 'lib/docs'];

/** The names lib/ gives platform keys (annotation and label constants). */
const KEY_NAMES = ['HA_ANNOTATIONS', 'BACKUP_ANNOTATIONS', 'APP_NAMESPACE_LABEL', 'SELECTS_RUNTIME_PODS', 'SINGLETON_ANNOTATION', 'MONITOR_LABELS', 'LAYER_LABEL', 'ANNOTATIONS.providesApis', 'ANNOTATIONS.dependsOn'];
const KEY = new RegExp(`'platform\\.tsys/[^']*'|"platform\\.tsys/[^"]*"|\\b(?:${KEY_NAMES.map((n) => n.replace('.', '\\.')).join('|')})\\b(?:\\.\\w+)?`, 'g');

/**
 * Platform keys that something outside this repository reads from the rendered YAML, so verify
 * may read them too. None today: Argo CD reads only its own `argocd.argoproj.io/*` keys.
 */
const READ_BY_ARGO_CD: readonly string[] = [];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(REPO, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return sourceFiles(rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}

/** The text of a line outside comments and `${...}`-free template text (messages to a person). */
function code(line: string): string {
  const t = line.trim();
  if (t.startsWith('//') || t.startsWith('*') || t.startsWith('/*') || t.startsWith('import ') || t.startsWith('export {')) return '';
  // Interpolations in messages (`... ${HA_ANNOTATIONS.singleton}: "<why>"`) name a key to a person.
  return line.replace(/\$\{[^}]*\}/g, '""');
}

/** Whether the key at `index` of `line` is defined or written there, not read. */
function definedOrWritten(line: string, index: number, key: string): boolean {
  const before = line.slice(0, index);
  const after = line.slice(index + key.length);
  if (/\bconst\s+$/.test(before)) return true; // export const HA_ANNOTATIONS = {
  if (/^\s*[,)]/.test(after) && /\b(?:addAnnotation|addLabel)\(\s*$/.test(before)) return true; // obj.metadata.addAnnotation(KEY, v)
  if (/^\s*\]\s*(?:=[^=]|:)/.test(after) && /\[\s*$/.test(before)) return true; // out[KEY] = v, { [KEY]: v }
  if (/^\s*[,}]/.test(after) && /\w+\s*:\s*$/.test(before)) return true; // { name: 'platform.tsys/x' }
  if (/^\s*;?\s*$/.test(after) && /\bconst\s+\w+\s*=\s*$/.test(before)) return true; // const X = 'platform.tsys/x';
  if (/^\s*\}/.test(after) && /\.\.\.\s*$/.test(before)) return true; // { ...MONITOR_LABELS }
  return false;
}

/** Every use of a platform key in `folders` that reads it back, as `file:line: text`. */
function platformKeyReads(folders: readonly string[]): string[] {
  const out: string[] = [];
  for (const file of folders.flatMap(sourceFiles)) {
    fs.readFileSync(path.join(REPO, file), 'utf8').split('\n').forEach((line, i) => {
      const text = code(line);
      for (const m of text.matchAll(KEY)) {
        const literal = m[0].replace(/^['"]|['"]$/g, '');
        if (READ_BY_ARGO_CD.includes(literal) || definedOrWritten(text, m.index!, m[0])) continue;
        out.push(`${file}:${i + 1}: ${line.trim()}`);
      }
    });
  }
  return out;
}

describe('no platform annotation read back (issue 17)', () => {
  test('GIVEN verify, the simulation, backup coverage, the diff, the drill and the docs WHEN their sources are searched THEN none reads a platform.tsys annotation or label', () => {
    expect(platformKeyReads(FOLDERS)).toEqual([]);
  });

  test('GIVEN a read of a platform annotation WHEN searched THEN it is found; a definition, a write and a message are not', () => {
    const dir = fs.mkdtempSync(path.join(REPO, 'test/facts/.tmp-reads-'));
    try {
      fs.writeFileSync(path.join(dir, 'sample.ts'), [
        "export const OPT_OUT = 'platform.tsys/backup-opt-out';",
        "const KEYS = { singleton: 'platform.tsys/singleton' };",
        'out[HA_ANNOTATIONS.singleton] = decl.singleton;',
        'obj.metadata.addAnnotation(HA_ANNOTATIONS.storage, text);',
        'const hint = `declare it with ${HA_ANNOTATIONS.singleton}: "<why>"`;',
        '// reads platform.tsys/outside-ha? no: the facts',
        "const optOut = stringAt(obj, ['metadata', 'annotations', BACKUP_ANNOTATIONS.optOut]);",
        "const app = valueAt(ns, ['metadata', 'labels', 'platform.tsys/app-namespace']) === 'true';",
        'const s = annotations[HA_ANNOTATIONS.singleton];',
      ].join('\n'));
      const rel = path.relative(REPO, dir);
      expect(platformKeyReads([rel]).map((r) => r.split(': ')[0].split(':')[1])).toEqual(['7', '8', '9']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
