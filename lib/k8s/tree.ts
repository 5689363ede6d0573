import * as fs from 'fs';
import * as path from 'path';
import { isMap, JsonMap } from './manifest';
import { loadManifests } from './manifest-yaml';
import { filesUnder, listFiles } from './walk';

/** One object read back from the rendered tree. */
export interface LoadedObject {
  /** Path relative to the tree root, e.g. `dist/metallb/l2advertisement-l2.yaml`. */
  readonly file: string;
  readonly obj: JsonMap;
}

/** A file of the tree that does not read as manifests, and why. */
export interface TreeProblem {
  readonly file: string;
  readonly message: string;
}

/** What a rendered tree holds: its objects, the files that do not read, and every file's path. */
export interface LoadedTree {
  readonly objects: LoadedObject[];
  readonly problems: TreeProblem[];
  /** Every file under dist/ and argocd/, relative to the root (dist/hosts/ too, which holds no manifests). */
  readonly files: string[];
}

/**
 * Reads every manifest under `<root>/dist` and `<root>/argocd` in the dialect synth writes
 * (lib/k8s/manifest-yaml.ts). dist/hosts/ (node files, not manifests) and argocd/kustomization.yaml
 * are skipped; a file that is not `.yaml`, not YAML, or holds a document that is not a map is a problem.
 * A file that cannot be read throws the system error, naming the file.
 */
export function loadTree(root: string, parse: ParseManifests = loadManifests, make: MakeObject = plainObject): LoadedTree {
  const files = [...listFiles(path.join(root, 'dist'), 'dist/'), ...listFiles(path.join(root, 'argocd'), 'argocd/')];
  return loadFiles(files, (file) => readTreeFile(path.join(root, file)), parse, undefined, make);
}

/** A rendered file whose bytes are not UTF-8: a problem of the file (`loadFiles`), not of the environment. */
class NotUtf8 extends Error {
  public constructor(file: string) {
    super(`${file} is not UTF-8 text`);
  }
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The text of a rendered file on disk; a system error names the file (Node's read errors carry no path). */
function readTreeFile(file: string): string {
  try {
    const bytes = fs.readFileSync(file);
    try {
      return STRICT_UTF8.decode(bytes);
    } catch {
      // Bytes that are not UTF-8 would be read as U+FFFD and pass: Argo CD's parser refuses them.
      throw new NotUtf8(file);
    }
  } catch (e) {
    // As lib/system-error.ts `namingFile` (a floor above this one): the command line then shows the file.
    const err = e as NodeJS.ErrnoException;
    if (typeof err?.code === 'string' && err.path === undefined) err.path = file;
    throw e;
  }
}

/** A rendered tree held in memory (or anywhere): every file's path, relative to the root, and how to read one. */
export interface TreeSource {
  /** Every file of the tree (dist/, argocd/, and the rest). */
  readonly files: readonly string[];
  /** The text of a file of the tree, or undefined when it is not one. */
  readonly read: (file: string) => string | undefined;
  /**
   * The documents of a manifest file when they are known without reading its text (synth's render:
   * the documents it serialised there), else undefined (its text is read and parsed). @default - every file is read
   */
  readonly documents?: (file: string) => unknown[] | undefined;
}

/**
 * What a command that reads the rendered tree (whatif, backup-report) says when files of it do not
 * read as manifests: each file with its problem, then what to do. Empty when there is none. Such a
 * command stops there: going on would leave the objects of those files out of its answer.
 */
export function brokenTreeLines(problems: readonly TreeProblem[]): string[] {
  if (!problems.length) return [];
  return [
    ...problems.map((p) => `${p.file}: ${p.message}`),
    `the render is broken (${problems.length} file${problems.length === 1 ? '' : 's'}): run npm run synth to render dist/ and argocd/ again (or restore them from git), then run this again`,
  ];
}

/** Reads the documents of a manifest file (`loadManifests`, or the same from a cache); throws on invalid YAML. */
export type ParseManifests = (text: string, file: string) => unknown[];

/**
 * A character a Windows file name cannot hold (`<>:"\|?*`): verify reports a rendered file whose
 * name has one, and lib/render/manifest-file.ts replaces each when it names a file. Not global, so
 * `test` keeps no state between calls (replace with `new RegExp(NOT_PORTABLE, 'g')`).
 */
export const NOT_PORTABLE = /[<>:"\\|?*]/;

/** How a loaded tree records one object of a file (lib/verify/tree-index.ts TreeRow.maker: the record verify indexes). */
export type MakeObject = (file: string, obj: JsonMap) => LoadedObject;

/** `{ file, obj }`. */
const plainObject: MakeObject = (file, obj) => ({ file, obj });

/** What `loadTree` reads on disk, from a tree given as a `TreeSource`: the same files in the same order. */
export function loadSource(source: TreeSource, parse: ParseManifests = loadManifests, make: MakeObject = plainObject): LoadedTree {
  return loadFiles([...filesUnder(source.files, 'dist/'), ...filesUnder(source.files, 'argocd/')], (file) => source.read(file) ?? '', parse, source.documents, make);
}

/**
 * Reads the manifests of a rendered tree given as its files (paths relative to the root, under
 * dist/ and argocd/) and how to read one: what loadTree does on disk, for a tree held in memory.
 * `known` gives a file's documents without reading it, when it can (`TreeSource.documents`);
 * `make` records each object. @default - `{ file, obj }`
 */
export function loadFiles(files: readonly string[], read: (file: string) => string, parse: ParseManifests = loadManifests, known?: (file: string) => unknown[] | undefined, make: MakeObject = plainObject): LoadedTree {
  const objects: LoadedObject[] = [];
  const problems: TreeProblem[] = [];
  const folded = new Map<string, string>();
  for (const file of files) {
    if (file.startsWith('dist/hosts/')) continue;
    // The render is checked out on other systems too (the GitHub mirror): a name Windows cannot
    // write, or two that a case-insensitive file system (Windows, macOS) takes as one, breaks it.
    if (NOT_PORTABLE.test(file)) problems.push({ file, message: 'its name holds a character a Windows checkout cannot write (<>:"\\|?*): run npm run synth (it names files without them), or rename it' });
    const lower = file.toLowerCase();
    const other = folded.get(lower);
    if (other !== undefined) problems.push({ file, message: `its name differs from ${other} only in case: a checkout on a case-insensitive file system (Windows, macOS) keeps one of the two; rename one` });
    else folded.set(lower, file);
    if (!file.endsWith('.yaml')) {
      problems.push({ file, message: 'only .yaml manifests belong here (Argo CD reads every .yaml/.json in an Application path); move other files out' });
      continue;
    }
    if (file === 'argocd/kustomization.yaml') continue;
    let docs: unknown[];
    const given = known?.(file);
    // A file that cannot be read (EIO, EACCES...) is an environment fault, thrown: not a problem of its YAML.
    let text = '';
    try {
      if (!given) text = read(file);
    } catch (e) {
      if (!(e instanceof NotUtf8)) throw e;
      problems.push({ file, message: 'is not UTF-8 text (Argo CD refuses it; an editor saved it in another encoding?): save it as UTF-8, or run npm run synth' });
      continue;
    }
    try {
      docs = given ?? parse(text, file);
    } catch (e) {
      problems.push({ file, message: `YAML: ${(e as Error).message.split('\n')[0]}` });
      continue;
    }
    for (const doc of docs) {
      if (doc === null || doc === undefined) continue;
      if (!isMap(doc)) {
        problems.push({ file, message: 'a manifest must be a map with apiVersion, kind and metadata' });
        continue;
      }
      // The render's own documents (`given`) are exact JSON; a parsed text may hold what JSON cannot:
      // such an object never reaches the cluster, and is not checked further (a replica count of .inf).
      const notJson = given ? undefined : nonFiniteAt(doc);
      if (notJson) problems.push({ file, message: `${notJson.path} is ${notJson.text}, a number JSON cannot hold: Argo CD and kubectl send objects to the API server as JSON and refuse it; write a finite number, or quote the value as written if a string is meant` });
      else objects.push(make(file, doc));
    }
  }
  return { objects, problems, files: [...files] };
}

/**
 * Where `value` first holds a number JSON has no text for (NaN, an infinity: YAML's `.nan`, `.inf`,
 * `-.inf`, in any of their spellings), as a field path (`spec.values[0].x`) and what it is, named
 * with its plainest YAML (the spelling written, `+.Inf` or `.NaN`, is not known here); undefined
 * when nowhere.
 */
export function nonFiniteAt(value: unknown): { readonly path: string; readonly text: string } | undefined {
  const steps: (string | number)[] = [];
  const found = nonFiniteIn(value, steps);
  if (found === undefined) return undefined;
  const path = steps.map((k, i) => (typeof k === 'number' ? `[${k}]` : i ? `.${k}` : k)).join('');
  return { path: path || '(the document)', text: Number.isNaN(found) ? 'not a number (.nan)' : found > 0 ? 'infinite (.inf)' : 'minus infinite (-.inf)' };
}

/**
 * The first number JSON has no text for in `value`, with the keys and indexes down to it put in
 * `steps` on the way back up: nothing is made per field (every document of a tree read from disk is
 * walked, and nearly none holds one).
 */
function nonFiniteIn(value: unknown, steps: (string | number)[]): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : value;
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nonFiniteIn(value[i], steps);
      if (found === undefined) continue;
      steps.unshift(i);
      return found;
    }
    return undefined;
  }
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    const found = nonFiniteIn((value as Record<string, unknown>)[key], steps);
    if (found === undefined) continue;
    steps.unshift(key);
    return found;
  }
  return undefined;
}
