import { loadManifests } from '../k8s/manifest-yaml';
import { loadSource, loadTree, ParseManifests, TreeSource } from '../k8s/tree';
import type { CheckCache } from './check-cache';
import type { HaModel } from '../ha/model';
import { HA_CHECKS, haContext } from './ha-rules';
import { SchemaRegistry } from './schemas';
import { PlatformFacts, readFactsFile } from '../facts/facts';
import { Finding } from './tree';
import { treeOf } from './tree-of';
import { TreeRow } from './tree-index';
import type { Vouching } from './vouched';
import { verifiedExcept, vouchedFiles } from './rules';
import type { VerifiedTree } from './verified-tree';
import { SPLIT_RULES, VERIFY_RULES } from './verify-rules';

export { formatFinding } from './tree';
export type { Finding } from './tree';
export { secretLiterals } from './secret-literals';

/** Where verify's time goes: `simulation` is the N-1 node-failure rule (ha/failure), `verify` every other rule, the tree's load and the HA model. */
export type VerifyPhase = 'verify' | 'simulation';

/** Told how long each part of a run took (milliseconds; a phase may be told more than once, to be added up). */
export type PhaseTimer<P extends string> = (phase: P, ms: number) => void;

/** Options of `verifyTree`. */
export interface VerifyOptions {
  /** Told how long the rules and the simulation took (`npm run bench`'s phase breakdown). @default - nothing */
  readonly time?: PhaseTimer<VerifyPhase>;
  /** Told how long each rule took, by its id (verify's and the HA rules', in the order they ran; `npm run bench` names the slowest). @default - nothing */
  readonly ruleTime?: PhaseTimer<string>;
  /** Results of the per-object checks (schemas, secrets) of earlier runs, used and added to; the caller saves it. @default - every check runs */
  readonly checks?: CheckCache;
  /**
   * The tree to check, held in memory (synth's render before it is written): its files are read
   * from here instead of under `root`. @default - the files under `root`
   */
  readonly source?: TreeSource;
  /**
   * How a manifest file's text is read into documents: synth passes the documents its render
   * serialised (lib/render/documents.ts), taken only for a file whose text is exactly what was
   * serialised. @default - every file is parsed (`loadManifests`)
   */
  readonly parse?: ParseManifests;
  /**
   * The HA model of this tree, built by the caller from the same files (synth's, from the render in
   * memory with the facts it passes): the HA rules read it instead of building it again from the
   * tree. @default - built from the tree
   */
  readonly model?: HaModel;
  /**
   * Apps whose last synth verified them and that were taken from it unchanged (synth's, from
   * lib/render/app-renders.ts): their objects' per-object checks (schemas, secret scans, the HA
   * container rules) are not run or looked up while their schema identities are the same; and
   * where verify tells what it checked of each object, for the next synth. @default - every object is checked
   */
  readonly vouched?: Vouching;
  /**
   * The last tree synth verified and swapped in (./verified-tree.ts), and the documents of one of
   * its files (read back from the outputs; undefined when they cannot be): a split rule whose inputs
   * are the same as that tree's is not run again (it found nothing there, so finds nothing here).
   * @default - every rule runs
   */
  readonly verified?: { readonly tree: VerifiedTree; readonly previous: (file: string) => readonly unknown[] | undefined };
}

/** The split rules among VERIFY_RULES (the HA rules run over their own context). */
const VERIFY_SPLIT_RULES = SPLIT_RULES.filter((r) => VERIFY_RULES.some((v) => v.id === r.id));

const since = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;

/**
 * Checks a rendered tree (`<root>/dist`, `<root>/argocd`) exactly as Argo CD will apply it:
 * strict schemas, then the reference rules. Returns every finding; empty means valid. `facts` are
 * what the build declared (synth passes them); without them the tree's facts file is read.
 * With `options.checks`, per-object results of earlier runs are reused (the same findings, faster).
 */
export function verifyTree(root: string, registry: SchemaRegistry = new SchemaRegistry(), facts?: PlatformFacts, options: VerifyOptions = {}): Finding[] {
  const time = options.time;
  const start = process.hrtime.bigint();
  let simulationMs = 0;
  // What the platform declares about its objects: as the build returned them (synth), else from their file.
  const declared = facts ? { facts, problems: [] } : readFactsFile(root, options.source);
  const source = options.source;
  const parse: ParseManifests = options.parse ?? loadManifests;
  // Each object is read into its index row (one record per object: lib/verify/tree-index.ts).
  const make = TreeRow.maker(declared.facts);
  const tree = treeOf(source ? loadSource(source, parse, make) : loadTree(root, parse, make), { root, registry, facts: declared.facts, ...(options.checks ? { checks: options.checks } : {}), ...(source ? { read: source.read } : {}), ...(options.vouched ? { vouched: options.vouched } : {}) });
  const findings: Finding[] = [];
  const unchanged = options.verified?.tree.unchanged(tree, options.verified.previous, VERIFY_SPLIT_RULES);
  if (unchanged?.perObject) verifiedExcept(tree, unchanged.perObject);
  for (const rule of VERIFY_RULES) {
    if (unchanged?.rules.has(rule.id)) continue;
    const t = process.hrtime.bigint();
    for (const f of rule.check(tree)) findings.push({ file: f.file ?? '', ...(f.object !== undefined ? { object: f.object } : {}), message: f.message });
    options.ruleTime?.(rule.id, since(t));
  }
  // HA and safety rules, and the node-failure simulation (N-1), over dist/ and the host files.
  const vouched = options.vouched ? vouchedFiles(tree) : undefined;
  const ha = haContext(root, tree.objects, { declared, ...(source ? { source } : {}), ...(options.model ? { model: options.model } : {}), ...(vouched ? { vouched: (file: string) => vouched.has(file) } : {}), tree });
  for (const rule of HA_CHECKS) {
    const t = process.hrtime.bigint();
    const found = rule.check(ha);
    if (rule.id === 'ha/failure') simulationMs += since(t);
    options.ruleTime?.(rule.id, since(t));
    for (const f of found) findings.push({ file: f.file ?? '', ...(f.object !== undefined ? { object: f.object } : {}), message: f.message });
  }
  time?.('verify', since(start) - simulationMs);
  time?.('simulation', simulationMs);
  // Stable order: by file, then in the order the rules ran.
  return findings.map((f, i) => ({ f, i })).sort((a, b) => (a.f.file < b.f.file ? -1 : a.f.file > b.f.file ? 1 : a.i - b.i)).map((x) => x.f);
}
