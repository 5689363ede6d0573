// Jenkinsfile for an app repository (copy it to the app's repository root as "Jenkinsfile").
// Jenkins builds the Dockerfile, pushes the image to Harbor and, on main, releases it with
// `npm run release` in the platform repository: Argo CD deploys it. See the platform README,
// "Releasing an app from CI".
@Library('platform') _

// app: the name of apps/<app>.yaml in the platform repository.
platformRelease(app: 'wiki')
