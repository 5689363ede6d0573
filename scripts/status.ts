// `npm run status`: each layer's sync and health in Argo CD, against the local HEAD (lib/delivery/status.ts).
// Kept for `tsx scripts/status.ts`; the command line is parsed by the one program (scripts/tsys.ts).
import { main } from './tsys';

void main(['status', ...process.argv.slice(2)]);
