module github.com/goharbor/harbor-helm

go 1.13

require (
	github.com/gruntwork-io/terratest v0.38.1
	github.com/stretchr/testify v1.7.0
	k8s.io/api v0.20.6
)
