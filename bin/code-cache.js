'use strict';
// A V8 code cache for one CommonJS file (the command line's bundle, bin/bundle.js): Node 20 compiles
// a required file from its text on every start (~50 ms for the 1.5 MB bundle, and each function
// again when it first runs). V8 can hand back what it compiled (`script.createCachedData()`) and
// take it at the next start (`new vm.Script(text, { cachedData })`), which skips that work.
//
// The cache is an optimisation only. It lives beside the bundle, keyed by what identifies the text
// it was made from (its bytes' sha256 and encoding), Node's and V8's versions and the platform; its bytes carry their own sha256 (V8
// checks a cache's version, flags and source length, but a release build does not check its
// payload). A missing, stale, garbled or truncated cache, or one V8 rejects, only means that the
// text is compiled as without one, and a new cache is written after the command ran.
const crypto = require('crypto');
const fs = require('fs');
const Module = require('module');
const path = require('path');
const vm = require('vm');

/** The first word of a cache file; the layout of its header line. */
const MAGIC = 'tsys-v8-code-cache-1';

/** The hex sha256 of bytes. */
const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');

/** What a cache of the text identified by `textId` depends on: the text, Node, V8 and the platform. */
function cacheKey(textId) {
  return sha256(`${MAGIC}\0${textId}\0${process.version}\0${process.versions.v8}\0${process.arch}\0${process.platform}`);
}

/** The cache in `file` when it was made for `key` and is whole (its bytes' sha256); else undefined. */
function readCodeCache(file, key) {
  let data;
  try {
    data = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  const end = data.indexOf(10);
  if (end < 0 || end > 512) return undefined;
  const [magic, k, hash] = data.subarray(0, end).toString('latin1').split(' ');
  if (magic !== MAGIC || k !== key) return undefined;
  const body = data.subarray(end + 1);
  return body.length > 0 && sha256(body) === hash ? body : undefined;
}

/** Writes the cache `body` for `key` to `file` atomically (a reader sees the old file or the new one). */
function writeCodeCache(file, key, body) {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, Buffer.concat([Buffer.from(`${MAGIC} ${key} ${sha256(body)}\n`, 'latin1'), body]));
    fs.renameSync(tmp, file);
  } catch {
    // Only the next start's time depends on it.
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Runs `file` (its real path; `text` its contents, `textId` what identifies them) as `require(file)`
 * would: its own module object in require's cache, `require` resolving from its folder, and
 * `__filename`/`__dirname` its own. Compiled with the code cache in `cacheFile` when there is a
 * current one. Returns its exports, `cached` (whether V8 took the cache) and `save`, which writes
 * a new cache when none was taken: call it after the command ran, so that the cache also holds the
 * functions the command compiled on its way.
 */
function requireCached(file, text, textId, cacheFile) {
  const key = cacheKey(textId);
  const cachedData = readCodeCache(cacheFile, key);
  const options = { filename: file, cachedData };
  if (vm.constants && vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER) options.importModuleDynamically = vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  const script = new vm.Script(Module.wrap(text), options);
  const cached = cachedData !== undefined && !script.cachedDataRejected;
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  Module._cache[file] = mod;
  try {
    script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  } catch (e) {
    delete Module._cache[file];
    throw e;
  }
  mod.loaded = true;
  const save = () => {
    if (!cached) writeCodeCache(cacheFile, key, script.createCachedData());
  };
  return { exports: mod.exports, cached, save };
}

module.exports = { requireCached, readCodeCache, cacheKey, MAGIC };
