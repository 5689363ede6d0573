import * as fs from 'fs';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { HA_RULES, HaRuleId } from '../ha/annotations';
import { StorageDeclarationSchema, WorkloadDeclarationSchema } from './schemas';
import { sortKeys } from '../render/sort';
import { factsKey } from './key';

export { factsKey } from './key';

/**
 * What the platform declares about the objects it renders, as typed facts: the HA declarations
 * of a workload, the workloads and volumes a controller creates at run time, the storage it
 * installs, the APIs it provides, the layers it depends on. Constructs record them where they
 * are known (lib/facts/declare.ts); the build returns them beside the files; the simulation,
 * verify's rules and backup coverage read them from there, never from the annotations that show
 * the same facts to a reviewer in the rendered YAML. For checks of a tree on disk (`npm run
 * verify`, whatif) synth writes them to one file, FACTS_FILE, read back with this schema.
 */

/** Where the facts of a render live: beside the failure model, outside every Argo CD path. */
export const FACTS_FILE = 'dist/hosts/facts.yaml';

const reason = z.string().refine((s) => s.trim() !== '', { message: 'needs a reason' });
const ruleIds = Object.keys(HA_RULES) as [HaRuleId, ...HaRuleId[]];
/** Rules that no declaration can waive: fix what they report instead. */
const UNWAIVABLE: ReadonlySet<string> = new Set(['ha/annotations', 'ha/failure']);

/** The HA declarations of one rendered workload (or pod owner), each with its reason. */
export const HaDeclarationSchema = z.strictObject({
  singleton: reason.optional(),
  systemComponent: reason.optional(),
  exempt: z.partialRecord(z.enum(ruleIds), reason).optional(),
  recoveryBudget: z.strictObject({ seconds: z.number().int().positive(), reason }).optional(),
  role: z.enum(['lb-speaker', 'gateway-proxy', 'cluster-dns', 'metrics-api']).optional(),
  outsideHa: reason.optional(),
}).superRefine((d, ctx) => {
  for (const id of Object.keys(d.exempt ?? {})) {
    if (UNWAIVABLE.has(id)) ctx.addIssue({ code: 'custom', path: ['exempt', id], message: `${id} cannot be waived; fix what it reports (a singleton may declare its own recoveryBudget)` });
  }
  if (d.recoveryBudget && d.singleton === undefined) ctx.addIssue({ code: 'custom', path: ['recoveryBudget'], message: 'applies to declared singletons only; declare the singleton with its reason or remove the budget' });
});

/** A workload whose pods this repository does not render, with the checks a declaration must pass. */
const WorkloadFactSchema = WorkloadDeclarationSchema.superRefine((w, ctx) => {
  for (const id of Object.keys(w.exempt ?? {})) {
    if (!(id in HA_RULES)) ctx.addIssue({ code: 'custom', path: ['exempt', id], message: `unknown rule "${id}"; name one of ${ruleIds.join(', ')}` });
    else if (UNWAIVABLE.has(id)) ctx.addIssue({ code: 'custom', path: ['exempt', id], message: `${id} cannot be waived; fix what it reports` });
  }
  if (w.recoveryBudget && !w.singleton) ctx.addIssue({ code: 'custom', path: ['recoveryBudget'], message: `${w.name} declares a recovery budget but is not a singleton; remove it or declare the singleton with its reason` });
  if (w.kind === 'DaemonSet' && w.replicas) ctx.addIssue({ code: 'custom', path: ['replicas'], message: `DaemonSet ${w.name} declares replicas; a DaemonSet runs one pod per eligible node` });
  if (w.kind !== 'DaemonSet' && !w.replicas) ctx.addIssue({ code: 'custom', path: ['replicas'], message: `${w.kind} ${w.name} declares no replicas; give a values path or a fixed count` });
});

/** A volume a controller creates at run time (lib/backups/coverage.ts HelmVolume). */
export const VolumeFactSchema = z.strictObject({
  name: z.string().min(1),
  namespace: z.string().min(1),
  storageClass: z.string().optional(),
  size: z.string().min(1),
  labels: z.record(z.string(), z.string()).optional(),
  backupOptOut: reason.optional(),
});

/** An object a controller makes at run time that rendered pods name (lib/verify/pod-reference-rules.ts). */
export const RuntimeObjectFactSchema = z.strictObject({
  kind: z.enum(['ServiceAccount', 'ConfigMap', 'PersistentVolumeClaim', 'PriorityClass', 'Secret']),
  name: z.string().min(1),
  /** Its namespace. @default - the declaring object's (none for a PriorityClass) */
  namespace: z.string().min(1).optional(),
  /** Which controller makes it. */
  because: reason,
});

/** An API group, or one kind of it (lib/layer.ts ApiRef). */
export const ApiRefSchema = z.strictObject({ group: z.string(), kind: z.string().optional() });

/** Everything the platform declares about one rendered object. */
export const ObjectFactsSchema = z.strictObject({
  /** Its own HA declarations (a rendered workload or pod owner). */
  ha: HaDeclarationSchema.optional(),
  /** Workloads it stands for that no rendered template has (values paths already resolved where the build could). */
  workloads: z.array(WorkloadFactSchema).min(1).optional(),
  /** The replicated storage it installs. */
  storage: StorageDeclarationSchema.optional(),
  /** Volumes a controller creates at run time, for backup coverage. */
  volumes: z.array(VolumeFactSchema).min(1).optional(),
  /** On a Service: which controller creates the pods it selects (no rendered template has their labels). */
  selectsRuntimePods: reason.optional(),
  /** Services a controller creates at run time from it, in its namespace (no rendered object is that Service): routes may send to them. */
  runtimeServices: z.array(z.string().min(1)).min(1).optional(),
  /**
   * Objects made at run time that rendered pods name (a ServiceAccount, ConfigMap, claim, PriorityClass
   * or Secret), in its namespace unless they say: by a controller or a hook Job, or by hand once per
   * cluster (the bootstrap Secret that unlocks Bitwarden); each says which (`because`).
   */
  runtimeObjects: z.array(RuntimeObjectFactSchema).min(1).optional(),
  /** APIs its sync installs (a layer's Application, a component's controller). */
  providesApis: z.array(ApiRefSchema).min(1).optional(),
  /** On a layer's Application: the layers it depends on. */
  dependsOn: z.array(z.string().min(1)).min(1).optional(),
  /** On a PersistentVolumeClaim, or a StatefulSet (each of its claim templates): why its volumes need no backup. */
  backupOptOut: reason.optional(),
  /** On a Namespace: it holds applications, so it needs a default-deny NetworkPolicy (ha/default-deny). */
  appNamespace: z.literal(true).optional(),
});

export type ObjectFacts = z.infer<typeof ObjectFactsSchema>;
export type HaFacts = z.infer<typeof HaDeclarationSchema>;
export type WorkloadFact = z.infer<typeof WorkloadFactSchema>;
export type VolumeFact = z.infer<typeof VolumeFactSchema>;
export type RuntimeObjectFact = z.infer<typeof RuntimeObjectFactSchema>;

/** The facts of a render, by object identity (`<group>/<Kind>/<namespace>/<name>`). */
export type PlatformFacts = ReadonlyMap<string, ObjectFacts>;

/** No declarations at all (a tree rendered without facts, a test of one object). */
export const NO_FACTS: PlatformFacts = new Map();

type Manifest = { readonly apiVersion?: unknown; readonly kind?: unknown; readonly metadata?: { readonly namespace?: unknown; readonly name?: unknown } };

/** The facts of one rendered object (read from its identity), or none. */
export function factsOf(facts: PlatformFacts, obj: Manifest): ObjectFacts | undefined {
  if (!facts.size) return undefined;
  const ns = obj.metadata?.namespace;
  return facts.get(factsKey(String(obj.apiVersion ?? ''), String(obj.kind ?? ''), ns === undefined || ns === null ? undefined : String(ns), String(obj.metadata?.name ?? '')));
}

const IDENTITY = /^[^/]*\/[^/]+\/[^/]*\/[^/]+$/;

const HEADER = '# Rendered by `npm run synth`: what the platform declares about its objects (lib/facts), read by npm run verify and whatif; edit lib/, not this file.\n';

/** The facts file: one map from identity to facts, keys sorted, so renders stay stable. */
export function formatFacts(facts: PlatformFacts): string {
  const out: Record<string, unknown> = {};
  for (const key of [...facts.keys()].sort()) out[key] = facts.get(key);
  return HEADER + stringify(sortKeys(out), { lineWidth: 0 });
}

/** Reads a facts file back with the one schema; each problem (of FACTS_FILE) names the object and the field. */
export function parseFacts(text: string): { facts: PlatformFacts; problems: string[] } {
  let json: unknown;
  try {
    json = parse(text) ?? {};
  } catch (e) {
    return { facts: NO_FACTS, problems: [`YAML: ${(e as Error).message.split('\n')[0]}; run npm run synth`] };
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) return { facts: NO_FACTS, problems: ['not a map of object identities to facts; run npm run synth'] };
  const facts = new Map<string, ObjectFacts>();
  const problems: string[] = [];
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    if (!IDENTITY.test(key)) {
      problems.push(`"${key}" is not an object identity (<group>/<Kind>/<namespace>/<name>); run npm run synth`);
      continue;
    }
    const parsed = ObjectFactsSchema.safeParse(value);
    // An object whose facts are malformed declares nothing: each problem names the field.
    if (parsed.success) facts.set(key, parsed.data);
    else problems.push(...parsed.error.issues.map((i) => `${key}${i.path.length ? ` ${i.path.map(String).join('.')}` : ''}: ${i.message}; fix the declaration in lib/ and run npm run synth`));
  }
  return { facts, problems };
}

/**
 * The facts of a rendered tree on disk (`<root>/dist/hosts/facts.yaml`), or of a tree held in
 * memory (`source`: every file's path and text). A tree without the file declares nothing; when
 * it is a rendered site (it has dist/hosts/), that is itself a problem.
 */
export function readFactsFile(root: string, source?: { readonly files: readonly string[]; readonly read: (file: string) => string | undefined }): { facts: PlatformFacts; problems: string[] } {
  const file = path.join(root, FACTS_FILE);
  const text = source ? source.read(FACTS_FILE) : fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  if (text !== undefined) return parseFacts(text);
  const rendered = source ? source.files.some((f) => f.startsWith('dist/hosts/')) : fs.existsSync(path.join(root, 'dist', 'hosts'));
  return { facts: NO_FACTS, problems: rendered ? ['the facts of the render (singletons, exemptions, declared workloads, volumes, API providers) are missing; run npm run synth'] : [] };
}
