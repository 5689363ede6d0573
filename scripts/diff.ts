// `npm run diff -- [--base <git-ref>] [--format markdown|terminal] [--out <file>]`: the semantic diff of the
// rendered objects between a revision (default: the merge base with main) and the working tree.
import { runDiffCli } from '../lib/diff/command';

process.exitCode = runDiffCli(process.argv.slice(2));
