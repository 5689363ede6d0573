import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { KANIKO_LABEL, PLATFORM_RELEASE } from '../../lib/layers/jenkins';
import { renderSite } from '../../lib/synth';
import { VERSIONS } from '../../lib/versions';
import { secretLiterals } from '../../lib/verify/secret-literals';
import { REPO, shippedSite } from '../helpers';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const CHART = 'dist/jenkins/application-jenkins-chart.yaml';
const LIBRARY_STEP = path.join(REPO, PLATFORM_RELEASE.libraryPath, 'vars/platformRelease.groovy');
const APP_JENKINSFILE = path.join(REPO, 'jenkins/Jenkinsfile.app');

describe('Jenkins release pipeline for apps', () => {
  const files = new Map(renderSite(shippedSite()).map((f) => [f.path, f.content]));
  const chart: Obj = parse(files.get(CHART)!);
  const values = chart.spec.source.helm.valuesObject;
  const casc: Obj = parse(values.controller.JCasC.configScripts['platform-release']);
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
    expect(values.controller.additionalExistingSecrets).toEqual(expect.arrayContaining([
      { name: 'jenkins-platform-git', keyName: 'username' },
      { name: 'jenkins-platform-git', keyName: 'password' },
    ]));
    const external: Obj = parse(files.get('dist/jenkins/externalsecret-jenkins-platform-git.yaml')!);
    expect(external.spec.target.name).toBe('jenkins-platform-git');
    expect(JSON.stringify(external.spec)).toContain('gitea-jenkins-release');
    expect(secretLiterals(chart)).toEqual([]);
  });

  test('GIVEN the release agent WHEN rendered THEN it runs pinned Node.js as the agent user beside jnlp', () => {
    const template = parse(values.agent.podTemplates['platform-release'])[0];
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
