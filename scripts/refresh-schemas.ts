/**
 * Vendors the JSON schemas the project uses from ../shared/schemas (or $SCHEMAS_SRC)
 * into imports/schemas, so a clone verifies without ../shared.
 * Usage: npm run schemas
 */
import * as fs from 'fs';
import * as path from 'path';
import { CRD_SCHEMAS, crdSchemaFile, KUBERNETES_DEFINITIONS } from '../lib/k8s/kinds';

const root = path.resolve(__dirname, '..');

/** `tsys schemas`: returns the exit code. */
export function refreshSchemas(env: NodeJS.ProcessEnv = process.env): number {
  // An empty SCHEMAS_SRC (a variable that was not filled in) is not this folder.
  if (env.SCHEMAS_SRC !== undefined && !env.SCHEMAS_SRC.trim()) {
    console.error(`schemas: SCHEMAS_SRC is set but empty; set it to the shared schemas folder, or unset it to read ${path.join(root, '..', 'shared', 'schemas')}`);
    return 1;
  }
  const src = path.resolve(env.SCHEMAS_SRC ?? path.join(root, '..', 'shared', 'schemas'));
  const dest = path.join(root, 'imports', 'schemas');
  /** Schemas the shared folder lacks, kept in this repository (vendor-schemas/README.md). */
  const local = path.join(root, 'vendor-schemas');

  if (!fs.existsSync(path.join(src, KUBERNETES_DEFINITIONS))) {
    console.error(`schemas: ${src} has no ${KUBERNETES_DEFINITIONS}; set SCHEMAS_SRC to the shared schemas folder`);
    return 1;
  }
  const files = [KUBERNETES_DEFINITIONS, 'kubernetes/LICENSE', 'crds/LICENSE', ...CRD_SCHEMAS.map((c) => crdSchemaFile(c.group, c.kind, c.version))];
  const sources = files.map((file) => ({ file, from: [path.join(src, file), path.join(local, file)].find((f) => fs.existsSync(f)) }));
  const missing = sources.find((s) => !s.from);
  if (missing) {
    // Checked before anything is removed: a missing schema leaves imports/schemas as it was.
    console.error(`schemas: missing ${path.join(src, missing.file)} (nor in ${path.relative(root, local)}/); imports/schemas is unchanged`);
    return 1;
  }
  fs.rmSync(dest, { recursive: true, force: true });
  for (const { file, from } of sources) {
    fs.mkdirSync(path.dirname(path.join(dest, file)), { recursive: true });
    fs.copyFileSync(from!, path.join(dest, file));
  }
  console.log(`schemas: vendored ${files.length} files from ${src} into ${path.relative(root, dest)}/`);
  return 0;
}

if (require.main === module) process.exitCode = refreshSchemas();
