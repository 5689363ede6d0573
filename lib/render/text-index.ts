import * as fs from 'fs';
import { EarlierTexts, textDigest } from './documents';
import type { RenderedFile } from './rendered-file';
import { EntriesFile } from '../cache-file';
import { PreviousRender } from './previous';

/**
 * Where synth records, for each manifest it wrote, the digest of the document serialised there and
 * of the text written (relative to the checkout, git-ignored). The next synth takes the text of an
 * object that did not change from the previous render on disk instead of serialising it again.
 */
export const RENDER_INDEX_FILE = '.synth-cache/render-index.entries';

/** The layout of the index file (an `EntriesFile` of path to `<document digest> <text digest>`); another version is ignored. */
const FORMAT = 2;

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
 * not read, was written by other code (stale), or is missing is ignored as a whole; a block of it
 * that does not match its hash is ignored on its own (`EntriesFile`), and so is an entry that does
 * not match.
 */
export class EarlierRender implements EarlierTexts {
  /** Why the index was ignored, as a whole or in part, if it was (for tests and the curious). */
  public readonly ignored?: string;
  private readonly stored: EntriesFile;
  private readonly text: (path: string) => string | undefined;
  private readonly trusted: (path: string) => string | undefined;
  /** Whether the text of `path` on disk was not read yet (a trusted file of synth's `PreviousRender`). */
  private readonly unread: (path: string) => boolean;

  /**
   * The index at `file` written by `code` (the checks' code fingerprint), over `previous`: the render
   * on disk, as files already read, as a reader of one file's text (undefined when there is none),
   * asked only for a file the index lists for the same document digest (see `previousRenderReader`),
   * or as synth's `PreviousRender`, whose trusted files' texts are not hashed again.
   */
  public constructor(file: string, code: string, previous: readonly RenderedFile[] | ((path: string) => string | undefined) | PreviousRender) {
    this.stored = new EntriesFile(file, FORMAT, textsCode(code));
    if (this.stored.ignored) this.ignored = this.stored.ignored;
    this.trusted = () => undefined;
    this.unread = () => false;
    if (previous instanceof PreviousRender) {
      this.text = (p) => previous.text(p);
      this.trusted = (p) => previous.trustedDigest(p);
      this.unread = (p) => !previous.isRead(p);
    } else if (typeof previous === 'function') {
      this.text = previous;
    } else {
      const texts = new Map(previous.map((f) => [f.path, f.content]));
      this.text = (p) => texts.get(p);
    }
  }

  public reuse(file: string, digest: string): { text: string; textDigest: string } | undefined {
    const recorded = this.recorded(file, digest);
    if (recorded === undefined) return undefined;
    const text = this.text(file);
    // A file whose stat is the one recorded with its sha256 (still, once read) holds those bytes.
    if (text === undefined || (this.trusted(file) !== recorded && textDigest(text) !== recorded)) return undefined;
    return { text, textDigest: recorded };
  }

  /**
   * As `reuse`, but a file on disk trusted by its stat to hold the recorded text (synth's
   * `PreviousRender`) is not read: its text is read when first asked for (`text`).
   */
  public reuseLater(file: string, digest: string): { text: string | (() => string | undefined); textDigest: string } | undefined {
    const recorded = this.recorded(file, digest);
    if (recorded === undefined) return undefined;
    if (this.unread(file) && this.trusted(file) === recorded) return { text: () => this.text(file), textDigest: recorded };
    return this.reuse(file, digest);
  }

  /** The digest of the text the index recorded for `file` written for the document whose digest is `digest`. */
  private recorded(file: string, digest: string): string | undefined {
    // `<document digest> <text digest>`
    const entry = this.stored.get(file);
    if (entry === undefined || entry.length !== 129 || !entry.startsWith(digest) || entry.charCodeAt(64) !== 32) return undefined;
    return entry.slice(65);
  }

  /**
   * Saves the index of this render once it was verified and swapped in (`index`: path to the digests
   * of the document and of the text written there): appends the entries that changed, or writes the
   * index afresh (`EntriesFile.save`). A failure to write only loses the index.
   */
  public save(index: ReadonlyMap<string, readonly [string, string]>): void {
    this.stored.save(indexEntries(index));
  }
}

/** The index's entries as the file holds them: path to `<document digest> <text digest>`. */
function indexEntries(index: ReadonlyMap<string, readonly [string, string]>): Map<string, string> {
  const entries = new Map<string, string>();
  for (const [p, [digest, text]] of index) entries.set(p, `${digest} ${text}`);
  return entries;
}
