// `npm run verify`: strict schema and reference checks of the rendered dist/ and argocd/.
// Kept for `tsx scripts/verify.ts`; the command line is parsed by the one program (scripts/tsys.ts).
import { main } from './tsys';

void main(['verify', ...process.argv.slice(2)]);
