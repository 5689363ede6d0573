// `npm run publish`: synth, verify, commit the render, push to the branch Argo CD follows (lib/delivery/publish.ts).
// Kept for `tsx scripts/publish.ts`; the command line is parsed by the one program (scripts/tsys.ts).
import { main } from './tsys';

void main(['publish', ...process.argv.slice(2)]);
