import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { KANIKO_LABEL, PLATFORM_RELEASE } from '../../lib/layers/jenkins';
import { VERSIONS } from '../../lib/versions';
import { REPO, shippedRender } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The chart's JCasC ConfigMap of the layer's `platform-release` configScripts key, and the controller. */
const CASC = 'dist/jenkins/configmap-jenkins-jenkins-config-platform-release.yaml';
const CLOUD = 'dist/jenkins/configmap-jenkins-jenkins-jcasc-config.yaml';
const STATEFULSET = 'dist/jenkins/statefulset-jenkins.yaml';
const LIBRARY_STEP = path.join(REPO, PLATFORM_RELEASE.libraryPath, 'vars/platformRelease.groovy');
const APP_JENKINSFILE = path.join(REPO, 'jenkins/Jenkinsfile.app');

describe('Jenkins release pipeline for apps', () => {
  const files = new Map(shippedRender().map((f) => [f.path, f.content]));
  const cascMap: Obj = parse(files.get(CASC)!);
  const casc: Obj = parse(cascMap.data['platform-release.yaml']);
  const pod: Obj = parse(files.get(STATEFULSET)!).spec.template.spec;
  const step = fs.readFileSync(LIBRARY_STEP, 'utf8');
  const code = step.split('\n').filter((l) => !l.trim().startsWith('//')).join('\n');

  test('GIVEN the site WHEN rendered THEN pipelines get the registry, the Harbor project, the platform repository and its branch as global variables', () => {
    expect(casc.jenkins.globalNodeProperties).toEqual([{
      envVars: {
        env: [
          { key: 'PLATFORM_REGISTRY', value: 'registry.turnsys.com' },
          { key: 'PLATFORM_APPS_PROJECT', value: 'apps' },
          { key: 'PLATFORM_REPO', value: 'https://git.turnsys.com/tsys/platform.git' },
          { key: 'PLATFORM_BRANCH', value: 'main' },
          { key: 'PLATFORM_GIT_EMAIL', value: 'jenkins@turnsys.com' },
        ],
      },
    }]);
  });

  test('GIVEN the shared library WHEN rendered THEN Jenkins loads "platform" from this repository\'s jenkins/ folder at git.revision, with credentials by id', () => {
    expect(casc.unclassified.globalLibraries.libraries).toEqual([{
      name: 'platform',
      defaultVersion: 'main',
      implicit: false,
      allowVersionOverride: false,
      includeInChangesets: false,
      retriever: { modernSCM: { libraryPath: 'jenkins/', scm: { git: { remote: 'https://git.turnsys.com/tsys/platform.git', credentialsId: 'platform-git' } } } },
    }]);
    // The folder Jenkins loads holds the step the Jenkinsfile template calls.
    expect(fs.existsSync(LIBRARY_STEP)).toBe(true);
    expect(fs.readFileSync(APP_JENKINSFILE, 'utf8')).toMatch(/^@Library\('platform'\) _\n\n.*\nplatformRelease\(app: 'wiki'\)\n$/m);
  });

  test('GIVEN the Gitea credentials WHEN rendered THEN they come from Bitwarden through an ExternalSecret, mounted and referenced, never literal', () => {
    expect(casc.credentials.system.domainCredentials[0].credentials).toEqual([{
      usernamePassword: {
        id: 'platform-git',
        scope: 'GLOBAL',
        description: 'Gitea: clone the platform repository and push releases (Bitwarden, via External Secrets)',
        username: '${jenkins-platform-git-username}',
        password: '${jenkins-platform-git-password}',
      },
    }]);
    // Mounted as /run/secrets/additional/jenkins-platform-git-<key>, where JCasC reads ${jenkins-platform-git-<key>}.
    expect(pod.volumes.find((v: Obj) => v.name === 'jenkins-secrets').projected.sources).toEqual(expect.arrayContaining([
      { secret: { name: 'jenkins-platform-git', items: [{ key: 'username', path: 'jenkins-platform-git-username' }] } },
      { secret: { name: 'jenkins-platform-git', items: [{ key: 'password', path: 'jenkins-platform-git-password' }] } },
    ]));
    const external: Obj = parse(files.get('dist/jenkins/externalsecret-jenkins-platform-git.yaml')!);
    expect(external.spec.target.name).toBe('jenkins-platform-git');
    expect(JSON.stringify(external.spec)).toContain('gitea-jenkins-release');
  });

  test('GIVEN the release agent WHEN rendered THEN it runs pinned Node.js as the agent user beside jnlp', () => {
    const cloud = parse(parse(files.get(CLOUD)!).data['jcasc-default-config.yaml']).jenkins.clouds[0].kubernetes;
    const template = cloud.templates.find((t: Obj) => t.name === 'platform-release');
    expect(template).toMatchObject({ name: 'platform-release', label: 'platform-release', namespace: 'jenkins', inheritFrom: 'default' });
    const [node] = parse(template.yaml).spec.containers;
    expect(node).toMatchObject({ name: 'node', image: `docker.io/library/node:${VERSIONS['node-ci'].version}`, securityContext: { runAsUser: 1000, runAsNonRoot: true } });
  });

  test('GIVEN the library step THEN it builds on the kaniko agent, pushes registry/apps/<app>:<sha>, and releases <image>@<digest> with the release command', () => {
    expect(code).toContain(`node('${KANIKO_LABEL}')`);
    expect(code).toContain(`node('${PLATFORM_RELEASE.label}')`);
    expect(code).toContain('image = "${env.PLATFORM_REGISTRY}/${env.PLATFORM_APPS_PROJECT}/${app}:${sha}"');
    expect(code).toContain('--destination="$BUILD_IMAGE" --digest-file="$WORKSPACE/.image-digest"');
    expect(code).toContain('"RELEASE_IMAGE=${image}@${digest}"');
    expect(code).toContain('npm ci --no-audit --no-fund\n                npm run release -- "$RELEASE_APP" "$RELEASE_IMAGE"');
    expect(code).toContain('git -c credential.helper="$helper" clone --quiet --branch "$PLATFORM_BRANCH" "$PLATFORM_REPO" platform');
    // Every variable the step reads is rendered.
    const rendered = new Set(casc.jenkins.globalNodeProperties[0].envVars.env.map((e: Obj) => e.key));
    for (const v of new Set([...code.matchAll(/\bPLATFORM_[A-Z_]+/g)].map((m) => m[0]))) expect(rendered).toContain(v);
  });

  test('GIVEN the library step THEN credentials are referenced by id only and expanded by the shell, not Groovy', () => {
    const ids = [...code.matchAll(/credentialsId: '([^']+)'/g)].map((m) => m[1]);
    expect(ids).toEqual([PLATFORM_RELEASE.credentialsId]);
    expect(code).toContain("usernamePassword(credentialsId: 'platform-git', usernameVariable: 'GIT_USERNAME', passwordVariable: 'GIT_PASSWORD')");
    // The shell script that sees the password is a single-quoted Groovy string (no interpolation).
    const script = /sh '''([\s\S]*?)'''/.exec(code)![1];
    expect(script).toContain('$GIT_PASSWORD');
    expect(code.replace(script, '')).not.toContain('GIT_PASSWORD"');
    expect(code).not.toMatch(/password\s*[:=]\s*['"][^'"$]/i);
  });
});
