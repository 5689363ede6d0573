import { Construct } from 'constructs';
import { KubeNamespace } from 'cdk8s-plus-25/lib/imports/k8s';
import { APP_NAMESPACE_LABEL } from '../ha/annotations';
import { declareFacts } from '../facts/declare';

/** Pod Security Standards level (https://kubernetes.io/docs/concepts/security/pod-security-standards/). */
export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

export interface PlatformNamespaceProps {
  /** Namespace name. */
  readonly name: string;
  /**
   * The Pod Security level enforced (and audited and warned about) in the namespace.
   * @default 'baseline'
   */
  readonly podSecurity?: PodSecurityLevel;
  /**
   * Annotations, e.g. sync options.
   * @default - none
   */
  readonly annotations?: Readonly<Record<string, string>>;
  /**
   * An application namespace (the PaaS's sit, uat, prod): declared so (the `appNamespace` fact),
   * which makes `npm run verify` require a default-deny NetworkPolicy in it (lib/ha/default-deny.ts),
   * and labelled `platform.tsys/app-namespace` for people (`kubectl get ns -l`); nothing reads the label.
   * @default false
   */
  readonly app?: boolean;
}

/**
 * A namespace a layer owns, with its Pod Security level set on purpose: what may run there is
 * decided here, not by whatever the cluster defaults to.
 */
export class PlatformNamespace extends Construct {
  public readonly name: string;

  constructor(scope: Construct, id: string, props: PlatformNamespaceProps) {
    super(scope, id);
    const level = props.podSecurity ?? 'baseline';
    this.name = props.name;
    const ns = new KubeNamespace(this, 'namespace', {
      metadata: {
        name: props.name,
        labels: {
          'pod-security.kubernetes.io/enforce': level,
          'pod-security.kubernetes.io/audit': level,
          'pod-security.kubernetes.io/warn': level,
          ...(props.app ? { [APP_NAMESPACE_LABEL]: 'true' } : {}),
        },
        ...(props.annotations ? { annotations: { ...props.annotations } } : {}),
      },
    });
    if (props.app) declareFacts(ns, { appNamespace: true });
  }
}
