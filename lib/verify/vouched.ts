import type { SecretLiteralCandidate } from './secret-literals';

/**
 * An app taken from its last render (lib/render/app-renders.ts) with what verify vouched for then:
 * that synth recorded it only after a verified swap, so every per-object check of its objects
 * (schemas, secret scans, the HA container rules) found nothing, with the same code. Those results
 * hold while each object's schema identity is the same (`identities`); the named secret-literal
 * candidates stay findings or not as the tree's ExternalSecrets change, so they are kept.
 */
export interface VouchedApp {
  /** The app's files (one object each), in its order. */
  readonly files: readonly string[];
  /** `[apiVersion, kind, schema identity]` of its objects when they were checked (lib/verify/schemas.ts `schemaIdentity`). */
  readonly identities: readonly (readonly [apiVersion: string, kind: string, identity: string])[];
  /** Each file's named secret-literal candidates (`files`' order). */
  readonly candidates: readonly (readonly SecretLiteralCandidate[])[];
}

/** What verify is told of apps it need not check object by object, and where it tells what it checked. */
export interface Vouching {
  readonly apps: readonly VouchedApp[];
  /**
   * Told, for each object of the tree, the schema identity it is checked against and its named
   * secret-literal candidates (what the next synth vouches for when the object's app is unchanged).
   * @default - nothing is told
   */
  readonly checked?: (file: string, apiVersion: string, kind: string, identity: string, candidates: readonly SecretLiteralCandidate[]) => void;
  /**
   * Whether what `checked` is told of the object in `file` is kept (its app's line is recorded in
   * this run): verify may leave out an object it need not check only when nothing is. @default - every file's is
   */
  readonly records?: (file: string) => boolean;
}
