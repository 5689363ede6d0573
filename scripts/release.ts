// `npm run release -- <app> <image-tag-or-digest>`: set the app's image, synth, verify, commit, push (lib/delivery/release.ts).
import { runReleaseCli } from '../lib/delivery/app-cli';

void runReleaseCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
