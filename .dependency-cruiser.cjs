/**
 * The import graph of lib/: no circles, and every import goes down the floors of
 * docs/architecture.md ("Floors") or stays on its own floor. `npm run graph` prints the
 * violations; test/architecture.test.ts fails `npm test` (and so CI) on any.
 *
 * A floor is a list of path patterns (relative to the repository root). A file that sits on a
 * lower floor than its folder is named on that floor. Keep this list and the doc in step.
 */

/** Bottom to top. */
const FLOORS = [
  {
    name: 'k8s',
    paths: ['^lib/k8s/'],
  },
  { name: 'base', paths: ['^lib/(platform-error|system-error|yaml-error|cache-file|collect-garbage|reserved|versions|layer|iam|registry|ldap-schema|rule|markdown-cell)\\.ts$', '^lib/vendor/'] },
  { name: 'render-engine', paths: ['^lib/render/(?!render\\.ts$)'] },
  {
    name: 'model',
    paths: [
      '^lib/ha/',
      '^lib/facts/',
      '^lib/backups/',
      // Files whose folder is higher up: facts that the spec rules and the failure model read.
      '^lib/gitops/argocd\\.ts$',
      '^lib/hosts/(node-labels|k3s-config)\\.ts$',
      '^lib/paas/(conventions|probes|app-objects|calls|binding-conventions|binding-templates)\\.ts$',
    ],
  },
  { name: 'spec', paths: ['^lib/config/', '^lib/(inventory|context)\\.ts$'] },
  { name: 'constructs', paths: ['^lib/constructs/'] },
  { name: 'paas', paths: ['^lib/paas/'] },
  { name: 'layers', paths: ['^lib/(layers|gitops|hosts|monitoring|docs)/'] },
  { name: 'verify', paths: ['^lib/verify/'] },
  { name: 'platform', paths: ['^lib/(platform|synth)\\.ts$', '^lib/render/render\\.ts$'] },
  { name: 'tools', paths: ['^lib/(diff|drill|delivery)/', '^lib/cli-errors\\.ts$'] },
  { name: 'cli', paths: ['^lib/cli\\.ts$', '^lib/command-line/'] },
];

/**
 * Named interfaces: modules of pure types that a lower floor may import with `import type`
 * (erased at compile time, so no module of a higher floor loads). A value import of them from
 * below is still a violation. `floor` is the floor the module is on.
 */
const TYPE_INTERFACES = [
  // The site and app specs (zod schemas with their inferred types): every floor reads them.
  { path: '^lib/config/(schema|app-schema)\\.ts$', floor: 'spec', why: 'the spec types Site and AppSpec' },
  // PlatformContext (spec floor) carries the apps address lock; AppsLock is its type.
  { path: '^lib/paas/lock\\.ts$', floor: 'paas', why: 'AppsLock, carried by PlatformContext' },
  // The command line as typed values (the one parser is the program): each command's runner takes it.
  { path: '^lib/command-line/invocation\\.ts$', floor: 'cli', why: 'Invocation, the checked command line a runner receives' },
];

/** Value imports up the floors that stay (from a file of `floor`), each with why. Keep this list short. */
const EXCEPTIONS = [];

const floorIndex = (name) => {
  const i = FLOORS.findIndex((f) => f.name === name);
  if (i < 0) throw new Error(`.dependency-cruiser.cjs: no floor named ${name}; use one of ${FLOORS.map((f) => f.name).join(', ')}`);
  return i;
};
const any = (paths) => paths.join('|');
const above = (i) => FLOORS.slice(i + 1).flatMap((f) => f.paths);
const below = (i) => FLOORS.slice(0, i).flatMap((f) => f.paths);
// A file on a lower floor is listed before its folder's pattern; match it only there.
const lowerFiles = (i) => below(i).filter((p) => p.endsWith('$'));
const exceptionFroms = EXCEPTIONS.map((e) => e.from);

const floorRules = FLOORS.slice(0, -1).map((floor, i) => ({
  name: `floor-${i}-${floor.name}-imports-down`,
  comment: `lib/ floor ${i} (${floor.name}) imports only its own floor and those below (docs/architecture.md, Floors)`,
  severity: 'error',
  from: { path: any(floor.paths), pathNot: [...lowerFiles(i), ...exceptionFroms] },
  to: { path: any(above(i)), pathNot: [...lowerFiles(i + 1), ...TYPE_INTERFACES.map((t) => t.path)] },
}));

const exceptionRules = EXCEPTIONS.map((e, n) => {
  const i = floorIndex(e.floor);
  return {
    name: `exception-${n}-imports-down`,
    comment: `${e.from} may import ${e.to} only: ${e.why}`,
    severity: 'error',
    from: { path: e.from },
    to: { path: any(above(i)), pathNot: [e.to, ...lowerFiles(i + 1), ...TYPE_INTERFACES.map((t) => t.path)] },
  };
});

const interfaceRules = TYPE_INTERFACES.map((t, n) => {
  const i = floorIndex(t.floor);
  return {
    name: `interface-${n}-types-only-from-below`,
    comment: `from a lower floor, ${t.path} (${t.why}) is imported with \`import type\` only`,
    severity: 'error',
    from: { path: any(below(i)) },
    to: { path: t.path, dependencyTypesNot: ['type-only'] },
  };
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'no import circle in lib/: break it by moving what both sides need down a floor',
      severity: 'error',
      from: { path: '^lib/' },
      to: { circular: true },
    },
    {
      name: 'lib-imports-lib',
      comment: 'lib/ never imports scripts/ or test/',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^(scripts|test)/' },
    },
    {
      name: 'every-file-on-a-floor',
      comment: 'every file of lib/ is on a floor: add it to FLOORS here and to docs/architecture.md',
      severity: 'error',
      from: { path: '^lib/', pathNot: FLOORS.flatMap((f) => f.paths) },
      to: {},
    },
    {
      name: 'imports-a-file-on-a-floor',
      comment: 'every file of lib/ is on a floor: add it to FLOORS here and to docs/architecture.md',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^lib/', pathNot: FLOORS.flatMap((f) => f.paths) },
    },
    ...floorRules,
    ...exceptionRules,
    ...interfaceRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
    // Type-only imports are seen (and told apart) from the TypeScript source.
    tsPreCompilationDeps: true,
    moduleSystems: ['cjs', 'es6'],
  },
};
