// Renders the platform for site.yaml into dist/ and argocd/ (verified, then swapped in atomically).
// Run by `npm run synth` and by `cdk8s synth` (cdk8s.yaml).
// The command line goes through the one program (scripts/tsys.ts), as `tsys synth` does.
import { main } from './scripts/tsys';

void main(['synth', ...process.argv.slice(2)]);
