/**
 * What an operator must do by hand after a change to the files Argo CD does not apply
 * (`dist/hosts/`): the step each changed file calls for, derived from where the file is and
 * which node's `install.sh` reads it.
 */

/** The folder of the host files. */
export const HOSTS_DIR = 'dist/hosts';

/** One step to take by hand, and the files that call for it. */
export interface ManualAction {
  /** The step, plain text: `re-run dist/hosts/www1/install.sh on www1`. */
  readonly step: string;
  /** The changed files it is for, sorted. */
  readonly files: readonly string[];
}

/** A file of one side of the diff (path and text). */
export interface HostFileSide {
  readonly path: string;
  readonly content: string;
}

/** A changed file: its path and whether it was added, removed or changed. */
export interface ChangedFile {
  readonly path: string;
  readonly status: 'added' | 'removed' | 'changed';
}

/** Files under dist/hosts that nothing installs: documentation and inputs of the tools (verify, whatif). */
const NOT_INSTALLED = new Set(['README.md', 'facts.yaml', 'failure-model.yaml', 'haproxy/README.md']);

/** Files applied somewhere other than a node, relative to dist/hosts, and the step. */
const ELSEWHERE: Readonly<Record<string, (file: string) => string>> = {
  'haproxy/haproxy.cfg': (file) => `apply ${file} on OPNsense (Services > HAProxy: its backends and frontends, then Apply), as ${HOSTS_DIR}/haproxy/README.md describes`,
};

/** A node's install script: `dist/hosts/<node>/install.sh`. */
function nodeOf(file: string): string | undefined {
  const m = new RegExp(`^${HOSTS_DIR}/([^/]+)/install\\.sh$`).exec(file);
  return m?.[1];
}

/**
 * The files under dist/hosts that a node's install script reads: its own folder (`$HERE/x`) and
 * files beside it (`$HERE/../x`), as paths from the repository root.
 */
export function filesReadBy(node: string, script: string): Set<string> {
  const read = new Set<string>();
  for (const m of script.matchAll(/\$HERE\/((?:\.\.\/)?[A-Za-z0-9._/-]+)/g)) {
    const rel = m[1];
    read.add(rel.startsWith('../') ? `${HOSTS_DIR}/${rel.slice(3)}` : `${HOSTS_DIR}/${node}/${rel}`);
  }
  return read;
}

/**
 * The manual steps for the changed host files: a new node is joined (its step in the runbook), a
 * removed one drained and deleted, and every node whose install script reads a changed file (its
 * own `config.yaml`, the shared `registries.yaml`, kube-vip on servers) re-runs it; HAProxy's
 * configuration goes to OPNsense. Nodes are found on both sides (a node's folder holds
 * `install.sh`), so a removed node's files still name it.
 */
export function manualActions(changes: readonly ChangedFile[], base: readonly HostFileSide[], head: readonly HostFileSide[]): ManualAction[] {
  const hostChanges = changes.filter((c) => c.path.startsWith(`${HOSTS_DIR}/`));
  if (hostChanges.length === 0) return [];
  const scripts = new Map<string, { base?: string; head?: string }>();
  for (const [side, files] of [['base', base], ['head', head]] as const) {
    for (const f of files) {
      const node = nodeOf(f.path);
      if (node) scripts.set(node, { ...scripts.get(node), [side]: f.content });
    }
  }
  const actions = new Map<string, Set<string>>();
  const add = (step: string, file: string) => {
    const set = actions.get(step) ?? new Set<string>();
    set.add(file);
    actions.set(step, set);
  };
  const readers = (file: string, side: 'base' | 'head') =>
    [...scripts].filter(([node, s]) => s[side] !== undefined && filesReadBy(node, s[side]!).has(file)).map(([node]) => node);

  for (const c of hostChanges) {
    const rel = c.path.slice(HOSTS_DIR.length + 1);
    const node = nodeOf(c.path);
    if (node && c.status === 'added') {
      add(`join ${node}: copy ${HOSTS_DIR} to ${node} and run ${node}/install.sh there, as its step in ${HOSTS_DIR}/README.md says (one node at a time, in join order)`, c.path);
      continue;
    }
    if (node && c.status === 'removed') {
      add(`take ${node} out of the cluster: kubectl drain ${node} --ignore-daemonsets --delete-emptydir-data, kubectl delete node ${node}, then uninstall k3s on ${node} (k3s-uninstall.sh on a server, k3s-agent-uninstall.sh on an agent)`, c.path);
      continue;
    }
    if (NOT_INSTALLED.has(rel)) continue;
    const elsewhere = ELSEWHERE[rel];
    if (elsewhere) {
      add(elsewhere(c.path), c.path);
      continue;
    }
    // Nodes joining or leaving are covered by their own step.
    const nodes = [...new Set([...readers(c.path, 'head'), ...(c.status === 'removed' ? readers(c.path, 'base') : [])])]
      .filter((n) => scripts.get(n)?.base !== undefined && scripts.get(n)?.head !== undefined);
    const folder = rel.split('/')[0];
    if (nodes.length === 0 && scripts.has(folder)) {
      if (scripts.get(folder)?.base !== undefined && scripts.get(folder)?.head !== undefined) nodes.push(folder);
      else continue;
    }
    if (nodes.length === 0) {
      add(`copy ${c.path} to where it is used, as ${HOSTS_DIR}/README.md says (no node's install.sh reads it)`, c.path);
      continue;
    }
    for (const n of nodes.sort()) add(`re-run ${HOSTS_DIR}/${n}/install.sh on ${n} (copy the whole ${HOSTS_DIR} folder there first)`, c.path);
  }
  return [...actions].map(([step, files]) => ({ step, files: [...files].sort() })).sort((a, b) => (a.step < b.step ? -1 : a.step > b.step ? 1 : 0));
}
