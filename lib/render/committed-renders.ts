import { EntriesFile, sha256 } from '../cache-file';

/**
 * Where synth records what each committed render file (`render-cache/<release>.yaml`) holds, by the
 * sha256 of its bytes (relative to the checkout, git-ignored): the render's key, the sha256 of its
 * text (the file after its two header lines) and of its header. With the vendored files' hash memo
 * (lib/vendor/lock.ts `TreeHashMemo`, which knows a file's sha256 by its stat), a synth learns that
 * the committed file on disk is the render it needs without reading its megabytes: the text is read
 * only when something asks for it, and the write does not compare the file with the disk.
 */
export const COMMITTED_RENDERS_FILE = '.synth-cache/committed-renders.entries';

/** The layout of the file (an `EntriesFile` of a file's sha256 to `<key> <text sha256> <header sha256>`); another is ignored. */
const FORMAT = 1;

/** What a committed render file holds: its render's key, and the sha256 of its text and of its header. */
export interface CommittedRender {
  readonly key: string;
  readonly textHash: string;
  readonly headerHash: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * The record of what committed render files hold, by their bytes' sha256 (content-addressed: an
 * entry can only be right or garbled, never stale). An optimisation only: a file that does not read,
 * of another layout or written by other code is ignored as a whole, a garbled block on its own
 * (`EntriesFile`), and an entry that is not three digests is ignored.
 */
export class CommittedRenders {
  /** Why the file was ignored, as a whole or in part, if it was (for tests and the curious). */
  public readonly ignored?: string;
  private readonly stored: EntriesFile;
  /** This run's entries: those used and those recorded. */
  private readonly next = new Map<string, string>();

  /** The file at `file` (absolute), valid when written by `code`. */
  public constructor(file: string, code: string) {
    this.stored = new EntriesFile(file, FORMAT, code);
    if (this.stored.ignored) this.ignored = this.stored.ignored;
  }

  /** What the committed file whose bytes have sha256 `fileHash` holds, when recorded. */
  public get(fileHash: string): CommittedRender | undefined {
    const entry = this.next.get(fileHash) ?? this.stored.get(fileHash);
    if (entry === undefined) return undefined;
    const [key, textHash, headerHash, ...rest] = entry.split(' ');
    if (rest.length || !HEX64.test(key) || !HEX64.test(textHash ?? '') || !HEX64.test(headerHash ?? '')) return undefined;
    this.next.set(fileHash, entry);
    return { key, textHash, headerHash };
  }

  /** Records that the file of text `file` holds the render of key `key` whose text is `text` under `header` (`file` is `header + text`). */
  public record(file: string, header: string, key: string, text: string): void {
    this.recordHashes(sha256(file), { key, textHash: sha256(text), headerHash: sha256(header) });
  }

  /** `record`, with the file's, the text's and the header's sha256 already known (of the file's bytes, read as they are). */
  public recordHashes(fileHash: string, held: CommittedRender): void {
    this.next.set(fileHash, `${held.key} ${held.textHash} ${held.headerHash}`);
  }

  /** Saves this run's entries (appended, or written afresh: `EntriesFile.save`); never throws. */
  public save(): void {
    this.stored.save(this.next);
  }
}
