// `npm run pr-comment`: posts or edits the rendered diff on a pull request and sets the
// tsys-platform/review commit status (lib/delivery/cli.ts).
import { runPrCommentCli } from '../lib/delivery/cli';

void runPrCommentCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
