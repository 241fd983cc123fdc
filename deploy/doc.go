// Package deploy holds no code: its tests check the deployment files beside
// it (deploy/Dockerfile, docker-compose.yml, deploy/k8s, the Prometheus and
// Grafana provisioning) against the services they run. The compose file is
// loaded with the compose-spec loader, the Kubernetes manifests are decoded,
// and every environment variable they set is checked against the variables
// the services actually read; the compose topology is then run as processes.
package deploy
