// `npm run pr-comment`: posts or edits the rendered diff on a pull request and sets the
// tsys-platform/review commit status (lib/delivery/cli.ts).
// Kept for `tsx scripts/pr-comment.ts`; the command line is parsed by the one program (scripts/tsys.ts).
import { main } from './tsys';

void main(['pr-comment', ...process.argv.slice(2)]);
