/**
 * Generates typed cdk8s classes for the custom resources in CRD_SCHEMAS, offline:
 * wraps each vendored JSON schema in a CustomResourceDefinition and runs `cdk8s import`.
 * Usage: npm run import
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { CRD_SCHEMAS, crdSchemaFile } from '../lib/k8s/kinds';

const root = path.resolve(__dirname, '..');

/** `tsys import`: regenerates imports/ from the vendored schemas; returns the exit code (a failing cdk8s import throws). */
export function importCrds(): number {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crd-import-'));
  const groups = [...new Set(CRD_SCHEMAS.filter((c) => c.typed).map((c) => c.group))].sort();
  for (const group of groups) {
    const docs = CRD_SCHEMAS.filter((c) => c.typed && c.group === group).map((c) => {
      const schema = JSON.parse(fs.readFileSync(path.join(root, 'imports', 'schemas', crdSchemaFile(c.group, c.kind, c.version)), 'utf8'));
      delete schema.$schema;
      return {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: `${c.plural}.${c.group}` },
        spec: {
          group: c.group,
          names: { kind: c.kind, plural: c.plural, singular: c.kind.toLowerCase(), listKind: `${c.kind}List` },
          scope: c.scope,
          versions: [{ name: c.version, served: true, storage: true, schema: { openAPIV3Schema: schema } }],
        },
      };
    });
    const file = path.join(tmp, `${group}.yaml`);
    fs.writeFileSync(file, docs.map((d) => stringify(d)).join('---\n'));
    execFileSync(path.join(root, 'node_modules', '.bin', 'cdk8s'), ['import', file, '-l', 'typescript', '-o', 'imports', '--no-check-upgrade', '--no-save'], { cwd: root, stdio: 'inherit' });
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  return 0;
}

if (require.main === module) process.exitCode = importCrds();
