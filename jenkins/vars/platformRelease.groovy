// platformRelease: continuous delivery of an app of the TSYS platform (shared library "platform",
// loaded by Jenkins from this folder of the platform repository at git.revision; configured in
// lib/layers/jenkins.ts). In an app repository's Jenkinsfile:
//
//   @Library('platform') _
//   platformRelease(app: 'wiki')
//
// 1. On an agent labelled "kaniko": check out the app, build its Dockerfile with kaniko and push
//    $PLATFORM_REGISTRY/$PLATFORM_APPS_PROJECT/<app>:<git sha> to Harbor (the robot account's
//    docker config is mounted in the kaniko container), and read the pushed digest.
// 2. On the release branch only (default main), on an agent labelled "platform-release": clone
//    the platform repository ($PLATFORM_REPO, branch $PLATFORM_BRANCH) with the Jenkins
//    credentials "platform-git" and run
//      npm ci && npm run release -- <app> <registry>/apps/<app>:<git sha>@sha256:<digest>
//    which edits apps/<app>.yaml, synthesizes, verifies, commits and pushes. Argo CD deploys that
//    commit: the cluster changes through Git alone. A push that loses a race is retried on a
//    fresh clone.
//
// Options: app (required: the name of apps/<app>.yaml), branch (the release branch, default
// 'main'), context (build context folder, default '.'), dockerfile (default 'Dockerfile').
// No secret is written here: credentials are referenced by id and reach the shell as variables.

def call(Map config = [:]) {
  String app = config.app
  if (!(app ==~ /[a-z]([-a-z0-9]{0,38}[a-z0-9])?/)) {
    error("platformRelease: app must name apps/<app>.yaml in the platform repository (lower-case letters, digits, '-'), got '${app}'")
  }
  String releaseBranch = config.branch ?: 'main'
  String context = config.context ?: '.'
  String dockerfile = config.dockerfile ?: 'Dockerfile'
  String image
  String digest

  stage('Build and push') {
    node('kaniko') {
      checkout scm
      String sha = sh(script: 'git rev-parse HEAD', returnStdout: true).trim()
      image = "${env.PLATFORM_REGISTRY}/${env.PLATFORM_APPS_PROJECT}/${app}:${sha}"
      withEnv(["BUILD_CONTEXT=${context}", "BUILD_DOCKERFILE=${dockerfile}", "BUILD_IMAGE=${image}"]) {
        container('kaniko') {
          sh '/kaniko/executor --context="dir://$WORKSPACE/$BUILD_CONTEXT" --dockerfile="$BUILD_DOCKERFILE" --destination="$BUILD_IMAGE" --digest-file="$WORKSPACE/.image-digest"'
        }
      }
      digest = readFile('.image-digest').trim()
    }
    if (!(digest ==~ /sha256:[a-f0-9]{64}/)) {
      error("platformRelease: kaniko wrote no digest for ${image} (got '${digest}'); see the build log above")
    }
    echo "platformRelease: pushed ${image}@${digest}"
  }

  if (env.BRANCH_NAME && env.BRANCH_NAME != releaseBranch) {
    echo "platformRelease: ${env.BRANCH_NAME} is not ${releaseBranch}: built and pushed, not released"
    return
  }

  stage('Release') {
    node('platform-release') {
      container('node') {
        withCredentials([usernamePassword(credentialsId: 'platform-git', usernameVariable: 'GIT_USERNAME', passwordVariable: 'GIT_PASSWORD')]) {
          withEnv(["RELEASE_APP=${app}", "RELEASE_IMAGE=${image}@${digest}"]) {
            retry(3) {
              // Single quotes: the shell, not Groovy, expands the credentials.
              sh '''
                set -eu
                helper='!f() { echo "username=$GIT_USERNAME"; echo "password=$GIT_PASSWORD"; }; f'
                rm -rf platform
                git -c credential.helper="$helper" clone --quiet --branch "$PLATFORM_BRANCH" "$PLATFORM_REPO" platform
                cd platform
                git config credential.helper "$helper"
                git config user.name "Jenkins"
                git config user.email "$PLATFORM_GIT_EMAIL"
                npm ci --no-audit --no-fund
                npm run release -- "$RELEASE_APP" "$RELEASE_IMAGE"
              '''
            }
          }
        }
      }
    }
  }
}
