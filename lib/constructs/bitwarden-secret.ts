import { Construct } from 'constructs';
import {
  ExternalSecret, ExternalSecretSpecDataSourceRefStoreRefKind, ExternalSecretSpecSecretStoreRefKind,
  ExternalSecretSpecTargetCreationPolicy, ExternalSecretSpecTargetTemplateEngineVersion,
} from '../../imports/external-secrets.io';
import { BITWARDEN_REF } from '../config/schema';

/** The ClusterSecretStores the secrets layer renders, by the part of a Bitwarden item they read. */
export const BITWARDEN_STORES = {
  /** `login.username` / `login.password` of the item with that exact name. */
  login: 'bitwarden-login',
  /** The item's secure notes. */
  notes: 'bitwarden-notes',
} as const;

/** A parsed Bitwarden reference. */
export interface BitwardenRef {
  /** Exact item name in the vault. */
  readonly item: string;
  readonly part: 'username' | 'password' | 'notes';
}

/** Parses `bitwarden:<item>[#username|#password|#notes]`; throws with the allowed form otherwise. */
export function parseBitwardenRef(ref: string): BitwardenRef {
  if (!BITWARDEN_REF.test(ref)) throw new Error(`"${ref}" is not a Bitwarden reference; use "bitwarden:<item name>[#username|#password|#notes]"`);
  const [item, part] = ref.slice('bitwarden:'.length).split('#');
  return { item, part: (part as BitwardenRef['part'] | undefined) ?? 'password' };
}

/** The reference to one part of the item `ref` names, whatever part `ref` itself names. */
export function bitwardenPart(ref: string, part: BitwardenRef['part']): string {
  return `bitwarden:${parseBitwardenRef(ref).item}#${part}`;
}

/** A login item's username and password, as two references (e.g. an access key and its secret). */
export function bitwardenLogin(ref: string): { readonly username: string; readonly password: string } {
  return { username: bitwardenPart(ref, 'username'), password: bitwardenPart(ref, 'password') };
}

export interface BitwardenSecretProps {
  /** Name of the Kubernetes Secret External Secrets creates and keeps in sync. */
  readonly name: string;
  /** Namespace of that Secret. */
  readonly namespace: string;
  /** Each key of the Secret and the Bitwarden reference its value comes from. */
  readonly data: Readonly<Record<string, string>>;
  /**
   * How often the value is read again from Bitwarden.
   * @default '1h'
   */
  readonly refreshInterval?: string;
  /**
   * Labels on the created Secret (some consumers select their secrets by label).
   * @default - none
   */
  readonly secretLabels?: Readonly<Record<string, string>>;
  /**
   * Plain, non-secret keys written beside the Bitwarden values (e.g. a repository URL).
   * @default - none
   */
  readonly plainData?: Readonly<Record<string, string>>;
  /**
   * Bitwarden values that only the `plainData` templates read (`{{ index . "<key>" }}`): fetched,
   * but not keys of the Secret (with a template, External Secrets writes the template's keys only).
   * @default - none
   */
  readonly templateInputs?: Readonly<Record<string, string>>;
  /**
   * Add the keys to a Secret that something else owns (e.g. a chart), instead of owning it.
   * @default false
   */
  readonly mergeIntoExisting?: boolean;
  /**
   * Type of the created Secret, e.g. `kubernetes.io/dockerconfigjson` (whose `.dockerconfigjson`
   * key a `plainData` template then fills).
   * @default Opaque
   */
  readonly secretType?: string;
}

/**
 * A Secret whose values come from Bitwarden through External Secrets: the only way a layer
 * gets secret material. Git holds the references, never the values.
 */
export class BitwardenSecret extends Construct {
  public readonly secretName: string;
  public readonly externalSecret: ExternalSecret;

  constructor(scope: Construct, id: string, props: BitwardenSecretProps) {
    super(scope, id);
    const keys = Object.keys(props.data).sort();
    const inputs = props.templateInputs ?? {};
    if (keys.length === 0 && Object.keys(inputs).length === 0) throw new Error(`${this.node.path}: a BitwardenSecret needs at least one key in data`);
    if (Object.keys(inputs).length && !props.plainData) throw new Error(`${this.node.path}: templateInputs are read by plainData templates, and there is none; move them to data`);
    const clash = Object.keys(props.plainData ?? {}).find((k) => k in props.data || k in inputs) ?? Object.keys(inputs).find((k) => k in props.data);
    if (clash) throw new Error(`${this.node.path}: key "${clash}" is twice among data, plainData and templateInputs; pick one`);
    const badKey = keys.find((k) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(k));
    if (props.plainData && badKey) throw new Error(`${this.node.path}: key "${badKey}" cannot be used in a template; use letters, digits and _ only`);
    const all: Record<string, string> = { ...props.data, ...inputs };
    const refs = Object.keys(all).sort().map((key) => ({ key, ref: parseBitwardenRef(all[key]) }));
    const stores = new Set(refs.map(({ ref }) => (ref.part === 'notes' ? BITWARDEN_STORES.notes : BITWARDEN_STORES.login)));
    this.secretName = props.name;
    this.externalSecret = new ExternalSecret(this, 'external-secret', {
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        refreshInterval: props.refreshInterval ?? '1h',
        // One store for the whole secret when possible; per key otherwise.
        ...(stores.size === 1 ? { secretStoreRef: { kind: ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE, name: [...stores][0] } } : {}),
        target: {
          name: props.name,
          ...(props.mergeIntoExisting ? { creationPolicy: ExternalSecretSpecTargetCreationPolicy.MERGE } : {}),
          ...(props.secretLabels || props.plainData || props.secretType ? {
            template: {
              ...(props.secretType ? { type: props.secretType } : {}),
              ...(props.secretLabels ? { metadata: { labels: { ...props.secretLabels } } } : {}),
              ...(props.plainData ? {
                engineVersion: ExternalSecretSpecTargetTemplateEngineVersion.V2,
                // With a template, only its keys are written: the Bitwarden keys are passed through.
                data: { ...props.plainData, ...Object.fromEntries(keys.map((k) => [k, `{{ .${k} }}`])) },
              } : {}),
            },
          } : {}),
        },
        data: refs.map(({ key, ref }) => ({
          secretKey: key,
          remoteRef: ref.part === 'notes' ? { key: ref.item } : { key: ref.item, property: ref.part },
          ...(stores.size > 1
            ? { sourceRef: { storeRef: { kind: ExternalSecretSpecDataSourceRefStoreRefKind.CLUSTER_SECRET_STORE, name: ref.part === 'notes' ? BITWARDEN_STORES.notes : BITWARDEN_STORES.login } } }
            : {}),
        })),
      },
    });
  }
}
