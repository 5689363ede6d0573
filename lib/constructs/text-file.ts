import { Construct } from 'constructs';

/** Where files that are not Kubernetes objects may go: outside every Argo CD path. */
export const TEXT_FILE_ROOTS = ['dist/hosts/', 'docs/', 'reports/'] as const;

export interface TextFileProps {
  /** Path relative to the repo root, under `dist/hosts/`, `docs/` or `reports/`. */
  readonly path: string;
  /**
   * The content, or a function computed at render time (after every construct exists,
   * e.g. to list what other constructs registered).
   */
  readonly content: string | (() => string);
  /**
   * Mark the file executable (install scripts).
   * @default false
   */
  readonly executable?: boolean;
}

/**
 * A rendered file that is not a Kubernetes object: host configuration, install scripts,
 * the HAProxy backend list, generated docs. Kept out of the folders Argo CD reads.
 */
export class TextFile extends Construct {
  public readonly path: string;
  public readonly executable: boolean;
  private readonly content: string | (() => string);

  constructor(scope: Construct, id: string, props: TextFileProps) {
    super(scope, id);
    if (!TEXT_FILE_ROOTS.some((root) => props.path.startsWith(root)) || props.path.includes('..')) {
      throw new Error(`${this.node.path}: file "${props.path}" must live under ${TEXT_FILE_ROOTS.join(' or ')} (Argo CD reads every file in its paths)`);
    }
    this.path = props.path;
    this.executable = props.executable ?? false;
    this.content = props.content;
  }

  /** The file's content, computed now. */
  public render(): string {
    return typeof this.content === 'function' ? this.content() : this.content;
  }
}
