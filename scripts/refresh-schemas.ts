/**
 * Vendors the JSON schemas the project uses from ../shared/schemas (or $SCHEMAS_SRC)
 * into imports/schemas, so a clone verifies without ../shared.
 * Usage: npm run schemas
 */
import * as fs from 'fs';
import * as path from 'path';
import { CRD_SCHEMAS, crdSchemaFile, KUBERNETES_DEFINITIONS } from '../lib/k8s/kinds';

const root = path.resolve(__dirname, '..');
const src = path.resolve(process.env.SCHEMAS_SRC ?? path.join(root, '..', 'shared', 'schemas'));
const dest = path.join(root, 'imports', 'schemas');
/** Schemas the shared folder lacks, kept in this repository (vendor-schemas/README.md). */
const local = path.join(root, 'vendor-schemas');

if (!fs.existsSync(path.join(src, KUBERNETES_DEFINITIONS))) {
  console.error(`schemas: ${src} has no ${KUBERNETES_DEFINITIONS}; set SCHEMAS_SRC to the shared schemas folder`);
  process.exit(1);
}
fs.rmSync(dest, { recursive: true, force: true });
const files = [KUBERNETES_DEFINITIONS, 'kubernetes/LICENSE', 'crds/LICENSE', ...CRD_SCHEMAS.map((c) => crdSchemaFile(c.group, c.kind, c.version))];
for (const file of files) {
  const from = [path.join(src, file), path.join(local, file)].find((f) => fs.existsSync(f));
  if (!from) {
    console.error(`schemas: missing ${path.join(src, file)} (nor in ${path.relative(root, local)}/)`);
    process.exit(1);
  }
  fs.mkdirSync(path.dirname(path.join(dest, file)), { recursive: true });
  fs.copyFileSync(from, path.join(dest, file));
}
console.log(`schemas: vendored ${files.length} files from ${src} into ${path.relative(root, dest)}/`);
