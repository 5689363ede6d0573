'use strict';
// The command line's code as one file, so that a command does not pay tsx's per-module transform
// and cache look-ups (~0.6 s of CPU on every `npm run synth`): scripts/tsys.ts and the platform
// code it imports (lib/, imports/, scripts/), and the npm packages they require (cdk8s, zod, yaml,
// commander...: Node loading them file by file took ~0.25 s of each start), bundled by esbuild, so
// that one V8 code cache covers all of it.
//
// The bundle is an optimisation only. It lives under node_modules/.cache (never in git), it is
// keyed by the bytes of every file it was built from, by this file and bin/code-cache.js,
// esbuild's and Node's versions; when any of them differ it is built again. When it cannot be
// built or written, or TSYS_NO_BUNDLE is set, the command runs from the sources through tsx as
// before. Each module keeps its own `__dirname` and `__filename` (the source file's), so paths the
// code resolves from them (the repository root, imports/schemas, lib/ for the code fingerprint)
// are the same as from the sources. The bundle is compiled with a V8 code cache (code-cache.js).
//
// Checking the stamp trusts a file's stat, as git trusts its index: the stamp holds each input's
// sha256 and, beside it, its size, mtime, ctime and inode; a file whose stat is the recorded one is
// not read again, any other is hashed (and the stat recorded when its hash still matches). The
// race git has (a file changed again within the same timestamp tick after its stat was taken
// keeps the same stat) is avoided by recording a stat only when the file's mtime and ctime are
// older than RACY_MS when it is taken: a later change gets a newer ctime, which the kernel sets
// and no tool can set back. A file changed within RACY_MS of a check is hashed at every start
// until a start finds it older.
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { requireCached } = require('./code-cache');

/** The layout of the stamp and of the bundle: another value builds again. */
const FORMAT = 3;

/** How the bundle's text is stored: one byte a character when it can be (read without decoding UTF-8). */
const ENCODINGS = ['latin1', 'utf8'];

/** A stat is recorded only for a file changed at least this long before it was taken (ms). */
const RACY_MS = 2000;

/** A bundle whose stamp does not name its entry (a broken stamp), or a temporary file, is removed once it is this old (ms). */
const UNCLAIMED_MS = 7 * 24 * 3600 * 1000;

/**
 * @typedef {object} StampOptions
 * @property {number} [racyMs] RACY_MS unless given (tests give 0, to have stats recorded at once).
 */

/** The hex sha256 of bytes. */
const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');

/** What the bundle depends on besides its inputs: this file and code-cache.js, esbuild's and Node's versions, the entry. */
function builderKey(entry) {
  let esbuild = 'none';
  try {
    esbuild = JSON.parse(fs.readFileSync(require.resolve('esbuild/package.json'), 'utf8')).version;
  } catch {
    // No esbuild: nothing can be built (bundleOf says so).
  }
  const code = fs.readFileSync(__filename, 'utf8') + fs.readFileSync(require.resolve('./code-cache'), 'utf8');
  return sha256(`${FORMAT}\0${code}\0${esbuild}\0${process.version}\0${entry}`);
}

/**
 * Where the bundle of `entry` (an absolute path), its stamp and its code caches go: one code cache
 * per `use` (a command's name), as each holds the functions its first run compiled.
 */
function bundlePaths(entry, cacheDir, use = 'default') {
  const name = sha256(entry).slice(0, 16);
  const tag = /^[a-z][a-z0-9-]{0,40}$/.test(use) ? use : 'other';
  return { bundle: path.join(cacheDir, `${name}.js`), stamp: path.join(cacheDir, `${name}.json`), codeCache: path.join(cacheDir, `${name}.${tag}.v8cache`) };
}

/** A file's stat as the stamp records it (size, mtime, ctime, inode; times in ms with their fraction). */
function statKey(s) {
  return `${s.size}:${s.mtimeMs}:${s.ctimeMs}:${s.ino}`;
}

/** The stat to record for a file whose stat `s` was taken at `now` (ms): none when it changed within `racyMs`. */
function trustable(s, now, racyMs) {
  return s.mtimeMs < now - racyMs && s.ctimeMs < now - racyMs ? statKey(s) : null;
}

/** The recorded hash and stat of one file: `{ hash, stat }` (stat null when not trusted). */
function isRecord(r) {
  return typeof r === 'object' && r !== null && typeof r.hash === 'string' && (r.stat === null || typeof r.stat === 'string');
}

/**
 * Whether the input `file` still has the `record`ed bytes: by its stat when it is the recorded one,
 * else by its hash (and then `refresh` is given the stat to record, when it can be trusted).
 */
function inputIsCurrent(file, record, now, racyMs, refresh) {
  const before = fs.statSync(file);
  if (record.stat !== null && statKey(before) === record.stat) return true;
  if (sha256(fs.readFileSync(file)) !== record.hash) return false;
  const stat = trustable(before, now, racyMs);
  if (stat !== null) refresh(stat);
  return true;
}

/** What identifies the text of the bundle the stamp's `record` describes: its bytes' sha256 and their encoding. */
function textId(record) {
  return `${record.hash}:${record.encoding}`;
}

/**
 * The current bundle at `paths` (`{ file, text, id }`, id: textId), or undefined: built from
 * exactly the files there now, by this builder, and itself the file that was written. The bundle
 * is read through one descriptor whose stat is taken before and after, so that the id given is the
 * text's. A stamp whose stats were refreshed is written again (best effort).
 */
function currentBundle(paths, key, racyMs) {
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(paths.stamp, 'utf8'));
  } catch {
    return undefined;
  }
  if (!stamp || stamp.key !== key || !isRecord(stamp.bundle) || !ENCODINGS.includes(stamp.bundle.encoding) || typeof stamp.inputs !== 'object' || stamp.inputs === null) return undefined;
  const now = Date.now();
  let refreshed = false;
  let fd;
  try {
    for (const [file, record] of Object.entries(stamp.inputs)) {
      if (!isRecord(record)) return undefined;
      const current = inputIsCurrent(file, record, now, racyMs, (stat) => {
        record.stat = stat;
        refreshed = true;
      });
      if (!current) return undefined;
    }
    const file = fs.realpathSync(paths.bundle);
    fd = fs.openSync(file, 'r');
    const before = fs.fstatSync(fd);
    const bytes = fs.readFileSync(fd);
    const after = fs.fstatSync(fd);
    const unchanged = statKey(before) === statKey(after);
    if (!unchanged || stamp.bundle.stat === null || statKey(before) !== stamp.bundle.stat) {
      if (sha256(bytes) !== stamp.bundle.hash) return undefined;
      const stat = unchanged ? trustable(before, now, racyMs) : null;
      if (stat !== null) {
        stamp.bundle.stat = stat;
        refreshed = true;
      }
    }
    if (refreshed) {
      try {
        writeAtomic(paths.stamp, `${JSON.stringify(stamp)}\n`);
      } catch {
        // Only the next start's time depends on it.
      }
    }
    return { file, text: bytes.toString(stamp.bundle.encoding), id: textId(stamp.bundle) };
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
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
 * the sources; and the record of every input as esbuild read it (`seen`): the hash of its bytes,
 * and its stat taken before they were read (none when it changed while read or within RACY_MS),
 * so that a file edited while the bundle is built leaves a stamp that does not match it.
 */
function sourcePaths(seen, racyMs) {
  const loaders = { '.ts': 'ts', '.js': 'js', '.cjs': 'js', '.mjs': 'js', '.json': 'json' };
  return {
    name: 'source-paths',
    setup(build) {
      build.onLoad({ filter: /\.(ts|js|cjs|mjs|json)$/ }, (args) => {
        const before = fs.statSync(args.path);
        const bytes = fs.readFileSync(args.path);
        const after = fs.statSync(args.path);
        const text = bytes.toString('utf8');
        // The bytes' hash, as a start hashes them (a file that is not UTF-8 keeps its hash).
        seen.set(args.path, { hash: sha256(bytes), stat: statKey(before) === statKey(after) ? trustable(before, Date.now(), racyMs) : null });
        const loader = loaders[path.extname(args.path)];
        return {
          contents: loader === 'json' ? text : text.replace(/\b__dirname\b/g, JSON.stringify(path.dirname(args.path))).replace(/\b__filename\b/g, JSON.stringify(args.path)),
          loader,
        };
      });
    },
  };
}

/**
 * Builds the bundle of `entry` to `paths` with its stamp: the bundle as currentBundle gives it.
 * Throws when esbuild is missing or the build fails.
 */
async function build(entry, paths, key, racyMs) {
  const esbuild = require('esbuild');
  const seen = new Map();
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    write: false,
    metafile: true,
    absWorkingDir: process.cwd(),
    logLevel: 'silent',
    // No comments nor indentation: a smaller file to read (2.8 MB instead of 3.9), and one whose
    // every character fits in one byte (the comments of some packages have curly quotes).
    minifyWhitespace: true,
    outfile: paths.bundle,
    plugins: [sourcePaths(seen, racyMs)],
  });
  const text = Buffer.from(result.outputFiles[0].contents).toString('utf8');
  const encoding = /[^\x00-\xff]/.test(text) ? 'utf8' : 'latin1';
  const bytes = Buffer.from(text, encoding);
  const inputs = {};
  for (const input of Object.keys(result.metafile.inputs).sort()) {
    const file = path.resolve(process.cwd(), input);
    // Every input went through the plugin; one that did not cannot be checked later: no bundle.
    if (!seen.has(file)) throw new Error(`${file}: not read by the bundle's plugin`);
    inputs[file] = seen.get(file);
  }
  const hash = sha256(bytes);
  fs.mkdirSync(path.dirname(paths.bundle), { recursive: true });
  writeAtomic(paths.bundle, bytes);
  // The bundle was just written: its stat is recorded by a later start (racyMs).
  const record = { hash, stat: null, encoding };
  writeAtomic(paths.stamp, `${JSON.stringify({ key, entry, bundle: record, inputs })}\n`);
  return { file: fs.realpathSync(paths.bundle), text, id: textId(record) };
}

/**
 * Removes from `cacheDir` the bundles no start can use any more: each checkout (or scratch copy of
 * one) that shares this node_modules has its own bundle, stamp and code caches (about 6 MB), named
 * by its entry's path, and nothing removed them when the checkout went (a day of helper clones and
 * test copies left 1.1 GB). A bundle goes when its checkout is gone: the entry its stamp names (one
 * that hashes to the bundle's name) is no longer a file; for a stamp written before stamps named
 * their entry, the input whose path hashes to the name, else (an entry reached through a link,
 * which esbuild records by its real path) every input outside node_modules. A bundle without a
 * readable stamp, and a temporary file left by a killed write, go once older than UNCLAIMED_MS.
 * Only files changed at least RACY_MS before the prune started are removed (a checkout made again
 * at the same path while this runs keeps what it just built), and of `keep` (the bundle just
 * built) only its old temporary files. Best effort: a file that cannot be read or removed is
 * left. `now`: the time to compare ages against (tests give a later one).
 */
function pruneBundles(cacheDir, keep, now = Date.now()) {
  const start = Date.now();
  let names;
  try {
    names = fs.readdirSync(cacheDir);
  } catch {
    return;
  }
  const groups = new Map();
  for (const n of names) {
    const m = /^([0-9a-f]{16})\./.exec(n);
    if (!m) continue;
    if (!groups.has(m[1])) groups.set(m[1], []);
    groups.get(m[1]).push(n);
  }
  const mtime = (n) => {
    try {
      return fs.statSync(path.join(cacheDir, n)).mtimeMs;
    } catch {
      return undefined;
    }
  };
  const old = (n) => {
    const t = mtime(n);
    return t !== undefined && t < now - UNCLAIMED_MS;
  };
  const remove = (n) => {
    const t = mtime(n);
    if (t === undefined || t >= start - RACY_MS) return;
    try {
      fs.rmSync(path.join(cacheDir, n), { force: true });
    } catch {
      // Left for a later build.
    }
  };
  const isFile = (file) => {
    try {
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  };
  for (const [name, files] of groups) {
    for (const n of files) if (n.endsWith('.tmp') && old(n)) remove(n);
    if (name === keep) continue;
    let stamp;
    try {
      stamp = JSON.parse(fs.readFileSync(path.join(cacheDir, `${name}.json`), 'utf8'));
    } catch {
      stamp = undefined;
    }
    let live;
    if (!stamp || typeof stamp !== 'object') live = !files.every(old);
    else {
      const named = (file) => typeof file === 'string' && sha256(file).slice(0, 16) === name;
      const inputs = stamp.inputs && typeof stamp.inputs === 'object' ? Object.keys(stamp.inputs) : [];
      const entry = named(stamp.entry) ? stamp.entry : inputs.find(named);
      if (entry !== undefined) live = isFile(entry);
      else {
        const own = inputs.filter((f) => !f.split(path.sep).includes('node_modules'));
        live = own.length ? own.some(isFile) : !files.every(old);
      }
    }
    if (!live) for (const n of files) remove(n);
  }
}

/**
 * The current bundle of `entry` (absolute): `{ file, text, hash }`, building it when there is none
 * or it is stale; undefined when it cannot be built or written (the caller runs the sources).
 * `built` is told whether it was built (for tests). `options`: StampOptions.
 */
async function currentOrBuilt(entry, cacheDir, built = () => undefined, options = {}) {
  const racyMs = options.racyMs ?? RACY_MS;
  const key = builderKey(entry);
  const paths = bundlePaths(entry, cacheDir);
  const current = currentBundle(paths, key, racyMs);
  if (current) {
    built(false);
    return current;
  }
  let fresh;
  try {
    fresh = await build(entry, paths, key, racyMs);
  } catch {
    return undefined;
  }
  built(true);
  // A build is rare (a code change): the time to look for bundles of checkouts that went.
  pruneBundles(cacheDir, path.basename(paths.bundle, '.js'));
  return fresh;
}

/** The path of a current bundle of `entry`, as currentOrBuilt (for tests). */
async function bundleOf(entry, cacheDir, built = () => undefined, options = {}) {
  const bundle = await currentOrBuilt(entry, cacheDir, built, options);
  return bundle && bundlePaths(entry, cacheDir).bundle;
}

/**
 * `entry` (a TypeScript module) loaded: `exports`, from its bundle under `cacheDir` (compiled with
 * its code cache for `use`, a command's name) when it is current or can be built, else from the
 * sources through tsx; and `saveCodeCache`, to call once the command ran: it writes the code cache
 * for `use` when there was no current one (best effort; nothing when run from the sources).
 * `bundled` and `codeCached` say which way it was loaded (for tests). `options`: StampOptions.
 */
async function startEntry(entry, cacheDir, use = 'default', options = {}) {
  const bundle = process.env.TSYS_NO_BUNDLE ? undefined : await currentOrBuilt(entry, cacheDir, undefined, options);
  if (bundle) {
    const loaded = requireCached(bundle.file, bundle.text, bundle.id, bundlePaths(entry, cacheDir, use).codeCache);
    return { exports: loaded.exports, bundled: true, codeCached: loaded.cached, saveCodeCache: loaded.save };
  }
  require('tsx/cjs');
  return { exports: require(entry), bundled: false, codeCached: false, saveCodeCache: () => undefined };
}

/** The exports of `entry`, as startEntry, without writing a code cache. */
async function loadEntry(entry, cacheDir) {
  return (await startEntry(entry, cacheDir)).exports;
}

module.exports = { bundleOf, loadEntry, pruneBundles, startEntry, FORMAT, RACY_MS, UNCLAIMED_MS };
