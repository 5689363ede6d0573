'use strict';
// The command line's code as one file, so that a command does not pay tsx's per-module transform
// and cache look-ups (~0.6 s of CPU on every `npm run synth`): scripts/tsys.ts and the platform
// code it imports (lib/, imports/, scripts/) bundled by esbuild, its npm packages left external.
//
// The bundle is an optimisation only. It lives under node_modules/.cache (never in git), it is
// keyed by the bytes of every file it was built from (hashed on each start: ~250 files, a few
// milliseconds), by this file, esbuild's and Node's versions; when any of them differ it is built
// again. When it cannot be built or written, or TSYS_NO_BUNDLE is set, the command runs from the
// sources through tsx as before. Each module keeps its own `__dirname` and `__filename` (the
// source file's), so paths the code resolves from them (the repository root, imports/schemas,
// lib/ for the code fingerprint) are the same as from the sources.
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

/** The layout of the stamp and of the bundle: another value builds again. */
const FORMAT = 1;

/** The hex sha256 of bytes. */
const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');

/** What the bundle depends on besides its inputs: this file, esbuild's and Node's versions, the entry. */
function builderKey(entry) {
  let esbuild = 'none';
  try {
    esbuild = JSON.parse(fs.readFileSync(require.resolve('esbuild/package.json'), 'utf8')).version;
  } catch {
    // No esbuild: nothing can be built (bundleOf says so).
  }
  return sha256(`${FORMAT}\0${fs.readFileSync(__filename, 'utf8')}\0${esbuild}\0${process.version}\0${entry}`);
}

/** Where the bundle of `entry` (an absolute path) and its stamp go. */
function bundlePaths(entry, cacheDir) {
  const name = sha256(entry).slice(0, 16);
  return { bundle: path.join(cacheDir, `${name}.js`), stamp: path.join(cacheDir, `${name}.json`) };
}

/**
 * Whether the bundle at `paths` was built from exactly the files there now (each input's bytes
 * hashed), by this builder, and is itself the file that was written (its hash).
 */
function isCurrent(paths, key) {
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(paths.stamp, 'utf8'));
  } catch {
    return false;
  }
  if (!stamp || stamp.key !== key || typeof stamp.inputs !== 'object' || stamp.inputs === null || typeof stamp.bundle !== 'string') return false;
  try {
    for (const [file, hash] of Object.entries(stamp.inputs)) if (sha256(fs.readFileSync(file)) !== hash) return false;
    return sha256(fs.readFileSync(paths.bundle)) === stamp.bundle;
  } catch {
    return false;
  }
}

/** Writes `text` to `file` atomically (a reader sees the old file or the new one). */
function writeAtomic(file, text) {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * esbuild plugin: each module's `__dirname`/`__filename` are its source file's, as when run from
 * the sources; and the hash of every input's bytes as esbuild read them (`seen`), so that a file
 * edited while the bundle is built leaves a stamp that does not match it.
 */
function sourcePaths(seen) {
  const loaders = { '.ts': 'ts', '.js': 'js', '.json': 'json' };
  return {
    name: 'source-paths',
    setup(build) {
      build.onLoad({ filter: /\.(ts|js|json)$/ }, (args) => {
        const text = fs.readFileSync(args.path, 'utf8');
        seen.set(args.path, sha256(text));
        const loader = loaders[path.extname(args.path)];
        return {
          contents: loader === 'json' ? text : text.replace(/\b__dirname\b/g, JSON.stringify(path.dirname(args.path))).replace(/\b__filename\b/g, JSON.stringify(args.path)),
          loader,
        };
      });
    },
  };
}

/** Builds the bundle of `entry` to `paths` with its stamp. Throws when esbuild is missing or the build fails. */
async function build(entry, paths, key) {
  const esbuild = require('esbuild');
  const seen = new Map();
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    packages: 'external',
    write: false,
    metafile: true,
    absWorkingDir: process.cwd(),
    logLevel: 'silent',
    outfile: paths.bundle,
    plugins: [sourcePaths(seen)],
  });
  const text = result.outputFiles[0].contents;
  const inputs = {};
  for (const input of Object.keys(result.metafile.inputs).sort()) {
    const file = path.resolve(process.cwd(), input);
    // Every input went through the plugin; one that did not cannot be checked later: no bundle.
    if (!seen.has(file)) throw new Error(`${file}: not read by the bundle's plugin`);
    inputs[file] = seen.get(file);
  }
  fs.mkdirSync(path.dirname(paths.bundle), { recursive: true });
  writeAtomic(paths.bundle, text);
  writeAtomic(paths.stamp, `${JSON.stringify({ key, bundle: sha256(text), inputs })}\n`);
}

/**
 * The path of a current bundle of `entry` (absolute), building it when there is none or it is
 * stale; undefined when it cannot be built or written (the caller runs the sources). `built` is
 * told whether it was built (for tests).
 */
async function bundleOf(entry, cacheDir, built = () => undefined) {
  const key = builderKey(entry);
  const paths = bundlePaths(entry, cacheDir);
  if (isCurrent(paths, key)) {
    built(false);
    return paths.bundle;
  }
  try {
    await build(entry, paths, key);
  } catch {
    return undefined;
  }
  built(true);
  return paths.bundle;
}

/**
 * The exports of `entry` (a TypeScript module): from its bundle under `cacheDir` when it is current
 * or can be built, else from the sources through tsx.
 */
async function loadEntry(entry, cacheDir) {
  const bundle = process.env.TSYS_NO_BUNDLE ? undefined : await bundleOf(entry, cacheDir);
  if (bundle) return require(bundle);
  require('tsx/cjs');
  return require(entry);
}

module.exports = { bundleOf, loadEntry, FORMAT };
