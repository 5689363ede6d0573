import { Construct } from 'constructs';
import { ArgoCdInstall, argoCdInstallProps } from '../gitops/argo-cd-install';
import { BitwardenSecret, bitwardenLogin } from '../constructs/bitwarden-secret';
import { PublishedUi } from '../constructs/published-ui';
import type { PlatformContext } from '../context';
import { ARGOCD_NAMESPACE, PLATFORM_PROJECT } from '../gitops/argocd';
import { ARGOCD_LDAP_SECRET } from '../gitops/argocd-values';
import { LdapCaSecret } from '../constructs/ldap-ca-secret';
import { Inventory } from '../inventory';
import { LDAP_CA_SECRET } from '../ldap-schema';
import { Layer } from '../layer';
import type { LayerNeeds, LayerUi } from '../config/platform-rules';

/** Secret Argo CD reads the Gitea repository with (when it is private). */
export const ARGOCD_REPO_SECRET = 'repo-platform';

/** Argo CD's UI, `argocd.<domain>`. */
export const ARGOCD_UI: LayerUi = { subdomain: 'argocd', what: 'Argo CD' };
/** What the argocd layer takes for itself, for the site and app rules (`LAYER_NEEDS`): its UI's host. */
export const ARGOCD_NEEDS: LayerNeeds = { layer: 'argocd', uis: [ARGOCD_UI] };

/**
 * Argo CD managing itself: the same objects `argocd/` bootstraps, synced from `dist/argocd`,
 * plus what needs the platform first: the LDAP bind password for Dex, the repository
 * credentials and the webhook secret from Bitwarden, and its UI through the shared gateway.
 */
export function argoCdLayer(scope: Construct, ctx: PlatformContext): Layer {
  const { site } = ctx;
  const layer = new Layer(scope, {
    name: 'argocd',
    description: 'Argo CD (HA) managing itself, LDAP login, the root Application and the platform project',
    namespace: ARGOCD_NAMESPACE,
    dependsOn: ['gateway', 'secrets'],
  });
  // Prometheus scrapes it from the monitoring namespace (the monitoring layer renders the monitor).
  Inventory.of(layer).addScrapeTarget({ name: 'argocd', layer: layer.layerName, namespace: ARGOCD_NAMESPACE, selector: { 'app.kubernetes.io/name': 'argocd-metrics' }, port: 'http-metrics' });
  new ArgoCdInstall(layer, 'install', argoCdInstallProps(ctx));

  // Dex reads `$argocd-ldap:bindPW`; Argo CD only resolves secrets labelled as its own.
  new BitwardenSecret(layer, 'ldap-bind', {
    name: ARGOCD_LDAP_SECRET,
    namespace: ARGOCD_NAMESPACE,
    data: { bindPW: site.ldap.bindPassword },
    secretLabels: { 'app.kubernetes.io/part-of': 'argocd' },
  });
  // Dex trusts the directory's CA (mounted from this Secret) and nothing else for LDAPS.
  new LdapCaSecret(layer, 'ldap-ca', { namespace: ARGOCD_NAMESPACE, caCertificate: site.ldap.caCertificate });
  if (site.git.credentials) {
    new BitwardenSecret(layer, 'repository', {
      name: ARGOCD_REPO_SECRET,
      namespace: ARGOCD_NAMESPACE,
      data: bitwardenLogin(site.git.credentials),
      plainData: { type: 'git', url: site.git.repoUrl, project: PLATFORM_PROJECT },
      secretLabels: { 'argocd.argoproj.io/secret-type': 'repository' },
    });
  }
  // Gitea sends Gogs-compatible webhooks: a push syncs in seconds instead of the 3-minute poll.
  new BitwardenSecret(layer, 'webhook', {
    name: 'argocd-secret',
    namespace: ARGOCD_NAMESPACE,
    data: { 'webhook.gogs.secret': site.git.webhookSecret },
    mergeIntoExisting: true,
  });
  new PublishedUi(layer, 'ui', { name: ARGOCD_UI.subdomain, namespace: ARGOCD_NAMESPACE, serviceName: 'argocd-server', servicePort: 80, description: 'Argo CD: GitOps sync status' });

  const inventory = Inventory.of(layer);
  inventory.addDirectoryUse(site.ldap, 'argocd', { failover: false, ca: { namespace: ARGOCD_NAMESPACE, ...LDAP_CA_SECRET } }, { admins: true, viewers: true });
  inventory.addOutsideUse({
    service: 'git',
    usedBy: 'argocd',
    purpose: `reads ${site.git.repoUrl} (dist/) and syncs it`,
    whileDown: 'no commit deploys: Applications stay as they run, sync and refresh fail',
    mitigation: 'what runs keeps running; Argo CD syncs the next commit once Gitea answers',
  });
  return layer;
}
