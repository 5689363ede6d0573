/**
 * Lists every volume in the rendered dist/ with the backup schedules that cover it and their
 * retention (Velero Schedules, Longhorn backup jobs), or its opt-out.
 * Usage: npm run backup-report [-- --root <repo root>] [--json]
 * Exit codes: 0 every volume covered or opted out; 2 a volume is not covered; 1 errors.
 */
import * as path from 'path';
import { backupReportMarkdown, backupReportRows } from '../lib/backups/report';
import { loadTree } from '../lib/k8s/tree';
import { readFactsFile } from '../lib/facts/facts';

const args = process.argv.slice(2);
const rootAt = args.indexOf('--root');
const root = path.resolve(rootAt >= 0 ? args[rootAt + 1] : path.join(__dirname, '..'));
try {
  const { objects } = loadTree(root);
  if (!objects.some((o) => o.file.startsWith('dist/'))) throw new Error(`no rendered objects under ${root}/dist; run npm run synth first`);
  const { facts, problems } = readFactsFile(root);
  if (problems.length) throw new Error(problems.join('; '));
  const rows = backupReportRows(objects, facts);
  process.stdout.write(args.includes('--json') ? `${JSON.stringify(rows, null, 2)}\n` : backupReportMarkdown(objects, facts));
  process.exitCode = rows.some((r) => r.status === 'NOT COVERED' || r.status.startsWith('opt-out without')) ? 2 : 0;
} catch (e) {
  console.error(`backup-report: ${(e as Error).message}`);
  process.exitCode = 1;
}
