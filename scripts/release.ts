// `npm run release -- <app> <image-tag-or-digest>`: set the app's image, synth, verify, commit, push (lib/paas/release.ts).
import { runReleaseCli } from '../lib/paas/cli';

void runReleaseCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
