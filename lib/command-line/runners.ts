import type { Runner } from './program';

/**
 * The actions of the commands implemented in lib/, each loaded when its command runs, so that
 * `tsys --help` and `tsys whatif` load only what they use. Loaded with `require`, not `import()`:
 * tsx's CommonJS hook compiles what `require` loads, while `import()` goes to Node's ESM loader.
 * The commands whose code lives in scripts/ (bench, schemas, import, backup-report) get their
 * runners from scripts/tsys.ts.
 */
export const LIB_RUNNERS: Readonly<Record<string, Runner>> = {
  synth: (args) => (require('../cli') as typeof import('../cli')).runSynthCli(args),
  verify: (args) => (require('../cli') as typeof import('../cli')).runVerifyCli(undefined, args),
  whatif: (args) => (require('../verify/whatif') as typeof import('../verify/whatif')).runWhatIfCli(args),
  diff: (args) => (require('../diff/command') as typeof import('../diff/command')).runDiffCli(args),
  'pr-comment': (args) => (require('../delivery/cli') as typeof import('../delivery/cli')).runPrCommentCli(args),
  publish: (args) => (require('../delivery/cli') as typeof import('../delivery/cli')).runPublishCli(args),
  mirror: (args) => (require('../delivery/cli') as typeof import('../delivery/cli')).runMirrorCli(args),
  status: (args) => (require('../delivery/cli') as typeof import('../delivery/cli')).runStatusCli(args),
  drill: async (args) => {
    const { runDrillCli } = require('../drill/cli') as typeof import('../drill/cli');
    const { processIo } = require('../delivery/cli') as typeof import('../delivery/cli');
    // Ctrl-C stops the drill, which says what to undo.
    const interrupt = new AbortController();
    const stop = () => interrupt.abort();
    process.once('SIGINT', stop);
    try {
      return await runDrillCli(args, processIo(), { signal: interrupt.signal });
    } finally {
      process.removeListener('SIGINT', stop);
    }
  },
  promote: (args) => (require('../drill/cli') as typeof import('../drill/cli')).runPromoteCli(args),
  'import-compose': (args) => (require('../delivery/app-cli') as typeof import('../delivery/app-cli')).runImportComposeCli(args),
  release: (args) => (require('../delivery/app-cli') as typeof import('../delivery/app-cli')).runReleaseCli(args),
  vendor: (args) => {
    const { chartComponents, MANIFEST_COMPONENTS, runVendorCli } = require('../vendor/vendor-command') as typeof import('../vendor/vendor-command');
    const { CHART_PINS } = require('../layers') as typeof import('../layers');
    return runVendorCli(args, undefined, { components: { ...chartComponents(CHART_PINS), ...MANIFEST_COMPONENTS } });
  },
  versions: () => {
    const { versionsTable } = require('../versions') as typeof import('../versions');
    const { CHART_PINS } = require('../layers') as typeof import('../layers');
    for (const line of versionsTable(CHART_PINS)) console.log(line);
    return 0;
  },
};
