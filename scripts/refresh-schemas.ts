/**
 * Vendors the JSON schemas the project uses from ../shared/schemas (or $SCHEMAS_SRC)
 * into imports/schemas, so a clone verifies without ../shared: copied into a temporary folder
 * beside it (imports/.schemas-new-*) and swapped in once complete.
 * Usage: npm run schemas
 */
import * as fs from 'fs';
import * as path from 'path';
import { CRD_SCHEMAS, crdSchemaFile, KUBERNETES_DEFINITIONS } from '../lib/k8s/kinds';
import { makeFolders } from '../lib/system-error';

/** The files `tsys schemas` vendors, relative to the schemas folder. */
export function schemaFiles(): string[] {
  return [KUBERNETES_DEFINITIONS, 'kubernetes/LICENSE', 'crds/LICENSE', ...CRD_SCHEMAS.map((c) => crdSchemaFile(c.group, c.kind, c.version))];
}

/** What refreshSchemas works on; the tests give their own. */
export interface RefreshOptions {
  /** The checkout: imports/schemas and vendor-schemas/ are in it. @default the repository of this script */
  readonly root?: string;
  /** Copies one file. @default fs.copyFileSync */
  readonly copyFile?: (from: string, to: string) => void;
  /** Where the messages go. @default console */
  readonly log?: (line: string) => void;
  readonly error?: (line: string) => void;
}

/**
 * `tsys schemas`: returns the exit code. The schemas are copied into a temporary folder beside
 * imports/schemas and swapped in only once every file is there: a copy that fails leaves
 * imports/schemas as it was (it was removed first, and a failure left it half full).
 */
export function refreshSchemas(env: NodeJS.ProcessEnv = process.env, o: RefreshOptions = {}): number {
  const root = o.root ?? path.resolve(__dirname, '..');
  const copyFile = o.copyFile ?? fs.copyFileSync;
  const log = o.log ?? ((line: string) => console.log(line));
  const error = o.error ?? ((line: string) => console.error(line));
  // An empty SCHEMAS_SRC (a variable that was not filled in) is not this folder.
  if (env.SCHEMAS_SRC !== undefined && !env.SCHEMAS_SRC.trim()) {
    error(`schemas: SCHEMAS_SRC is set but empty; set it to the shared schemas folder, or unset it to read ${path.join(root, '..', 'shared', 'schemas')}`);
    return 1;
  }
  const src = path.resolve(env.SCHEMAS_SRC ?? path.join(root, '..', 'shared', 'schemas'));
  const dest = path.join(root, 'imports', 'schemas');
  /** Schemas the shared folder lacks, kept in this repository (vendor-schemas/README.md). */
  const local = path.join(root, 'vendor-schemas');

  if (!fs.existsSync(path.join(src, KUBERNETES_DEFINITIONS))) {
    error(`schemas: ${src} has no ${KUBERNETES_DEFINITIONS}; set SCHEMAS_SRC to the shared schemas folder`);
    return 1;
  }
  const files = schemaFiles();
  const sources = files.map((file) => ({ file, from: [path.join(src, file), path.join(local, file)].find((f) => fs.existsSync(f)) }));
  const missing = sources.find((s) => !s.from);
  if (missing) {
    // Checked before anything is copied: a missing schema leaves imports/schemas as it was.
    error(`schemas: missing ${path.join(src, missing.file)} (nor in ${path.relative(root, local)}/); imports/schemas is unchanged`);
    return 1;
  }
  const shown = path.relative(root, dest);
  // Beside imports/schemas (the same file system: the swap is two renames), its name unique to this run.
  makeFolders(path.dirname(dest));
  const next = fs.mkdtempSync(path.join(path.dirname(dest), '.schemas-new-'));
  for (const { file, from } of sources) {
    try {
      makeFolders(path.dirname(path.join(next, file)));
      copyFile(from!, path.join(next, file));
    } catch (e) {
      fs.rmSync(next, { recursive: true, force: true });
      error(`schemas: copying ${from} to ${path.join(shown, file)} failed (${causeOf(e)}); ${shown}/ is unchanged and the partial copy (${path.relative(root, next)}/) is removed: fix the cause and run it again`);
      return 1;
    }
  }
  const swap = swapIn(next, dest);
  if (swap.failed) {
    error(`schemas: ${swap.failed}`);
    return 1;
  }
  log(`schemas: vendored ${files.length} files from ${src} into ${shown}/`);
  if (swap.leftover) error(`schemas: the old schemas in ${swap.leftover} could not be removed (${swap.cause}); remove that folder`);
  return 0;
}

/** A failure's code (`EACCES`), or its message when it has none. */
function causeOf(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

/**
 * Puts the complete folder `next` at `dest`: the old `dest` is moved aside, `next` moved in, then
 * the old one removed. When `next` cannot be moved in, the old one is moved back and `next`
 * removed; `failed` says what happened and where each folder is. `leftover`: the old folder, when
 * only its removal failed (the new one is in place).
 */
function swapIn(next: string, dest: string): { failed?: string; leftover?: string; cause?: string } {
  const old = `${next}-old`;
  const hadOld = fs.existsSync(dest);
  try {
    if (hadOld) fs.renameSync(dest, old);
  } catch (e) {
    fs.rmSync(next, { recursive: true, force: true });
    return { failed: `${dest} could not be moved aside for the new copy (${causeOf(e)}); it is unchanged and the new copy is removed: fix the cause and run it again` };
  }
  try {
    fs.renameSync(next, dest);
  } catch (e) {
    const cause = causeOf(e);
    try {
      if (hadOld) fs.renameSync(old, dest);
    } catch (back) {
      return { failed: `the new copy ${next} could not be moved to ${dest} (${cause}), nor the old schemas back from ${old} (${causeOf(back)}): move ${old} back to ${dest} (or ${next} there), then run it again` };
    }
    fs.rmSync(next, { recursive: true, force: true });
    return { failed: `the new copy could not be moved to ${dest} (${cause}); it is unchanged and the new copy is removed: fix the cause and run it again` };
  }
  if (!hadOld) return {};
  try {
    fs.rmSync(old, { recursive: true, force: true });
    return {};
  } catch (e) {
    return { leftover: old, cause: causeOf(e) };
  }
}

if (require.main === module) process.exitCode = refreshSchemas();
