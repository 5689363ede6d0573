/** One problem in an input file, with where it is and what is allowed. */
export interface ConfigIssue {
  /** File as the user named it (relative to the repo when possible). */
  readonly file: string;
  /** 1-based line, or 0 when the file has no such node. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
  /** Dotted field path, e.g. `nodes[2].ip`; empty for the whole document. */
  readonly field: string;
  /** What is wrong and what is allowed. */
  readonly message: string;
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  return `${where}: ${issue.field || '(document)'}: ${issue.message}`;
}

/** Invalid site configuration or app spec. Carries every issue found, not only the first. */
export class ConfigError extends Error {
  public readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const lines = issues.map(formatIssue);
    super(`invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n  ${lines.join('\n  ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}
