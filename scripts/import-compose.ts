// `npm run import-compose -- <docker-compose.yml>`: one app spec per service (lib/delivery/import-compose.ts).
// Kept for `tsx scripts/import-compose.ts`; the command line is parsed by the one program (scripts/tsys.ts).
import { main } from './tsys';

void main(['import-compose', ...process.argv.slice(2)]);
