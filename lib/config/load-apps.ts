import * as fs from 'fs';
import * as path from 'path';
import { loadYamlData } from '../k8s/manifest-yaml';
import { checkAppCalls, checkAppCallsTogether } from './app-calls-rules';
import { checkAppAgainstPlatform, checkAppDatabasesTogether, checkAppTcpPortsTogether } from './app-platform-rules';
import { checkAppAgainstSite, checkAppRules, checkAppsTogether, checkKindFields } from './app-rules';
import { APP_NAME, AppSpec, AppSpecSchema } from './app-schema';
import { rememberJsonText } from '../cache-file';
import { appContextDigest, AppSpecCache, appSpecKey, appTextDigest, specWithNameJson } from './app-spec-cache';
import { settled } from '../render/render-stats';
import { ConfigError, ConfigIssue } from './errors';
import { isSystemError, readInputFile, unreadable } from './input-file';
import { deepFreeze, readYaml, sortIssues, zodIssues } from './load';
import { platformTaken } from './platform-rules';
import type { LayerNeeds, PlatformTaken } from './platform-rules';
import type { Site } from './schema';
import { previewHost, previewHostField } from '../paas/conventions';

/** The app's name from its file: `apps/wiki.yaml` is the app `wiki`. */
export function appNameOf(file: string): string {
  return path.basename(file).replace(/\.ya?ml$/, '');
}

/**
 * Text where js-yaml (the fast path) and the `yaml` package (the path with positions, which reads
 * site.yaml too) could read different values: a `%YAML` directive (the `yaml` package honours
 * `%YAML 1.1`, where `017620` is octal), a binary number `0b1010` (js-yaml's, not YAML 1.2's) and
 * a signed hex or octal one (`-0x1F`). Such a file takes the path with positions only, so what it
 * means never depends on whether it has another mistake.
 */
const FAST_PATH_MAY_DIFFER = /^%|(?:^|[^\w.])(?:[-+]?0b[01]|[-+]0[xo])/m;

/**
 * Parses and validates one app spec; `file` is the name used in messages and gives the app
 * its name. Throws a ConfigError naming file, line, field and what is allowed. `layerNeeds`: the
 * UIs and databases the layers take (`LAYER_NEEDS` of lib/layers/index.ts), which the app's hosts
 * and databases must not clash with; absent, they are not checked. `taken`: what those layers take
 * for this site (`platformTaken(site, layerNeeds ?? [])`, computed when absent), given by a caller
 * that parses many apps for one site.
 */
export function parseApp(text: string, file: string, site: Site, layerNeeds?: readonly LayerNeeds[], taken: PlatformTaken = platformTaken(site, layerNeeds ?? [])): AppSpec {
  const name = appNameOf(file);
  if (!APP_NAME.test(name)) {
    throw new ConfigError([{ file, line: 0, column: 0, field: '', message: `the file name gives the app its name, and "${name}" is not one: lower-case letters, digits and "-", starting with a letter, at most 40 (rename the file)` }]);
  }
  // Fast path (a thousand apps load in a fraction of a second): js-yaml, then the schema and
  // the rules; only a file with a problem is parsed again with positions for the messages.
  let quick: unknown;
  try {
    quick = FAST_PATH_MAY_DIFFER.test(text) ? undefined : loadYamlData(text);
  } catch {
    quick = undefined;
  }
  if (quick !== undefined) {
    const fast = AppSpecSchema.safeParse(quick ?? {});
    if (fast.success && checkKindFields(quick).length === 0 && checkAppRules(fast.data).length === 0 && checkAppAgainstSite(fast.data, site).length === 0 && checkAppAgainstPlatform({ ...fast.data, name }, site, layerNeeds, taken).length === 0 && checkAppCalls({ ...fast.data, name }).length === 0) {
      return deepFreeze({ ...fast.data, name, file });
    }
  }
  const { data, source } = readYaml(file, text);
  const parsed = AppSpecSchema.safeParse(data ?? {});
  if (!parsed.success) throw new ConfigError(sortIssues(zodIssues(parsed.error, data, source, AppSpecSchema)));
  const rules = [...checkKindFields(data), ...checkAppRules(parsed.data), ...checkAppAgainstSite(parsed.data, site), ...checkAppAgainstPlatform({ ...parsed.data, name }, site, layerNeeds, taken), ...checkAppCalls({ ...parsed.data, name })].map((r) => source.issue(r.path, r.message, r.atKey));
  if (rules.length) throw new ConfigError(sortIssues(rules));
  return deepFreeze({ ...parsed.data, name, file });
}

/**
 * Whether a file name in `apps/` is an app spec: `*.yaml` or `*.yml`, not hidden. Dotfiles and
 * editor files (Emacs `.#x.yaml` lock links and `#x.yaml#`, Vim `.x.yaml.swp`, `x.yaml~`,
 * `x.yaml.bak`, `x.yaml.orig`) are not, and are ignored.
 */
export function isAppSpecName(name: string): boolean {
  return /\.ya?ml$/.test(name) && !/^[.#]/.test(name);
}

/**
 * App spec files of a folder (see isAppSpecName), sorted by name; none when the folder does not
 * exist. Throws a ConfigError naming the folder when it cannot be listed.
 */
export function appFiles(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    if (!isSystemError(e)) throw e;
    if (e.code === 'ENOENT') return [];
    throw unreadable(e, path.relative(process.cwd(), dir) || dir, 'the app folder');
  }
  // A name that is an app spec but for its case or a space after it (`web.YAML`, `web.yaml `) would be
  // skipped, and its app removed from the render without a word: refused, naming the file.
  const misnamed = names.filter((n) => !isAppSpecName(n) && !/^[.#]/.test(n) && /\.ya?ml\s*$/i.test(n)).sort();
  if (misnamed.length) {
    const shown = path.relative(process.cwd(), dir) || dir;
    throw new ConfigError(misnamed.map((n) => ({ file: path.join(shown, n), line: 0, column: 0, field: '', message: `an app spec's name ends in .yaml or .yml, in lower case, with nothing after it, so this file is not read as one: rename it to ${JSON.stringify(n.trim().replace(/\.ya?ml$/i, (e) => e.toLowerCase()))}, or move it out of ${shown}/ if it is not an app` })));
  }
  return names.filter(isAppSpecName).sort().map((f) => path.join(dir, f));
}

/** `lstat` of an app file, or undefined when it cannot be taken (the file is then read, and any problem reported from there). */
function statOf(file: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(file, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** An app file taken from the cache by its stat without being read: `readTrusted` checks its text is still the one trusted. */
interface UnreadApp {
  readonly file: string;
  readonly shown: string;
  readonly digest: string;
}

/** A file trusted by its stat changed before its text was read (during the load): the load starts again, reading every file. */
class ChangedDuringLoad extends Error {}

/**
 * Loads every app spec of `dir` (`apps/*.yaml`) and checks them together: every file's
 * problems are reported at once, then rules across apps (one app per host name, no object two
 * apps would both render, no database two apps bind, no TCP port two apps expose, every app
 * called is there, in the caller's environment, with a Service and the port named);
 * `layerNeeds`: see `parseApp`. `cache` (synth's): a spec validated by an earlier synth for the same
 * file text, site and layers' needs is taken from there instead of parsed and checked again, and a
 * plain file whose stat is the one the cache recorded with its text's digest is not even read
 * (`AppSpecCache.trustedDigest`); a file with a problem is always read and parsed, and the rules
 * across apps always run (a message about an app not read reads its file then).
 */
export function loadApps(dir: string, site: Site, layerNeeds?: readonly LayerNeeds[], cache?: AppSpecCache): AppSpec[] {
  try {
    return loadAppsOnce(dir, site, layerNeeds, cache, true);
  } catch (e) {
    if (!(e instanceof ChangedDuringLoad)) throw e;
    return loadAppsOnce(dir, site, layerNeeds, cache, false);
  }
}

/**
 * Remembers a JSON text of the (deep-frozen) app spec `spec` (lib/cache-file.ts `rememberJsonText`),
 * made from `json`, the cache's text of it without its name and file: the render's cache key
 * (lib/render/app-renders.ts `appRenderKey`) takes it instead of turning the spec into JSON again.
 */
function withJsonText(spec: AppSpec, json: string): AppSpec {
  rememberJsonText(spec, specWithNameJson(json, spec.name, spec.file));
  return spec;
}

/** `loadApps`; `trust`: whether a file may be trusted by its stat (see there). */
function loadAppsOnce(dir: string, site: Site, layerNeeds: readonly LayerNeeds[] | undefined, cache: AppSpecCache | undefined, trust: boolean): AppSpec[] {
  const issues: ConfigIssue[] = [];
  const apps: AppSpec[] = [];
  const names = new Map<string, string>();
  const texts = new Map<string, string>();
  const unread = new Map<string, UnreadApp>();
  const context = cache ? appContextDigest(site, layerNeeds) : undefined;
  // What the layers take for this site: the same for every app, computed once (only when an app is parsed).
  let taken: PlatformTaken | undefined;
  // Each file as the user knows it, `path.relative(process.cwd(), file) || file`: the folder's made once,
  // unless the working folder is inside the app folder (then a file's relative path may not go through its folder's).
  const cwd = process.cwd();
  const shownDir = path.relative(cwd, dir);
  const cwdInside = !/^(\.\.)?$/.test(path.relative(dir, cwd).split(path.sep)[0]);
  for (const file of appFiles(dir)) {
    const shown = cwdInside ? path.relative(cwd, file) || file : shownDir ? `${shownDir}${path.sep}${path.basename(file)}` : path.basename(file);
    const name = appNameOf(file);
    if (names.has(name)) {
      issues.push({ file: shown, line: 0, column: 0, field: '', message: `the app "${name}" is also defined by ${names.get(name)}; keep one file per app` });
      continue;
    }
    names.set(name, shown);
    try {
      // The stat is taken before the file is read: a change after it changes the stat the next load sees.
      const at = Date.now();
      const found = cache && context !== undefined ? statOf(file) : undefined;
      const stat = found?.isFile() && settled(found, at) ? found : undefined;
      const trusted = trust && stat ? cache?.trustedDigest(file, stat) : undefined;
      if (trusted !== undefined && context !== undefined) {
        const cached = cache?.getWithJson(appSpecKey(name, trusted, context));
        if (cached) {
          cache?.noteFile(file, stat!, trusted);
          unread.set(name, { file, shown, digest: trusted });
          apps.push(withJsonText(deepFreeze({ ...cached.spec, name, file: shown }), cached.json));
          continue;
        }
      }
      const text = readInputFile(file, shown, 'the app spec');
      texts.set(name, text);
      const digest = cache && context !== undefined ? appTextDigest(text) : undefined;
      const key = digest !== undefined && context !== undefined ? appSpecKey(name, digest, context) : undefined;
      const cached = key === undefined ? undefined : cache?.getWithJson(key);
      if (cached) {
        if (stat) cache?.noteFile(file, stat, digest!);
        apps.push(withJsonText(deepFreeze({ ...cached.spec, name, file: shown }), cached.json));
        continue;
      }
      taken ??= platformTaken(site, layerNeeds ?? []);
      const spec = parseApp(text, shown, site, layerNeeds, taken);
      if (key !== undefined) {
        const { name: _name, file: _file, ...validated } = spec;
        const json = cache?.put(key, validated);
        if (json !== undefined) withJsonText(spec, json);
        if (stat) cache?.noteFile(file, stat, digest!);
      }
      apps.push(spec);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      issues.push(...e.issues);
    }
  }
  /** The text of an app's file: as read, or read now for an app trusted by its stat (still the text trusted, else the load starts again). */
  const textOf = (app: AppSpec): string => {
    const known = texts.get(app.name);
    if (known !== undefined) return known;
    const u = unread.get(app.name)!;
    let text: string;
    try {
      text = readInputFile(u.file, u.shown, 'the app spec');
    } catch {
      throw new ChangedDuringLoad();
    }
    if (appTextDigest(text) !== u.digest) throw new ChangedDuringLoad();
    texts.set(app.name, text);
    return text;
  };
  // Host names: an app's own (expose.http.host) and its preview's (a blueGreen app's).
  const hosts = new Map<string, { app: AppSpec; preview: boolean }>();
  for (const app of apps) {
    const own = app.expose.http?.host;
    const preview = previewHost(app, site.domain);
    for (const [host, isPreview] of [[own, false], [preview, true]] as const) {
      if (!host) continue;
      const other = hosts.get(host);
      if (!other) {
        hosts.set(host, { app, preview: isPreview });
        continue;
      }
      const { source } = readYaml(app.file, textOf(app));
      const usedBy = other.app === app ? 'is already the app\'s own host (expose.http.host)' : `is already used by the app "${other.app.name}" (${other.app.file})${other.preview ? ' as its preview host' : ''}`;
      issues.push(isPreview
        ? source.issue(previewHostField(app), `the preview host "${host}" of this blueGreen app ${usedBy}; one app per host name: set preview.host to a host of its own, or write \`preview: { host: false }\` for none`)
        : source.issue(['expose', 'http', 'host'], `host "${host}" ${usedBy}; one app per host name`));
    }
  }
  // Objects two apps would both render (the Service "<app>-preview" of a blueGreen app and an app of that name), databases two apps bind, TCP ports two apps expose,
  // apps called (`calls`) that are not there, not in the caller's environment, or without a Service or the port named.
  for (const clash of [...checkAppsTogether(apps), ...checkAppDatabasesTogether(apps), ...checkAppTcpPortsTogether(apps), ...checkAppCallsTogether(apps, new Set(names.keys()))]) {
    const { source } = readYaml(clash.app.file, textOf(clash.app));
    issues.push(source.issue(clash.path, clash.message));
  }
  if (issues.length) throw new ConfigError(issues);
  return apps;
}
