import { COMMENT_MARKER, CommentResult, Forge } from './forge';

/** The commit status pr-comment sets: required by branch protection to merge. */
export const REVIEW_CONTEXT = 'tsys-platform/review';
/** The label a reviewer adds to a pull request to accept its risky changes. */
export const DEFAULT_APPROVAL_LABEL = 'risky-change-approved';

/** What CI knows about a pull request's head commit. */
export interface ReviewInput {
  /** Pull request number on the forge. */
  readonly pr: number;
  /** The head commit the status is set on. */
  readonly sha: string;
  /** The rendered diff, Markdown (from `npm run diff -- --format markdown`). */
  readonly body: string;
  /** `npm run synth` or `npm run verify` failed on this commit. */
  readonly verifyFailed: boolean;
  /** The diff flagged a risky change. */
  readonly risky: boolean;
  /** The label that accepts a risky change. */
  readonly approvalLabel: string;
  /** Link shown with the status (the CI run). */
  readonly targetUrl?: string;
}

/** The review gate's result. */
export interface ReviewVerdict {
  readonly state: 'success' | 'failure';
  readonly description: string;
}

/** The outcome on one forge. */
export interface ReviewResult {
  readonly forge: string;
  readonly comment: CommentResult;
  readonly verdict: ReviewVerdict;
}

/**
 * The gate: failure when verify failed, or when the change is risky and the pull request lacks
 * the approval label (compared without case, as both forges treat label names); success otherwise.
 */
export function reviewVerdict(input: Pick<ReviewInput, 'verifyFailed' | 'risky' | 'approvalLabel'>, labels: readonly string[]): ReviewVerdict {
  if (input.verifyFailed) return { state: 'failure', description: 'synth/verify failed on the rendered output: see the CI log' };
  const approved = labels.some((l) => l.toLowerCase() === input.approvalLabel.toLowerCase());
  if (input.risky && !approved) return { state: 'failure', description: `risky change: a reviewer must add the label "${input.approvalLabel}" after reading the diff` };
  if (input.risky) return { state: 'success', description: `risky change accepted with the label "${input.approvalLabel}"` };
  return { state: 'success', description: 'rendered diff posted; no risky change' };
}

/** The comment: the marker, one line with the gate's result, then the diff (any marker in it dropped). */
export function reviewComment(input: Pick<ReviewInput, 'sha' | 'body'>, verdict: ReviewVerdict): string {
  const diff = input.body.split('\n').filter((line) => line.trim() !== COMMENT_MARKER).join('\n').trim();
  const line = `> **${REVIEW_CONTEXT}: ${verdict.state}** for \`${input.sha.slice(0, 12)}\`: ${verdict.description}`;
  return `${COMMENT_MARKER}\n${line}\n\n${diff}\n`;
}

/**
 * Reviews one pull request on one forge: reads its labels when the change is risky, posts or
 * edits the one platform comment, then sets the REVIEW_CONTEXT status on the head commit.
 */
export async function reviewPullRequest(forge: Forge, input: ReviewInput): Promise<ReviewResult> {
  const labels = input.risky && !input.verifyFailed ? await forge.labels(input.pr) : [];
  const verdict = reviewVerdict(input, labels);
  const comment = await forge.upsertComment(input.pr, reviewComment(input, verdict));
  await forge.setStatus(input.sha, verdict.state, REVIEW_CONTEXT, verdict.description, input.targetUrl);
  return { forge: forge.name, comment, verdict };
}
