import * as fs from 'fs';
import * as path from 'path';
import { loadYamlData } from '../k8s/manifest-yaml';
import { checkAppAgainstPlatform, checkAppDatabasesTogether, checkAppTcpPortsTogether } from './app-platform-rules';
import { checkAppAgainstSite, checkAppRules, checkAppsTogether, checkKindFields } from './app-rules';
import { APP_NAME, AppSpec, AppSpecSchema } from './app-schema';
import { appContextDigest, AppSpecCache, appSpecKey } from './app-spec-cache';
import { ConfigError, ConfigIssue } from './errors';
import { isSystemError, readInputFile, unreadable } from './input-file';
import { deepFreeze, readYaml, sortIssues, zodIssues } from './load';
import type { LayerNeeds } from './platform-rules';
import type { Site } from './schema';
import { previewHost, previewHostField } from '../paas/conventions';

/** The app's name from its file: `apps/wiki.yaml` is the app `wiki`. */
export function appNameOf(file: string): string {
  return path.basename(file).replace(/\.ya?ml$/, '');
}

/**
 * Parses and validates one app spec; `file` is the name used in messages and gives the app
 * its name. Throws a ConfigError naming file, line, field and what is allowed. `layerNeeds`: the
 * UIs and databases the layers take (`LAYER_NEEDS` of lib/layers/index.ts), which the app's hosts
 * and databases must not clash with; absent, they are not checked.
 */
export function parseApp(text: string, file: string, site: Site, layerNeeds?: readonly LayerNeeds[]): AppSpec {
  const name = appNameOf(file);
  if (!APP_NAME.test(name)) {
    throw new ConfigError([{ file, line: 0, column: 0, field: '', message: `the file name gives the app its name, and "${name}" is not one: lower-case letters, digits and "-", starting with a letter, at most 40 (rename the file)` }]);
  }
  // Fast path (a thousand apps load in a fraction of a second): js-yaml, then the schema and
  // the rules; only a file with a problem is parsed again with positions for the messages.
  let quick: unknown;
  try {
    quick = loadYamlData(text);
  } catch {
    quick = undefined;
  }
  if (quick !== undefined) {
    const fast = AppSpecSchema.safeParse(quick ?? {});
    if (fast.success && checkKindFields(quick).length === 0 && checkAppRules(fast.data).length === 0 && checkAppAgainstSite(fast.data, site).length === 0 && checkAppAgainstPlatform({ ...fast.data, name }, site, layerNeeds).length === 0) {
      return deepFreeze({ ...fast.data, name, file });
    }
  }
  const { data, source } = readYaml(file, text);
  const parsed = AppSpecSchema.safeParse(data ?? {});
  if (!parsed.success) throw new ConfigError(sortIssues(zodIssues(parsed.error, data, source, AppSpecSchema)));
  const rules = [...checkKindFields(data), ...checkAppRules(parsed.data), ...checkAppAgainstSite(parsed.data, site), ...checkAppAgainstPlatform({ ...parsed.data, name }, site, layerNeeds)].map((r) => source.issue(r.path, r.message, r.atKey));
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
  return names.filter(isAppSpecName).sort().map((f) => path.join(dir, f));
}

/**
 * Loads every app spec of `dir` (`apps/*.yaml`) and checks them together: every file's
 * problems are reported at once, then rules across apps (one app per host name, no object two
 * apps would both render, no database two apps bind, no TCP port two apps expose);
 * `layerNeeds`: see `parseApp`. `cache` (synth's): a spec validated by an earlier synth for the same
 * file text, site and layers' needs is taken from there instead of parsed and checked again; a file
 * with a problem is always parsed, and the rules across apps always run.
 */
export function loadApps(dir: string, site: Site, layerNeeds?: readonly LayerNeeds[], cache?: AppSpecCache): AppSpec[] {
  const issues: ConfigIssue[] = [];
  const apps: AppSpec[] = [];
  const names = new Map<string, string>();
  const texts = new Map<string, string>();
  const context = cache ? appContextDigest(site, layerNeeds) : undefined;
  for (const file of appFiles(dir)) {
    const shown = path.relative(process.cwd(), file) || file;
    const name = appNameOf(file);
    if (names.has(name)) {
      issues.push({ file: shown, line: 0, column: 0, field: '', message: `the app "${name}" is also defined by ${names.get(name)}; keep one file per app` });
      continue;
    }
    names.set(name, shown);
    try {
      const text = readInputFile(file, shown, 'the app spec');
      texts.set(name, text);
      const key = cache && context !== undefined ? appSpecKey(name, text, context) : undefined;
      const cached = key === undefined ? undefined : cache?.get(key);
      if (cached) {
        apps.push(deepFreeze({ ...cached, name, file: shown }));
        continue;
      }
      const spec = parseApp(text, shown, site, layerNeeds);
      if (key !== undefined) {
        const { name: _name, file: _file, ...validated } = spec;
        cache?.put(key, validated);
      }
      apps.push(spec);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      issues.push(...e.issues);
    }
  }
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
      const { source } = readYaml(app.file, texts.get(app.name)!);
      const usedBy = other.app === app ? 'is already the app\'s own host (expose.http.host)' : `is already used by the app "${other.app.name}" (${other.app.file})${other.preview ? ' as its preview host' : ''}`;
      issues.push(isPreview
        ? source.issue(previewHostField(app), `the preview host "${host}" of this blueGreen app ${usedBy}; one app per host name: set preview.host to a host of its own, or write \`preview: { host: false }\` for none`)
        : source.issue(['expose', 'http', 'host'], `host "${host}" ${usedBy}; one app per host name`));
    }
  }
  // Objects two apps would both render (the Service "<app>-preview" of a blueGreen app and an app of that name), databases two apps bind, TCP ports two apps expose.
  for (const clash of [...checkAppsTogether(apps), ...checkAppDatabasesTogether(apps), ...checkAppTcpPortsTogether(apps)]) {
    const { source } = readYaml(clash.app.file, texts.get(clash.app.name)!);
    issues.push(source.issue(clash.path, clash.message));
  }
  if (issues.length) throw new ConfigError(issues);
  return apps;
}
