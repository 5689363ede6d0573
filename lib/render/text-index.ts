import * as fs from 'fs';
import { EarlierTexts, textDigest } from './documents';
import type { RenderedFile } from './rendered-file';
import { writeCacheFile } from '../cache-file';

/**
 * Where synth records, for each manifest it wrote, the digest of the document serialised there and
 * of the text written (relative to the checkout, git-ignored). The next synth takes the text of an
 * object that did not change from the previous render on disk instead of serialising it again.
 */
export const RENDER_INDEX_FILE = '.synth-cache/render-index.json';

/** The layout of the index file; another version is ignored. */
const FORMAT = 1;

/** The index file: the code that wrote it, and path to [document digest, text digest]. */
interface IndexFile {
  readonly format: number;
  readonly code: string;
  readonly files: Readonly<Record<string, readonly [string, string]>>;
}

let writer: string | undefined;

/** The version of the YAML writer (js-yaml): a text depends on it as much as on lib/. */
function writerVersion(): string {
  if (writer === undefined) {
    try {
      writer = (JSON.parse(fs.readFileSync(require.resolve('js-yaml/package.json'), 'utf8')) as { version: string }).version;
    } catch {
      writer = 'unknown';
    }
  }
  return writer;
}

/** What the texts depend on besides the documents: the platform's code (`code`, lib/) and the YAML writer's version. */
const textsCode = (code: string): string => `${code} js-yaml@${writerVersion()}`;

/**
 * The texts of the previous render (as on disk, read before this render), with the index the synth
 * that wrote them left: a text stands for an object again only when the index says it was written
 * for a document with the same digest, by the same code and YAML writer, and the text on disk still
 * has the digest recorded (else it was changed since, and the object is serialised again).
 *
 * An optimisation only: a render with it gives the same bytes as one without. An index that does
 * not read, was written by other code (stale), or is missing is ignored as a whole; an entry that
 * does not match is ignored on its own.
 */
export class EarlierRender implements EarlierTexts {
  /** Why the index was ignored, if it was (for tests and the curious). */
  public readonly ignored?: string;
  private readonly entries: Map<string, readonly [string, string]>;
  private readonly text: (path: string) => string | undefined;

  /**
   * The index at `file` written by `code` (the checks' code fingerprint), over `previous`: the render
   * on disk, as files already read, or as a reader of one file's text (undefined when there is none),
   * asked only for a file the index lists for the same document digest (see `previousRenderReader`).
   */
  public constructor(file: string, code: string, previous: readonly RenderedFile[] | ((path: string) => string | undefined)) {
    const read = EarlierRender.read(file, textsCode(code));
    this.entries = read.entries;
    if (read.ignored) this.ignored = read.ignored;
    if (typeof previous === 'function') {
      this.text = previous;
    } else {
      const texts = new Map(read.entries.size ? previous.map((f) => [f.path, f.content]) : []);
      this.text = (p) => texts.get(p);
    }
  }

  private static read(file: string, code: string): { entries: Map<string, readonly [string, string]>; ignored?: string } {
    const entries = new Map<string, readonly [string, string]>();
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return { entries };
    }
    let parsed: Partial<IndexFile>;
    try {
      parsed = JSON.parse(text) as Partial<IndexFile>;
    } catch {
      return { entries, ignored: 'not JSON' };
    }
    if (!parsed || typeof parsed !== 'object' || parsed.format !== FORMAT || typeof parsed.files !== 'object' || !parsed.files) return { entries, ignored: 'another format' };
    if (parsed.code !== code) return { entries, ignored: 'written by other code' };
    for (const [p, entry] of Object.entries(parsed.files)) {
      if (Array.isArray(entry) && entry.length === 2 && typeof entry[0] === 'string' && typeof entry[1] === 'string') entries.set(p, [entry[0], entry[1]]);
    }
    return { entries };
  }

  public reuse(file: string, digest: string): { text: string; textDigest: string } | undefined {
    const entry = this.entries.get(file);
    if (!entry || entry[0] !== digest) return undefined;
    const text = this.text(file);
    if (text === undefined || textDigest(text) !== entry[1]) return undefined;
    return { text, textDigest: entry[1] };
  }
}

/**
 * Writes the index of a render that was verified and swapped in (`index`: path to the digests of
 * the document and of the text written there), for code `code`; atomically (a reader sees the old
 * file or the new one). A failure to write only loses the index.
 */
export function saveRenderIndex(file: string, code: string, index: ReadonlyMap<string, readonly [string, string]>): void {
  const body: IndexFile = { format: FORMAT, code: textsCode(code), files: Object.fromEntries(index) };
  writeCacheFile(file, JSON.stringify(body));
}
