// `npm run release -- <app> <image-tag-or-digest>`: set the app's image, synth, verify, commit, push (lib/delivery/release.ts).
// Kept for `tsx scripts/release.ts`; the command line is parsed by the one program (scripts/tsys.ts).
import { main } from './tsys';

void main(['release', ...process.argv.slice(2)]);
