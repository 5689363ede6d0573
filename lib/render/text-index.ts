import { EarlierTexts, textDigest } from './documents';
import type { RenderedFile } from './rendered-file';
import { PreviousRender } from './previous';
import type { RenderStats } from './render-stats';

/**
 * The texts of the previous render (as on disk, read before this render), with the digests the
 * synth that wrote them recorded (./render-stats.ts `RenderStats`, the file of the render's stats:
 * for each manifest the digest of the document serialised there and of the text written): a text
 * stands for an object again only when it was written for a document with the same digest, by the
 * same code and YAML writer, and the text on disk still has the digest recorded (else it was
 * changed since, and the object is serialised again).
 *
 * An optimisation only: a render with it gives the same bytes as one without. A file of digests
 * that does not read, was written by other code (stale), or is missing is ignored as a whole; a
 * block of it that does not match its hash is ignored on its own (`EntriesFile`), and so is an
 * entry that does not match. The digests of this render are saved with its stats (`RenderStats.save`).
 */
export class EarlierRender implements EarlierTexts {
  /** Why the recorded digests were ignored, as a whole or in part, if they were (for tests and the curious). */
  public readonly ignored?: string;
  private readonly text: (path: string) => string | undefined;
  /** The sha256 recorded with `path`'s stat when the file on disk is trusted by it and was not read yet (synth's `PreviousRender`). */
  private readonly unreadTrusted: (path: string) => string | undefined;
  private readonly trusted: (path: string) => string | undefined;

  /**
   * The digests recorded in `stats`, over `previous`: the render on disk, as files already read, as
   * a reader of one file's text (undefined when there is none), asked only for a file recorded with
   * the same document digest (see `previousRenderReader`), or as synth's `PreviousRender`, whose
   * trusted files' texts are not hashed again.
   */
  public constructor(private readonly stats: RenderStats, previous: readonly RenderedFile[] | ((path: string) => string | undefined) | PreviousRender) {
    if (stats.ignored) this.ignored = stats.ignored;
    this.trusted = () => undefined;
    this.unreadTrusted = () => undefined;
    if (previous instanceof PreviousRender) {
      this.text = (p) => previous.text(p);
      this.trusted = (p) => previous.trustedDigest(p);
      this.unreadTrusted = (p) => previous.unreadTrusted(p);
    } else if (typeof previous === 'function') {
      this.text = previous;
    } else {
      const texts = new Map(previous.map((f) => [f.path, f.content]));
      this.text = (p) => texts.get(p);
    }
  }

  public reuse(file: string, digest: string): { text: string; textDigest: string } | undefined {
    const recorded = this.stats.textDigest(file, digest);
    return recorded === undefined ? undefined : this.reuseRecorded(file, recorded);
  }

  /**
   * As `reuse`, but a file on disk trusted by its stat to hold the recorded text (synth's
   * `PreviousRender`) is not read: its text is read when first asked for (`text`).
   */
  public reuseLater(file: string, digest: string): { text: string | ((path: string) => string | undefined); textDigest: string } | undefined {
    const recorded = this.stats.textDigest(file, digest);
    if (recorded === undefined) return undefined;
    // The index's reader of any file's text, not a closure per file.
    if (this.unreadTrusted(file) === recorded) return { text: this.text, textDigest: recorded };
    return this.reuseRecorded(file, recorded);
  }

  /** The text of `file` when it still has the digest `recorded`. */
  private reuseRecorded(file: string, recorded: string): { text: string; textDigest: string } | undefined {
    const text = this.text(file);
    // A file whose stat is the one recorded with its sha256 (still, once read) holds those bytes.
    if (text === undefined || (this.trusted(file) !== recorded && textDigest(text) !== recorded)) return undefined;
    return { text, textDigest: recorded };
  }
}
