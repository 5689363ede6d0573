import { Construct } from 'constructs';
import { stringify } from 'yaml';
import type { Site } from '../config/schema';
import { BitwardenSecret, bitwardenLogin, bitwardenPart } from '../constructs/bitwarden-secret';
import { HelmComponent } from '../constructs/helm-component';
import type { RenderedWorkloadHa } from '../constructs/upstream-objects';
import { PlatformNamespace } from '../constructs/platform-namespace';
import { PublishedUi } from '../constructs/published-ui';
import { pinned } from '../context';
import type { PlatformContext } from '../context';
import { groupName } from '../gitops/argocd-values';
import { deadNodeTolerations, readyStep, recovery, RecoveryEstimate, RecoveryStepName, startupProbeStep, stepSeconds } from '../ha/recovery';
import { EVICTION } from '../hosts/k3s-config';
import { Inventory } from '../inventory';
import { Layer } from '../layer';
import { sortKeys } from '../render/sort';
import type { ChartPin, Versions } from '../versions';
import { HARBOR_SUBDOMAIN } from '../registry';
import type { ContainerResources } from '../constructs/container';
import { LDAP_CA_SECRET, ldapMapping, ldapUrls } from '../ldap-schema';
import { LdapCaSecret } from '../constructs/ldap-ca-secret';
import type { LayerNeeds, LayerUi } from '../config/platform-rules';

/** Jenkins: CI, controller and Kubernetes pod agents (chart 5.9.53 ships Jenkins 2.568.2). */
export const JENKINS_CHART: ChartPin = {
  name: 'jenkins',
  kind: 'chart',
  repo: 'https://charts.jenkins.io',
  chart: 'jenkins',
  version: '5.9.53',
  source: { repository: 'https://github.com/jenkinsci/helm-charts', path: 'charts/jenkins', tag: 'jenkins-{version}' },
};

export const JENKINS_NAMESPACE = 'jenkins';
/** The controller's Service: the chart names it after the release (`jenkins`), port `controller.servicePort`. */
export const JENKINS_SERVICE = { name: 'jenkins', port: 8080 } as const;
/** Secret with the local admin's user name and password (chart keys). */
export const JENKINS_ADMIN_SECRET = 'jenkins-admin';
/** Secret with the LDAP bind password; mounted for JCasC as `${jenkins-ldap-bind-password}`. */
export const JENKINS_LDAP_SECRET = { name: 'jenkins-ldap', key: 'bind-password' } as const;
/** Docker config Secret of Harbor's CI robot account, mounted by image-build agents. */
export const HARBOR_PUSH_SECRET = 'harbor-ci-push';
/** Label of the image-build pod template: `agent { label 'kaniko' }`, then `container('kaniko')`. */
export const KANIKO_LABEL = 'kaniko';

/**
 * Continuous delivery of apps: the `platform` shared library (`jenkins/vars/platformRelease.groovy`
 * of this repository) builds an app's image with kaniko, pushes it to Harbor's `apps` project and
 * runs `npm run release` in a checkout of this repository, on an agent labelled `platform-release`.
 */
export const PLATFORM_RELEASE = {
  /** `@Library('platform') _` in an app's Jenkinsfile. */
  library: 'platform',
  /** The library's folder in this repository (vars/ below it). */
  libraryPath: 'jenkins/',
  /** Jenkins credentials (Gitea user and token) to clone the library and push releases. */
  credentialsId: 'platform-git',
  /** The Secret those credentials are mounted from (keys `username`, `password`). */
  secret: 'jenkins-platform-git',
  /** The agent that runs `npm ci && npm run release`: jnlp plus a `node` container. */
  label: 'platform-release',
  /** Harbor project app images are pushed to: `registry.<domain>/apps/<app>:<git sha>`. */
  harborProject: 'apps',
} as const;

/**
 * Plugins beyond the chart's own (kubernetes, workflow-aggregator, git, configuration-as-code):
 * the LDAP security realm, matrix authorization and the Prometheus metrics endpoint (`/prometheus/`,
 * scraped by the monitoring layer). Jenkins versions plugins in its own scheme
 * (`807.v7d7de30930cf`), which site.yaml's version overrides do not take, so they are pinned
 * here beside the chart that installs them: the latest tags of jenkinsci/ldap-plugin,
 * jenkinsci/matrix-auth-plugin and jenkinsci/prometheus-plugin.
 */
export const JENKINS_PLUGINS = ['ldap:807.v7d7de30930cf', 'matrix-auth:3.2.8', 'prometheus:852.v317db_5d17a_b_0'] as const;

/**
 * The controller is a declared singleton (the chart refuses more than one replica: Jenkins keeps
 * its state in JENKINS_HOME on one volume). It tolerates an unreachable or not-ready node for as
 * long as every platform pod does (the API server's default tolerations, set here explicitly so
 * the number below cannot drift from the pod), then it is evicted; Longhorn's node-down policy
 * (`delete-both-statefulset-and-deployment-pod`) force-deletes the pod stuck on the dead node so
 * the StatefulSet can start it elsewhere and the volume can move.
 */
export const CONTROLLER_TOLERATION_SECONDS = EVICTION.tolerationSeconds;
/** The controller's startup probe (the chart's defaults, pinned): how long Jenkins may take to start. */
export const CONTROLLER_STARTUP_PROBE = { failureThreshold: 12, periodSeconds: 10 } as const;
/**
 * The controller's readiness probe period (the chart's default, pinned): the readiness probe first
 * runs once the startup probe has passed, so traffic may wait up to one period more.
 */
export const CONTROLLER_READINESS_PROBE = { periodSeconds: 10 } as const;

/**
 * The controller's termination grace period (Kubernetes' default, pinned): Longhorn force-deletes
 * the evicted pod only once its deletion time, eviction plus this grace, has passed.
 */
export const CONTROLLER_TERMINATION_GRACE_SECONDS = 30;

/**
 * How long the singleton controller is away when its node dies, step by step, from the recovery
 * model (lib/ha/recovery.ts) and the controller's own settings: eviction after its toleration;
 * the volume move of a StatefulSet (Longhorn force-deletes the evicted pod once its grace period
 * is over, then the volume attaches on the new node); the image pull; its startup probe's window
 * (Jenkins starts within it, or is restarted); then its first readiness check. The node-failure
 * simulation computes the same figure from the rendered settings (reports/failure-simulation.md).
 */
export const JENKINS_RECOVERY: RecoveryEstimate = recovery({
  tolerationSeconds: CONTROLLER_TOLERATION_SECONDS,
  volume: { terminationGraceSeconds: CONTROLLER_TERMINATION_GRACE_SECONDS },
  startup: startupProbeStep(CONTROLLER_STARTUP_PROBE),
  ready: readyStep(CONTROLLER_READINESS_PROBE),
});

/** Worst case from a node failure until Jenkins answers again on another node (242 s with the shipped settings). */
export const JENKINS_RECOVERY_SECONDS = JENKINS_RECOVERY.totalSeconds;

const jenkinsStep = (step: RecoveryStepName) => stepSeconds(JENKINS_RECOVERY, step);

/**
 * Jenkins' own recovery budget, above the site's: one controller on one RWO volume cannot come back
 * within 90 s (eviction and the volume move alone take longer), and the startup window is what
 * Jenkins with its plugins needs. About four minutes without CI is accepted; the serving path never
 * waits on it. The sum includes the first readiness check after the startup window (the
 * simulation counts it from the rendered probes; the hand-typed declaration before left it out).
 */
export const JENKINS_RECOVERY_BUDGET = {
  seconds: 250,
  reason: `CI only, not on any serving path: one controller on one RWO volume (the chart allows no second) needs ${jenkinsStep('eviction')} s eviction + ${jenkinsStep('volume move')} s volume move + ${jenkinsStep('image pull')} s image pull + its ${jenkinsStep('start-up')} s startup window + ${jenkinsStep('ready')} s to its first readiness check = ${JENKINS_RECOVERY_SECONDS} s`,
} as const;

/** HA declarations of the chart's controller StatefulSet (jenkins chart 5.9.53: named after the release). */
export function jenkinsHa(): RenderedWorkloadHa[] {
  return [{
    kind: 'StatefulSet',
    name: 'jenkins',
    singleton: 'Jenkins keeps its state in JENKINS_HOME on one volume; the chart refuses a second controller',
    recoveryBudget: JENKINS_RECOVERY_BUDGET,
    exempt: {
      'ha/probes': 'the chart renders no probes for the config-reload sidecar (k8s-sidecar) and reads no value for them (templates/_helpers.tpl, jenkins.configReloadContainer): it only forwards JCasC ConfigMap changes to Jenkins, whose container has startup, readiness and liveness probes',
    },
  }];
}

/** Sizes for a small on-prem cluster. */
export const JENKINS_RESOURCES = {
  /**
   * The controller (and its plugin-installing init container): a JVM that settles around 1 GiB
   * with a handful of plugins (the chart's 256Mi request would let the scheduler overcommit the
   * node); its heap defaults to a quarter of the limit. The chart's CPU limit is kept.
   */
  controller: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '2000m', memory: '4Gi' } },
  /** The init container that builds the JVM trust store with the directory's CA (keytool, a short JVM). */
  truststore: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } },
  /** k8s-sidecar (Python): watches the JCasC ConfigMaps and calls Jenkins' reload endpoint. */
  configReload: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '192Mi' } },
} as const satisfies Record<string, ContainerResources>;

/** No capabilities (the restricted profile), for the chart's containers. */
const DROP_ALL = { drop: ['ALL'] } as const;

/** A toleration as the chart's `controller.tolerations` takes it. */
export interface JenkinsToleration {
  readonly key: string;
  readonly operator: 'Exists';
  readonly effect: 'NoExecute';
  readonly tolerationSeconds: number;
}

/**
 * The values of the jenkins chart that the platform sets (a typed subset). Every key was checked
 * against values.yaml and the templates of the pinned chart (jenkinsci/helm-charts jenkins-5.9.53).
 */
export interface JenkinsValues {
  readonly controller: {
    /** The chart fails for anything but 0 or 1. */
    readonly replicas: 1;
    readonly jenkinsUrl: string;
    readonly admin: { readonly existingSecret: string; readonly userKey: string; readonly passwordKey: string; readonly createSecret: boolean };
    readonly additionalPlugins: readonly string[];
    /** Mounted under /run/secrets/additional as `<name>-<keyName>`, read by JCasC as `${<name>-<keyName>}`. */
    readonly additionalExistingSecrets: readonly { readonly name: string; readonly keyName: string }[];
    readonly tolerations: readonly JenkinsToleration[];
    readonly terminationGracePeriodSeconds: number;
    readonly resources: ContainerResources;
    /** Replaces the pod security context the chart builds from runAsUser and fsGroup. */
    readonly podSecurityContextOverride: {
      readonly runAsUser: number;
      readonly runAsNonRoot: boolean;
      readonly fsGroup: number;
      readonly fsGroupChangePolicy: 'OnRootMismatch';
      readonly seccompProfile: { readonly type: 'RuntimeDefault' };
    };
    /** The controller's and its init container's (replaces the chart's default). */
    readonly containerSecurityContext: {
      readonly runAsUser: number;
      readonly runAsGroup: number;
      readonly readOnlyRootFilesystem: boolean;
      readonly allowPrivilegeEscalation: boolean;
      readonly capabilities: typeof DROP_ALL;
    };
    /** Merged by Helm into the chart's probes (the httpGet stays). */
    readonly probes: {
      readonly startupProbe: { readonly failureThreshold: number; readonly periodSeconds: number };
      readonly readinessProbe: { readonly periodSeconds: number };
    };
    /** The JCasC reload sidecar and its init container. */
    readonly sidecars: {
      readonly configAutoReload: {
        readonly resources: ContainerResources;
        readonly containerSecurityContext: { readonly readOnlyRootFilesystem: boolean; readonly allowPrivilegeEscalation: boolean; readonly capabilities: typeof DROP_ALL };
      };
    };
    /** JVM options: the trust store that holds the directory's CA (JENKINS_TRUSTSTORE). */
    readonly javaOpts: string;
    /** Run before the chart's init container (templated by the chart: `tpl`). */
    readonly customInitContainers: readonly object[];
    readonly JCasC: {
      /** The chart's own configuration: the Kubernetes cloud with the default and extra pod templates. */
      readonly defaultConfig: boolean;
      /** One file per key; a `securityRealm:` or `authorizationStrategy:` here replaces the chart's. */
      readonly configScripts: Readonly<Record<string, string>>;
    };
  };
  readonly persistence: {
    readonly enabled: boolean;
    readonly storageClass: string;
    readonly accessMode: 'ReadWriteOnce';
    readonly size: string;
    /** Extra volumes of the controller pod. */
    readonly volumes: readonly object[];
    /** Mounted into the controller and the chart's init container. */
    readonly mounts: readonly { readonly name: string; readonly mountPath: string; readonly readOnly: boolean }[];
  };
  readonly agent: {
    readonly enabled: boolean;
    /** Where agent pods run. */
    readonly namespace: string;
    /** Extra pod templates of the Kubernetes cloud, each a JCasC list entry as YAML text. */
    readonly podTemplates: Readonly<Record<string, string>>;
  };
}

/**
 * The JVM trust store of the controller: the JDK's CAs plus the directory's (the LDAP plugin
 * verifies LDAPS with the JVM's default trust store, which reads no PEM). An init container
 * copies the JDK's cacerts and imports every certificate of the mounted `ldap-ca` Secret; the
 * password is the JDK's published default for cacerts (it guards nothing: certificates are public).
 */
export const JENKINS_TRUSTSTORE = { dir: '/var/jenkins-truststore', file: 'cacerts', caDir: '/var/jenkins-ldap-ca', storePassword: 'changeit' } as const;

/** The init container that builds JENKINS_TRUSTSTORE, with the controller's image (it has keytool). */
export function truststoreInitContainer(securityContext: object): object {
  const t = JENKINS_TRUSTSTORE;
  const script = [
    'set -eu',
    `cp "$JAVA_HOME/lib/security/cacerts" ${t.dir}/${t.file}`,
    `chmod u+w ${t.dir}/${t.file}`,
    // One file per certificate of the bundle: keytool imports one certificate per call.
    `awk -v d=${t.dir} '/-----BEGIN CERTIFICATE-----/{n++} n{print > (d "/ldap-ca-" n ".pem")}' ${t.caDir}/${LDAP_CA_SECRET.key}`,
    `for f in ${t.dir}/ldap-ca-*.pem; do keytool -importcert -noprompt -alias "ucs-$(basename "$f" .pem)" -file "$f" -keystore ${t.dir}/${t.file} -storepass ${t.storePassword}; rm "$f"; done`,
  ].join('\n');
  return {
    name: 'ldap-truststore',
    // The chart's own expression for the controller image (its init container uses the same).
    image: '{{ .Values.controller.image.registry }}/{{ .Values.controller.image.repository }}:{{- include "controller.image.tag" . -}}',
    imagePullPolicy: 'IfNotPresent',
    command: ['sh', '-c', script],
    securityContext,
    resources: JENKINS_RESOURCES.truststore,
    volumeMounts: [
      { name: 'ldap-ca', mountPath: t.caDir, readOnly: true },
      { name: 'ldap-truststore', mountPath: t.dir },
    ],
  };
}

/** `cn=users,dc=turnsys,dc=com` below `dc=turnsys,dc=com` -> `cn=users` (the LDAP plugin's bases are relative to rootDN). */
export function relativeDn(dn: string, base: string): string {
  if (dn.toLowerCase() === base.toLowerCase()) return '';
  const suffix = `,${base}`;
  if (!dn.toLowerCase().endsWith(suffix.toLowerCase())) throw new Error(`${dn} is not below ${base}`);
  return dn.slice(0, dn.length - suffix.length);
}

/** The Jenkins permissions each LDAP group gets (matrix-auth), by group CN. */
export function jenkinsPermissions(site: Site): { readonly group: string; readonly permissions: readonly string[] }[] {
  return [
    { group: groupName(site.ldap.adminGroup), permissions: ['Overall/Administer'] },
    { group: groupName(site.ldap.viewerGroup), permissions: ['Overall/Read', 'Job/Read', 'View/Read'] },
  ];
}

/**
 * JCasC: login against the UCS directory (the bind password read from the mounted Secret), the
 * admin group administers, the viewer group reads, everyone else (even logged in) gets nothing.
 */
export function jenkinsSecurityConfig(site: Site): object {
  const map = ldapMapping(site);
  return {
    jenkins: {
      securityRealm: {
        ldap: {
          configurations: [{
            // Space-separated URLs: JNDI tries them in turn (primary, then the backups).
            server: ldapUrls(site).join(' '),
            rootDN: site.ldap.baseDn,
            userSearchBase: relativeDn(site.ldap.usersDn, site.ldap.baseDn),
            userSearch: `${map.userLoginAttribute}={0}`,
            groupSearchBase: relativeDn(site.ldap.groupsDn, site.ldap.baseDn),
            groupSearchFilter: `(&(${map.groupNameAttribute}={0})${map.groupFilter})`,
            managerDN: site.ldap.bindDn,
            managerPasswordSecret: `\${${JENKINS_LDAP_SECRET.name}-${JENKINS_LDAP_SECRET.key}}`,
            displayNameAttributeName: 'displayName',
            mailAddressAttributeName: 'mail',
          }],
          userIdStrategy: 'CaseInsensitive',
          groupIdStrategy: 'CaseInsensitive',
        },
      },
      authorizationStrategy: {
        globalMatrix: {
          entries: jenkinsPermissions(site).map((p) => ({ group: { name: p.group, permissions: [...p.permissions] } })),
        },
      },
    },
  };
}

/**
 * The image-build pod template: the default agent (jnlp) plus kaniko, with Harbor's robot
 * account as its docker config. A pipeline builds and pushes with
 * `/kaniko/executor --context . --destination registry.<domain>/<project>/<image>:<tag>`.
 */
export function kanikoPodTemplate(versions: Versions): object[] {
  const kaniko = versions.kaniko;
  return agentPodTemplate(KANIKO_LABEL, {
    containers: [{
      name: 'kaniko',
      image: `${kaniko.name}:${kaniko.version}`,
      // The debug image's busybox keeps the container alive for the pipeline's steps.
      command: ['/busybox/cat'],
      tty: true,
      volumeMounts: [{ name: 'docker-config', mountPath: '/kaniko/.docker', readOnly: true }],
    }],
    volumes: [{ name: 'docker-config', secret: { secretName: HARBOR_PUSH_SECRET, items: [{ key: '.dockerconfigjson', path: 'config.json' }] } }],
  });
}

/**
 * An agent pod template of the chart's Kubernetes cloud: the default agent (jnlp) plus the pod
 * spec given here, merged in, under `label` (what a pipeline's `agent { label ... }` names).
 */
function agentPodTemplate(label: string, spec: object): object[] {
  return [{
    name: label,
    label,
    namespace: JENKINS_NAMESPACE,
    inheritFrom: 'default',
    yamlMergeStrategy: 'merge',
    yaml: stringify(sortKeys({ apiVersion: 'v1', kind: 'Pod', spec }), { lineWidth: 0 }),
  }];
}

/**
 * JCasC for app releases: the Gitea credentials (read from the mounted Secret, never literal),
 * the platform facts pipelines read as environment variables, and the `platform` shared library
 * loaded from this repository at git.revision.
 */
export function platformReleaseConfig(site: Site): object {
  const ref = (key: string) => `\${${PLATFORM_RELEASE.secret}-${key}}`;
  const env = {
    PLATFORM_REGISTRY: `${HARBOR_SUBDOMAIN}.${site.domain}`,
    PLATFORM_APPS_PROJECT: PLATFORM_RELEASE.harborProject,
    PLATFORM_REPO: site.git.repoUrl,
    PLATFORM_BRANCH: site.git.revision,
    PLATFORM_GIT_EMAIL: `jenkins@${site.domain}`,
  };
  return {
    credentials: {
      system: {
        domainCredentials: [{
          credentials: [{
            usernamePassword: {
              id: PLATFORM_RELEASE.credentialsId,
              scope: 'GLOBAL',
              description: 'Gitea: clone the platform repository and push releases (Bitwarden, via External Secrets)',
              username: ref('username'),
              password: ref('password'),
            },
          }],
        }],
      },
    },
    jenkins: {
      globalNodeProperties: [{ envVars: { env: Object.entries(env).map(([key, value]) => ({ key, value })) } }],
    },
    unclassified: {
      globalLibraries: {
        libraries: [{
          name: PLATFORM_RELEASE.library,
          defaultVersion: site.git.revision,
          implicit: false,
          allowVersionOverride: false,
          includeInChangesets: false,
          retriever: {
            modernSCM: {
              libraryPath: PLATFORM_RELEASE.libraryPath,
              scm: { git: { remote: site.git.repoUrl, credentialsId: PLATFORM_RELEASE.credentialsId } },
            },
          },
        }],
      },
    },
  };
}

/**
 * The release pod template: the default agent (jnlp, which has git) plus Node.js with git for
 * `npm ci && npm run release` in a checkout of this repository, as the agent's uid.
 */
export function releasePodTemplate(versions: Versions): object[] {
  const node = versions['node-ci'];
  return agentPodTemplate(PLATFORM_RELEASE.label, {
    containers: [{
      name: 'node',
      image: `${node.name}:${node.version}`,
      command: ['cat'],
      tty: true,
      env: [{ name: 'HOME', value: '/home/jenkins/agent' }, { name: 'npm_config_cache', value: '/home/jenkins/agent/.npm' }],
      securityContext: { runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true, allowPrivilegeEscalation: false },
    }],
  });
}

/** The docker config of Harbor's robot account: `auth` is base64 of `user:secret`, filled in by External Secrets. */
export function robotDockerConfig(site: Site): string {
  return `{"auths":{"${HARBOR_SUBDOMAIN}.${site.domain}":{"auth":"{{ printf "%s:%s" .username .password | b64enc }}"}}}`;
}

export function jenkinsValues(site: Site, versions: Versions): JenkinsValues {
  return {
    controller: {
      replicas: 1,
      jenkinsUrl: `https://jenkins.${site.domain}/`,
      // Without the directory Jenkins has no users; this local admin (from Bitwarden) is what the
      // chart's `local` realm would use if the LDAP realm is ever switched off in an emergency.
      admin: { existingSecret: JENKINS_ADMIN_SECRET, userKey: 'jenkins-admin-user', passwordKey: 'jenkins-admin-password', createSecret: true },
      additionalPlugins: [...JENKINS_PLUGINS],
      additionalExistingSecrets: [
        { name: JENKINS_LDAP_SECRET.name, keyName: JENKINS_LDAP_SECRET.key },
        { name: PLATFORM_RELEASE.secret, keyName: 'username' },
        { name: PLATFORM_RELEASE.secret, keyName: 'password' },
      ],
      tolerations: deadNodeTolerations(CONTROLLER_TOLERATION_SECONDS),
      terminationGracePeriodSeconds: CONTROLLER_TERMINATION_GRACE_SECONDS,
      resources: JENKINS_RESOURCES.controller,
      // The chart's pod and container contexts (uid and gid 1000, the image's jenkins user; fsGroup
      // for the home volume; read-only root with emptyDirs for /tmp and the war), plus seccomp
      // RuntimeDefault for every container and no capabilities.
      podSecurityContextOverride: { runAsUser: 1000, runAsNonRoot: true, fsGroup: 1000, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' } },
      containerSecurityContext: { runAsUser: 1000, runAsGroup: 1000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: DROP_ALL },
      probes: { startupProbe: { ...CONTROLLER_STARTUP_PROBE }, readinessProbe: { ...CONTROLLER_READINESS_PROBE } },
      sidecars: {
        configAutoReload: {
          resources: JENKINS_RESOURCES.configReload,
          containerSecurityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: DROP_ALL },
        },
      },
      javaOpts: `-Djavax.net.ssl.trustStore=${JENKINS_TRUSTSTORE.dir}/${JENKINS_TRUSTSTORE.file} -Djavax.net.ssl.trustStorePassword=${JENKINS_TRUSTSTORE.storePassword}`,
      customInitContainers: [truststoreInitContainer({ runAsUser: 1000, runAsGroup: 1000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: DROP_ALL })],
      JCasC: {
        defaultConfig: true,
        configScripts: {
          'ldap-security': stringify(sortKeys(jenkinsSecurityConfig(site)), { lineWidth: 0 }),
          'platform-release': stringify(sortKeys(platformReleaseConfig(site)), { lineWidth: 0 }),
        },
      },
    },
    persistence: {
      enabled: true,
      storageClass: 'longhorn',
      accessMode: 'ReadWriteOnce',
      size: site.jenkins.storageSize,
      volumes: [{ name: 'ldap-ca', secret: { secretName: LDAP_CA_SECRET.name } }, { name: 'ldap-truststore', emptyDir: {} }],
      mounts: [{ name: 'ldap-truststore', mountPath: JENKINS_TRUSTSTORE.dir, readOnly: true }],
    },
    agent: {
      enabled: true,
      namespace: JENKINS_NAMESPACE,
      podTemplates: {
        [KANIKO_LABEL]: stringify(sortKeys(kanikoPodTemplate(versions)), { lineWidth: 0 }),
        [PLATFORM_RELEASE.label]: stringify(sortKeys(releasePodTemplate(versions)), { lineWidth: 0 }),
      },
    },
  };
}

/** Jenkins' UI, `jenkins.<domain>`. */
export const JENKINS_UI: LayerUi = { subdomain: 'jenkins', what: 'Jenkins' };
/** What the jenkins layer (component jenkins) takes for itself, for the site and app rules (`LAYER_NEEDS`): its UI's host. */
export const JENKINS_NEEDS: LayerNeeds = { layer: 'jenkins', component: 'jenkins', uis: [JENKINS_UI] };

/**
 * Jenkins: the controller as a declared singleton on a Longhorn volume (rescheduled after a node
 * failure, see JENKINS_RECOVERY), LDAP login with group-based authorization, Kubernetes pod
 * agents in its namespace and a kaniko agent that pushes images to Harbor with the CI robot
 * account, the UI at `jenkins.<domain>`.
 */
export function jenkinsLayer(scope: Construct, ctx: PlatformContext): Layer {
  const { site } = ctx;
  const layer = new Layer(scope, {
    name: 'jenkins',
    description: 'Jenkins CI: singleton controller on Longhorn, LDAP (UCS) login, Kubernetes and kaniko agents',
    namespace: JENKINS_NAMESPACE,
    // Harbor is not a dependency: Jenkins runs without it; only image builds need it.
    dependsOn: ['gateway', 'longhorn', 'secrets'],
  });
  // Prometheus scrapes it from the monitoring namespace (the monitoring layer renders the monitor).
  Inventory.of(layer).addScrapeTarget({ name: 'jenkins', layer: layer.layerName, namespace: JENKINS_NAMESPACE, selector: { 'app.kubernetes.io/component': 'jenkins-controller', 'app.kubernetes.io/instance': 'jenkins' }, port: 'http', path: '/prometheus/' });
  // baseline: kaniko builds run as root (no privileges, no host access).
  new PlatformNamespace(layer, 'namespace', { name: JENKINS_NAMESPACE });

  const admin = new BitwardenSecret(layer, 'admin', {
    name: JENKINS_ADMIN_SECRET,
    namespace: JENKINS_NAMESPACE,
    data: { 'jenkins-admin-user': bitwardenPart(site.jenkins.adminCredentials, 'username'), 'jenkins-admin-password': bitwardenPart(site.jenkins.adminCredentials, 'password') },
  });
  const ldap = new BitwardenSecret(layer, 'ldap', {
    name: JENKINS_LDAP_SECRET.name,
    namespace: JENKINS_NAMESPACE,
    data: { [JENKINS_LDAP_SECRET.key]: site.ldap.bindPassword },
  });
  const jenkins = new HelmComponent(layer, 'jenkins', {
    name: 'jenkins',
    chart: pinned(ctx, JENKINS_CHART),
    namespace: JENKINS_NAMESPACE,
    values: jenkinsValues(site, ctx.versions),
    ha: jenkinsHa(),
  });
  const releaseGit = new BitwardenSecret(layer, 'platform-git', {
    name: PLATFORM_RELEASE.secret,
    namespace: JENKINS_NAMESPACE,
    data: bitwardenLogin(site.jenkins.releaseCredentials),
  });
  // The controller mounts them at start.
  layer.addOrder(jenkins, admin);
  layer.addOrder(jenkins, ldap);
  const ldapCa = new LdapCaSecret(layer, 'ldap-ca', { namespace: JENKINS_NAMESPACE, caCertificate: site.ldap.caCertificate });
  layer.addOrder(jenkins, ldapCa);
  layer.addOrder(jenkins, releaseGit);

  const robot = new BitwardenSecret(layer, 'harbor-push', {
    name: HARBOR_PUSH_SECRET,
    namespace: JENKINS_NAMESPACE,
    secretType: 'kubernetes.io/dockerconfigjson',
    data: bitwardenLogin(site.harbor.robotAccount),
    plainData: { '.dockerconfigjson': robotDockerConfig(site) },
  });
  // The robot account exists only once Harbor runs (docs/harbor.md): until its Bitwarden item
  // exists this ExternalSecret is degraded, so it syncs after Jenkins and never holds it back.
  layer.addOrder(robot, jenkins);

  new PublishedUi(layer, 'ui', { name: JENKINS_UI.subdomain, namespace: JENKINS_NAMESPACE, serviceName: JENKINS_SERVICE.name, servicePort: JENKINS_SERVICE.port, description: 'Jenkins CI' });

  const inventory = Inventory.of(layer);
  inventory.addDirectoryUse(site.ldap, 'jenkins', { failover: true, ca: { namespace: JENKINS_NAMESPACE, ...LDAP_CA_SECRET } }, { admins: true, viewers: true });
  inventory.addOutsideUse({
    service: 'git',
    usedBy: 'jenkins',
    purpose: 'clones the platform repository and pushes app releases (npm run release)',
    whileDown: 'pipelines cannot clone or release',
    mitigation: 'a failed release changes nothing in the cluster; run it again once Gitea answers',
  });
  return layer;
}
