// `npm run diff -- [--base <git-ref>] [--format markdown|terminal] [--out <file>] [--exit-code] [--live]`: the
// semantic diff of the rendered objects between a revision (default: the merge base with main) and the working
// tree, or (--live) between the working tree's render and what Argo CD reports.
import { runDiffCli } from '../lib/diff/command';

void Promise.resolve(runDiffCli(process.argv.slice(2))).then((code) => {
  process.exitCode = code;
});
