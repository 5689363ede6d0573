// `npm run promote`: promote or abort an app's paused blue/green or canary release (lib/drill/promote.ts).
import { runPromoteCli } from '../lib/drill/cli';

void runPromoteCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
