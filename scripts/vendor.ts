// `npm run vendor -- <name> <version> [--from <git-dir-or-url>]`: vendors an upstream chart or manifest set (lib/vendor/vendor-command.ts).
import { runVendorCli } from '../lib/vendor/vendor-command';

process.exitCode = runVendorCli(process.argv.slice(2));
