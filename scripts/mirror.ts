// `npm run mirror [-- --setup]`: shows or creates Gitea's push mirror to GitHub (lib/delivery/mirror.ts).
// Kept for `tsx scripts/mirror.ts`; the command line is parsed by the one program (scripts/tsys.ts).
import { main } from './tsys';

void main(['mirror', ...process.argv.slice(2)]);
