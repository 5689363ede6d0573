import type { ObjectFacts } from '../facts/facts';
import type { JsonMap } from '../k8s/manifest';

/**
 * What a split rule (./split-rule.ts) reads of one object, apart from the rule: who the object is
 * (`ObjectRef`), its entry in a join (`Entry`) and what its `project` reads (`Subject`). Types
 * only, on their own so that the tree's index (./tree-index.ts), whose rows are all three, needs
 * no import of the rules.
 */

/** Who an object is and where: everything a finding says about it, without its document. */
export interface ObjectRef {
  readonly file: string;
  readonly apiVersion: string;
  readonly kind: string;
  /** metadata.namespace when it is a string (as lib/verify/tree-index.ts reads it). @default - none */
  readonly namespace?: string;
  /**
   * metadata.namespace when it is there but not a string (a YAML number...): identities and the
   * text of a finding show it as today (`${value}`). verify/schemas reports such an object, so a
   * recorded (clean) object never has one. @default - none
   */
  readonly rawNamespace?: unknown;
  readonly name: string;
}

/** One object as a join sees it. */
export interface Entry<P> {
  readonly ref: ObjectRef;
  /** The API group of its apiVersion (core group ""). */
  readonly group: string;
  /** `group/Kind/namespace/name` (lib/k8s/manifest.ts identity): also the key of its facts. */
  readonly id: string;
  /** sha256 of JSON.stringify(document) (lib/render/documents.ts documentDigest), worked out when first read. */
  readonly digest: string;
  /** What the rule reads of it; undefined when nothing. */
  readonly p?: P;
}

/** One object as `project` reads it: its document, who it is and its own facts. */
export interface Subject {
  readonly obj: JsonMap;
  readonly ref: ObjectRef;
  readonly group: string;
  readonly facts: ObjectFacts | undefined;
}
