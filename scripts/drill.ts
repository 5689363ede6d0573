// `npm run drill`: the node-failure drill on the real cluster (lib/drill/drill.ts); Ctrl-C stops it and says what to undo.
// Kept for `tsx scripts/drill.ts`; the command line is parsed by the one program (scripts/tsys.ts).
import { main } from './tsys';

void main(['drill', ...process.argv.slice(2)]);
