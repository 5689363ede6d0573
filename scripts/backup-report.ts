/**
 * Lists every volume in the rendered dist/ with the backup schedules that cover it and their
 * retention (Velero Schedules, Longhorn backup jobs), or its opt-out.
 * Usage: npm run backup-report [-- --root <repo root>] [--json]
 * Exit codes: 0 every volume covered or opted out; 1 a volume is not covered, a rendered file does
 * not read as manifests, or an error (docs/cli.md).
 */
import * as path from 'path';
import type { Invocation } from '../lib/command-line/invocation';
import { isSystemError, rootRefusal, systemMessage } from '../lib/system-error';
import { backupReportMarkdown, backupReportRows } from '../lib/backups/report';
import { brokenTreeLines, loadTree } from '../lib/k8s/tree';
import { readFactsFile } from '../lib/facts/facts';

/** `tsys backup-report [--root <dir>] [--json]`: returns the exit code. */
export function runBackupReport({ options }: Invocation<'backup-report'>): number {
  const root = path.resolve(options.root ?? path.join(__dirname, '..'));
  const badRoot = rootRefusal(options.root, root);
  if (badRoot) {
    console.error(`backup-report: ${badRoot}`);
    return 1;
  }
  try {
    const { objects, problems: unread } = loadTree(root);
    const broken = brokenTreeLines(unread);
    if (broken.length) throw new Error(broken.join('\nbackup-report: '));
    if (!objects.some((o) => o.file.startsWith('dist/'))) throw new Error(`no rendered objects under ${root}/dist; run npm run synth first`);
    const { facts, problems } = readFactsFile(root);
    if (problems.length) throw new Error(problems.join('; '));
    const rows = backupReportRows(objects, facts);
    process.stdout.write(options.json ? `${JSON.stringify(rows, null, 2)}\n` : backupReportMarkdown(objects, facts));
    return rows.some((r) => r.status === 'NOT COVERED' || r.status.startsWith('opt-out without')) ? 1 : 0;
  } catch (e) {
    // An environment fault (a rendered file that cannot be read): the file and what to do.
    console.error(`backup-report: ${isSystemError(e) ? systemMessage(e, { where: root }) : (e as Error).message}`);
    return 1;
  }
}

if (require.main === module) void (require('./tsys') as typeof import('./tsys')).main(['backup-report', ...process.argv.slice(2)]);
