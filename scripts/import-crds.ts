/**
 * Generates typed cdk8s classes for the custom resources in CRD_SCHEMAS, offline: writes each
 * API group's CustomResourceDefinitions (wrapping the vendored JSON schemas) to imports/crds/,
 * the files cdk8s.yaml lists under `imports:`, then runs `cdk8s import`, which reads that list.
 * Usage: npm run import (or, once imports/crds/ is current, npx cdk8s import)
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CRD_IMPORT_DIR, crdImportFiles } from '../lib/k8s/crd-imports';

const root = path.resolve(__dirname, '..');

/** `tsys import`: writes imports/crds/ from the vendored schemas, then runs `cdk8s import` as cdk8s.yaml declares it; returns the exit code (a failing cdk8s import throws). */
export function importCrds(): number {
  const files = crdImportFiles((schemaFile) => JSON.parse(fs.readFileSync(path.join(root, 'imports', 'schemas', schemaFile), 'utf8')));
  fs.rmSync(path.join(root, CRD_IMPORT_DIR), { recursive: true, force: true });
  fs.mkdirSync(path.join(root, CRD_IMPORT_DIR), { recursive: true });
  for (const f of files) fs.writeFileSync(path.join(root, f.path), f.content);
  execFileSync(path.join(root, 'node_modules', '.bin', 'cdk8s'), ['import', '--no-check-upgrade'], { cwd: root, stdio: 'inherit' });
  return 0;
}

if (require.main === module) process.exitCode = importCrds();
