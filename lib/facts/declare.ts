import { ApiObject } from 'cdk8s';
import type { IConstruct } from 'constructs';
import type { ObjectFacts, PlatformFacts } from './facts';
import { factsKey } from './key';
import { sortKeys } from '../render/sort';

/**
 * Recording facts where they are known: a construct declares them on the object they are about,
 * and the build collects them by the object's identity (lib/render/render.ts). The annotations
 * that show the same facts in the rendered YAML stay for reviewers; nothing reads them back.
 */

const FACTS = Symbol.for('tsys.platform.facts');
/** Facts of objects no longer in the tree below a construct: an app's, taken from its last render (lib/render/app-renders.ts). */
const REPLAYED = Symbol.for('tsys.platform.replayed-facts');

type WithReplayed = { [REPLAYED]?: readonly (readonly [string, ObjectFacts])[] };

type WithFacts = { [FACTS]?: ObjectFacts };

/** A copy without undefined fields (a declaration's unset options), so facts compare and serialise plainly. */
function defined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(defined) as unknown as T;
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (v !== undefined) out[k] = defined(v);
  return out as T;
}

/**
 * Declares facts about a rendered object; a later declaration of the same fact replaces the
 * earlier one, as a second annotation of the same key would.
 */
export function declareFacts(obj: ApiObject, facts: ObjectFacts): void {
  const own = obj as unknown as WithFacts;
  const given = Object.entries(defined(facts)).filter(([, v]) => !(v && typeof v === 'object' && !Array.isArray(v) && !Object.keys(v).length));
  own[FACTS] = { ...own[FACTS], ...Object.fromEntries(given) };
}

/** The facts declared on one object, if any. */
export function declaredFacts(obj: ApiObject): ObjectFacts | undefined {
  return (obj as unknown as WithFacts)[FACTS];
}

/**
 * The facts of every object below `scope`, by identity. Objects rendered twice (the bootstrap's
 * copy of Argo CD in argocd/ and dist/argocd) must declare the same facts. `constructs`: the
 * constructs below `scope` (its `node.findAll()`), for a caller that walked the tree already.
 * @default - `scope.node.findAll()`
 */
export function collectFacts(scope: IConstruct, constructs: readonly IConstruct[] = scope.node.findAll()): PlatformFacts {
  const out = new Map<string, ObjectFacts>();
  const add = (c: IConstruct, key: string, facts: ObjectFacts) => {
    const seen = out.get(key);
    if (seen && JSON.stringify(sortKeys(seen)) !== JSON.stringify(sortKeys(facts))) {
      throw new Error(`${c.node.path}: ${key} is declared twice with different facts; declare them on one object`);
    }
    out.set(key, facts);
  };
  for (const c of constructs) {
    for (const [key, facts] of (c as WithReplayed)[REPLAYED] ?? []) add(c, key, facts);
    if (!(c instanceof ApiObject)) continue;
    const facts = declaredFacts(c);
    if (!facts || !Object.keys(facts).length) continue;
    add(c, factsKey(c.apiVersion, c.kind, c.metadata.namespace, c.name), facts);
  }
  return out;
}

/**
 * Declares on `scope` the facts (by key, in order) that the objects below it declared when it was
 * built in full (`collectFacts` of it then): `collectFacts` gives them where it met those objects,
 * for a construct whose objects are not built again (an app's, lib/render/app-renders.ts).
 */
export function declareReplayedFacts(scope: IConstruct, facts: readonly (readonly [string, ObjectFacts])[]): void {
  (scope as WithReplayed)[REPLAYED] = facts;
}
