// `npm run diff -- [--base <git-ref>] [--format markdown|terminal] [--out <file>] [--exit-code] [--live]`: the
// semantic diff of the rendered objects between a revision (default: the merge base with main) and the working
// tree, or (--live) between the working tree's render and what Argo CD reports.
// Kept for `tsx scripts/diff.ts`; the command line is parsed by the one program (scripts/tsys.ts).
import { main } from './tsys';

void main(['diff', ...process.argv.slice(2)]);
