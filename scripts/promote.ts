// `npm run promote`: promote or abort an app's paused blue/green or canary release (lib/drill/promote.ts).
// Kept for `tsx scripts/promote.ts`; the command line is parsed by the one program (scripts/tsys.ts).
import { main } from './tsys';

void main(['promote', ...process.argv.slice(2)]);
