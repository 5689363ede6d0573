import { Construct } from 'constructs';
import { KubeSecret } from 'cdk8s-plus-25/lib/imports/k8s';
import { LDAP_CA_SECRET } from '../ldap-schema';
import { BitwardenSecret } from './bitwarden-secret';

export interface LdapCaSecretProps {
  /** Namespace of the consumer that mounts it. */
  readonly namespace: string;
  /** `ldap.caCertificate`: a Bitwarden reference, or the PEM itself. */
  readonly caCertificate: string;
  /**
   * Name of the Secret (a chart may expect its own, e.g. Rancher's `tls-ca-additional`).
   * @default LDAP_CA_SECRET.name
   */
  readonly name?: string;
  /**
   * Key of the certificate in the Secret.
   * @default LDAP_CA_SECRET.key
   */
  readonly key?: string;
}

/**
 * The directory's CA certificate as a Secret in a consumer's namespace, for the consumer to
 * mount and trust: from Bitwarden through External Secrets, or, given inline in site.yaml, as a
 * Secret holding nothing but that public certificate (verify lets such a Secret into git).
 */
export class LdapCaSecret extends Construct {
  public readonly secretName: string;
  public readonly key: string;

  constructor(scope: Construct, id: string, props: LdapCaSecretProps) {
    super(scope, id);
    this.secretName = props.name ?? LDAP_CA_SECRET.name;
    this.key = props.key ?? LDAP_CA_SECRET.key;
    if (props.caCertificate.startsWith('bitwarden:')) {
      new BitwardenSecret(this, 'from-bitwarden', { name: this.secretName, namespace: props.namespace, data: { [this.key]: props.caCertificate } });
    } else {
      new KubeSecret(this, 'inline', {
        metadata: { name: this.secretName, namespace: props.namespace },
        type: 'Opaque',
        stringData: { [this.key]: props.caCertificate.trim() + '\n' },
      });
    }
  }
}
