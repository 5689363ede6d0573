import type * as FsModule from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LOCK_FILE } from '../lib/render/output-lock';
import { OUTPUT_DIRS, ROOT_FILES, SHARED_DIRS } from '../lib/render/outputs';
import { REPO } from './helpers';

/**
 * Scratch checkouts for the tests that break inputs or the file system and then prove that no output
 * moved. The real `fs` is used even in suites that mock it, so the mock sees only what synth does.
 */
const fs = jest.requireActual<typeof FsModule>('fs');

/** Every folder synth writes (dist/, argocd/, render-cache/, docs/, reports/). */
export const OUTPUT_FOLDERS: readonly string[] = [...OUTPUT_DIRS, ...SHARED_DIRS];

export interface ScratchInputs {
  /** site.yaml's bytes. @default the shipped site.yaml */
  readonly site?: Buffer | string;
  /** apps/ as file name -> bytes. @default a copy of the shipped apps/ */
  readonly apps?: Readonly<Record<string, Buffer | string>>;
}

/**
 * A scratch checkout: site.yaml, apps/ and apps.lock.yaml (shipped unless given), and a small
 * stand-in file in each output folder (synth reads none of them: any move or rewrite of a folder shows).
 */
export function scratchCheckout(prefix: string, inputs: ScratchInputs = {}): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  if (inputs.site === undefined) fs.copyFileSync(path.join(REPO, 'site.yaml'), path.join(root, 'site.yaml'));
  else fs.writeFileSync(path.join(root, 'site.yaml'), inputs.site);
  if (inputs.apps === undefined) fs.cpSync(path.join(REPO, 'apps'), path.join(root, 'apps'), { recursive: true });
  else {
    fs.mkdirSync(path.join(root, 'apps'));
    for (const [name, bytes] of Object.entries(inputs.apps)) fs.writeFileSync(path.join(root, 'apps', name), bytes);
  }
  for (const file of ROOT_FILES) fs.copyFileSync(path.join(REPO, file), path.join(root, file));
  for (const dir of OUTPUT_FOLDERS) {
    fs.mkdirSync(path.join(root, dir, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(root, dir, 'sub', 'stand-in.yaml'), `${dir}: as it was\n`);
  }
  return root;
}

/** Every file under `dir` with its content, keyed by relative path. */
function tree(dir: string, rel = '', out = new Map<string, string>()): Map<string, string> {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) tree(path.join(dir, e.name), `${rel}${e.name}/`, out);
    else out.set(`${rel}${e.name}`, fs.readFileSync(path.join(dir, e.name), 'utf8'));
  }
  return out;
}

/**
 * Every output file of `root` with its content, the root files (apps.lock.yaml) and the top-level
 * listing: equal before and after means nothing moved. `ignoreLock` leaves the render lock out of the
 * listing (for suites whose faked file system stops synth before it can remove it).
 */
export function outputsOf(root: string, ignoreLock = false): Map<string, string> {
  const all = new Map<string, string>();
  for (const dir of OUTPUT_FOLDERS) for (const [k, v] of tree(path.join(root, dir))) all.set(`${dir}/${k}`, v);
  for (const file of ROOT_FILES) {
    const p = path.join(root, file);
    all.set(file, fs.existsSync(p) && fs.statSync(p).isFile() ? fs.readFileSync(p, 'utf8') : '(not a file)');
  }
  all.set('(top level)', fs.readdirSync(root).filter((f) => !ignoreLock || f !== LOCK_FILE).sort().join(' '));
  return all;
}
