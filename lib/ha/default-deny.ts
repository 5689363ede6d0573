import { Construct } from 'constructs';
import { KubeNetworkPolicy } from 'cdk8s-plus-25/lib/imports/k8s';

/** Name of the default-deny policy in every app namespace. */
export const DEFAULT_DENY_POLICY = 'default-deny';

export interface DefaultDenyProps {
  /** The namespace whose pods get no traffic in or out unless another policy allows it. */
  readonly namespace: string;
}

/**
 * The NetworkPolicy every app namespace starts from (`ha/default-deny` in npm run verify): it
 * selects every pod and allows nothing, in or out. Each app then adds policies that allow what it
 * needs (from the gateway, to DNS, to its database).
 */
export class DefaultDenyNetworkPolicy extends Construct {
  public readonly policy: KubeNetworkPolicy;

  constructor(scope: Construct, id: string, props: DefaultDenyProps) {
    super(scope, id);
    this.policy = new KubeNetworkPolicy(this, 'policy', {
      metadata: { name: DEFAULT_DENY_POLICY, namespace: props.namespace },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
  }
}
