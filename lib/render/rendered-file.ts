/**
 * The files a render produces: the path and text of each, and the one header and YAML form of
 * every rendered manifest. Low in lib/: hosts, synth, the diff and the writer share these
 * without importing the render of the whole platform (lib/render/render.ts).
 */
import { sha256 } from '../cache-file';
import { dumpManifest } from '../k8s/manifest-yaml';
import { sortKeys } from './sort';

/** One file of the rendered tree, relative to the repo root. */
export interface RenderedFile {
  readonly path: string;
  readonly content: string;
  /** Written with the executable bit (install scripts). */
  readonly executable?: boolean;
  /**
   * The sha256 of `content`'s UTF-8 bytes, when the render knows it without hashing: a text taken
   * from the previous render on disk, whose `content` is read only when something asks for it
   * (lib/render/documents.ts `RenderedDocuments.file`). @default - not known (compare `content`)
   */
  readonly digest?: string;
}

/**
 * A rendered file that can let go of its text once it is staged (lib/render/documents.ts
 * `MadeFile`): the writer tells it the sha256 of the bytes it wrote, and where they will be once
 * the outputs are swapped in, right after writing them (lib/render/write.ts `writeAtomically`).
 */
export interface StagedText {
  staged(digest: string, final: string): void;
}

/** Whether `file` can let go of its text once staged (`StagedText`). */
export function letsGoOfText(file: RenderedFile): file is RenderedFile & StagedText {
  return typeof (file as Partial<StagedText>).staged === 'function';
}

/**
 * Whether `a` and `b` hold the same text and executable bit: the same file, or files whose digests
 * are both known (their texts are not read), or, when one digest is known, the other text hashed
 * (the one whose digest is known may no longer hold its text: a manifest synth staged, or an
 * earlier file read from disk only when asked), or else their texts compared.
 */
export function sameFile(a: RenderedFile, b: RenderedFile): boolean {
  if (Boolean(a.executable) !== Boolean(b.executable)) return false;
  if (a === b) return true;
  if (a.digest !== undefined && b.digest !== undefined) return a.digest === b.digest;
  if (b.digest !== undefined) return sha256(a.content) === b.digest;
  if (a.digest !== undefined) return sha256(b.content) === a.digest;
  return a.content === b.content;
}

export const HEADER = '# Rendered by `npm run synth` from site.yaml and lib/; edit those, not this file.\n';

/** A Kubernetes object as rendered. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** YAML of one object (lib/k8s/manifest-yaml.ts): keys sorted, so diffs stay small and stable. */
export function toYamlDocument(obj: unknown): string {
  return HEADER + dumpManifest(sortKeys(obj));
}
