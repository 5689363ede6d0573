/**
 * The bodies of the objects rendered from vendored upstream sources (lib/constructs/upstream-objects.ts),
 * by object: a reader of one field of a body (a CustomResourceDefinition's group and kind: lib/layer.ts)
 * takes it here instead of turning the whole object, its metadata resolved by cdk8s, into JSON.
 * A body is as rendered: it may hold `status` and null values, which the object's JSON leaves out
 * (readers take a null as absent).
 */
const bodies = new WeakMap<object, Readonly<Record<string, unknown>>>();

/** Records the body `obj`'s JSON is made of (besides its metadata); the body is never changed. */
export function recordRenderedBody(obj: object, body: Readonly<Record<string, unknown>>): void {
  bodies.set(obj, body);
}

/** The body recorded for `obj` (see `recordRenderedBody`), or undefined for an object of another kind of construct. */
export function renderedBodyOf(obj: object): Readonly<Record<string, unknown>> | undefined {
  return bodies.get(obj);
}
