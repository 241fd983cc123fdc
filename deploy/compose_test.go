package deploy

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"sigs.k8s.io/yaml"

	"github.com/newsflow/newsflow/pkg/config"
	"github.com/newsflow/newsflow/pkg/natsx"
	"github.com/newsflow/newsflow/services/fetcher"
)

// The compose file provisions the topology once, then runs every stage as a
// scalable, health-checked service that waits for healthy dependencies and
// is configured only with variables it reads.
func TestComposeFile(t *testing.T) {
	p := loadCompose(t, "observability")
	for _, name := range []string{"nats", "redis", "provision", "fetcher", "parser", "store", "api"} {
		if _, err := p.GetService(name); err != nil {
			t.Fatalf("compose: service %s missing: %v", name, err)
		}
	}
	for name, s := range p.Services {
		if name != "provision" && (s.HealthCheck == nil || s.HealthCheck.Disable || len(s.HealthCheck.Test) == 0) {
			t.Errorf("compose: %s has no health check", name)
		}
		for dep, d := range s.DependsOn {
			want := types.ServiceConditionHealthy
			if dep == "provision" { // a one-shot: it exits when done
				want = types.ServiceConditionCompletedSuccessfully
			}
			if d.Condition != want {
				t.Errorf("compose: %s depends on %s with condition %q, want %s", name, dep, d.Condition, want)
			}
		}
		for _, v := range s.Volumes {
			if v.Type == types.VolumeTypeBind {
				if _, err := os.Stat(v.Source); err != nil {
					t.Errorf("compose: %s mounts %s, which does not exist: %v", name, v.Source, err)
				}
			}
		}
	}
	nats, _ := p.GetService("nats")
	if !slices.Contains(nats.Command, "--jetstream") && !slices.Contains(nats.Command, "-js") {
		t.Errorf("compose: nats runs %q, without JetStream", nats.Command)
	}
	if !hasVolumeAt(nats, "/data") || !slices.Contains(nats.Command, "/data") {
		t.Errorf("compose: nats must keep its JetStream store (-sd /data) on a volume")
	}
	if i := slices.Index(nats.Command, "--http_port"); i < 0 || i+1 >= len(nats.Command) ||
		!strings.Contains(strings.Join(nats.HealthCheck.Test, " "), ":"+nats.Command[i+1]+"/healthz") {
		t.Errorf("compose: nats health check %q does not ask the monitoring port the server opens (%q)", nats.HealthCheck.Test, nats.Command)
	}
	if !strings.Contains(strings.Join(nats.HealthCheck.Test, " "), "/healthz?js-enabled-only=true") {
		t.Errorf("compose: nats health check %q does not ask the JetStream health endpoint", nats.HealthCheck.Test)
	}
	redis, _ := p.GetService("redis")
	if !slices.Contains(redis.Command, "--appendonly") || !hasVolumeAt(redis, "/data") {
		t.Errorf("compose: redis must run with AOF (--appendonly yes) on a volume at /data, got %q", redis.Command)
	}
	if !strings.Contains(strings.Join(redis.HealthCheck.Test, " "), "redis-cli ping") {
		t.Errorf("compose: redis health check %q is not redis-cli ping", redis.HealthCheck.Test)
	}

	for _, svc := range stages {
		s, _ := p.GetService(svc)
		t.Run(svc, func(t *testing.T) {
			if s.ContainerName != "" {
				t.Errorf("container_name %q: the service could not scale", s.ContainerName)
			}
			if len(s.Ports) > 0 {
				t.Errorf("publishes host ports %v: a second replica could not start", s.Ports)
			}
			if s.Deploy != nil && s.Deploy.Replicas != nil && *s.Deploy.Replicas != 1 {
				t.Errorf("deploy.replicas %d: scale with --scale instead", *s.Deploy.Replicas)
			}
			if s.Build == nil || s.Build.Dockerfile != "deploy/Dockerfile" || s.Build.Args["SERVICE"] == nil || *s.Build.Args["SERVICE"] != svc {
				t.Errorf("must be built from deploy/Dockerfile with SERVICE=%s, got %+v", svc, s.Build)
			}
			if got := strings.Join(s.HealthCheck.Test, " "); got != "CMD /app healthcheck" {
				t.Errorf("health check %q, want the binary's own probe [CMD /app healthcheck]", got)
			}
			wantDeps := []string{"nats", "provision"}
			if svc == "store" {
				wantDeps = append(wantDeps, "redis")
			}
			for _, dep := range wantDeps {
				if _, ok := s.DependsOn[dep]; !ok {
					t.Errorf("does not depend on %s", dep)
				}
			}

			raw, local := composeEnv(t, s)
			checkEnvNames(t, "compose", svc, raw)
			if err := readEnv(svc, local).Err(); err != nil {
				t.Errorf("the service would reject its compose environment: %v", err)
			}
			mustDial := map[string]string{"NATS_URL": "nats"}
			if svc == "store" {
				mustDial["REDIS_URL"] = "redis"
			}
			for name, host := range mustDial {
				u, err := url.Parse(raw[name])
				if err != nil || u.Hostname() != host {
					t.Errorf("%s=%q: must be set explicitly to the %s service", name, raw[name], host)
				}
			}
			admin := addrPort(raw["ADMIN_ADDR"])
			if admin == "" {
				t.Errorf("ADMIN_ADDR must be set explicitly (Prometheus scrapes that port)")
			} else if !slices.Contains(s.Expose, admin) {
				t.Errorf("ADMIN_ADDR port %s is not in expose %v", admin, s.Expose)
			}
			if svc == "store" {
				if port := addrPort(raw["HTTP_ADDR"]); port == "" || port == admin || !slices.Contains(s.Expose, port) {
					t.Errorf("HTTP_ADDR %q: must be set explicitly, apart from ADMIN_ADDR, and exposed (%v) for the api entry", raw["HTTP_ADDR"], s.Expose)
				}
			}
			if _, set := raw["FETCHER_API_ADDR"]; set {
				t.Errorf("sets FETCHER_API_ADDR: the feed API stays on the container's loopback (newsflow feeds edits the registry)")
			}
		})
	}

	checkComposeProvision(t, p)

	f, _ := p.GetService("fetcher")
	_, local := composeEnv(t, f)
	if local["FETCHER_FEEDS_FILE"] == "" {
		t.Fatal("compose: fetcher has no FETCHER_FEEDS_FILE")
	}
	feeds, err := fetcher.ParseFeedList(mustRead(t, local["FETCHER_FEEDS_FILE"]))
	if err != nil || len(feeds) < 3 {
		t.Errorf("compose: feeds file %s: %d feeds, %v", local["FETCHER_FEEDS_FILE"], len(feeds), err)
	}
	for _, u := range feeds {
		if pu, err := url.Parse(u); err != nil || pu.Scheme != "https" || pu.Host == "" {
			t.Errorf("feeds file: %q is not an https URL", u)
		}
	}

	api, _ := p.GetService("api")
	if _, ok := api.DependsOn["store"]; !ok {
		t.Errorf("compose: api does not wait for the store")
	}
	conf := string(mustRead(t, filepath.Join(root(t), "deploy", "nginx", "api.conf")))
	for _, want := range []string{"resolver 127.0.0.11", "proxy_pass $store"} {
		if !strings.Contains(conf, want) {
			t.Errorf("deploy/nginx/api.conf: no %q (the proxy must re-resolve the store's replicas)", want)
		}
	}
}

// Of the stages' listeners only the store's API is published, through the
// api entry: its one port is nginx's, and nginx forwards to the store's
// HTTP_ADDR, never to an admin port.
func TestComposePublishesNoAdminPort(t *testing.T) {
	p := loadCompose(t, "observability", "tools")
	store, _ := p.GetService("store")
	raw, _ := composeEnv(t, store)
	storeHTTP := addrPort(raw["HTTP_ADDR"])
	for _, svc := range stages {
		s, _ := p.GetService(svc)
		raw, _ := composeEnv(t, s)
		for _, port := range s.Ports {
			t.Errorf("compose: %s publishes %s:%d (its admin port is %s)", svc, port.Published, port.Target, addrPort(raw["ADMIN_ADDR"]))
		}
	}
	// Without profiles, `docker compose up` publishes the api entry alone.
	for name, s := range loadCompose(t).Services {
		if name != "api" && len(s.Ports) > 0 {
			t.Errorf("compose: %s publishes %+v; only the api entry may", name, s.Ports)
		}
	}

	api, _ := p.GetService("api")
	conf := loadNginx(t)
	if len(api.Ports) != 1 || strconv.Itoa(int(api.Ports[0].Target)) != conf.listen {
		t.Fatalf("compose: api publishes %+v, want one port, nginx's (listen %s)", api.Ports, conf.listen)
	}
	if len(conf.upstreams) == 0 {
		t.Fatal("deploy/nginx/api.conf: no upstream http://<service>:<port>")
	}
	for _, u := range conf.upstreams {
		if u != "store:"+storeHTTP {
			t.Errorf("deploy/nginx/api.conf: forwards to %s, want only the store's HTTP_ADDR (store:%s)", u, storeHTTP)
		}
	}
}

// checkComposeProvision: the one-shot provision service runs `newsflow
// provision` from the CLI image against the compose NATS, once, with only
// variables provision reads.
func checkComposeProvision(t *testing.T, p *types.Project) {
	t.Helper()
	s, _ := p.GetService("provision")
	if s.Build == nil || s.Build.Target != "cli" || s.Build.Args["SERVICE"] == nil || *s.Build.Args["SERVICE"] != "newsflow" {
		t.Errorf("compose: provision must be built from deploy/Dockerfile target cli with SERVICE=newsflow, got %+v", s.Build)
	}
	if !slices.Equal(s.Command, types.ShellCommand{"provision"}) {
		t.Errorf("compose: provision runs %q, want [provision]", s.Command)
	}
	if s.Restart != "" && s.Restart != types.RestartPolicyNo {
		t.Errorf("compose: provision restart %q: a one-shot must not be restarted", s.Restart)
	}
	if d, ok := s.DependsOn["nats"]; !ok || d.Condition != types.ServiceConditionHealthy {
		t.Errorf("compose: provision does not wait for a healthy nats")
	}
	if len(s.Ports) > 0 || s.Deploy != nil && s.Deploy.Replicas != nil && *s.Deploy.Replicas != 1 {
		t.Errorf("compose: provision publishes ports or runs replicas")
	}
	raw, local := composeEnv(t, s)
	checkEnvNames(t, "compose", "provision", raw)
	if err := readEnv("provision", local).Err(); err != nil {
		t.Errorf("compose: provision would reject its environment: %v", err)
	}
	if u, err := url.Parse(raw["NATS_URL"]); err != nil || u.Hostname() != "nats" {
		t.Errorf("compose: provision NATS_URL=%q: must be set explicitly to the nats service", raw["NATS_URL"])
	}
	if raw["NATS_REPLICAS"] == "" {
		t.Error("compose: provision must set NATS_REPLICAS (the stream replicas)")
	}
}

func hasVolumeAt(s types.ServiceConfig, target string) bool {
	for _, v := range s.Volumes {
		if v.Target == target && v.Type == types.VolumeTypeVolume {
			return true
		}
	}
	return false
}

// The CLI service runs only when asked for, against the compose NATS.
func TestComposeCLI(t *testing.T) {
	if _, err := loadCompose(t).GetService("cli"); err == nil {
		t.Error("compose: cli would start with `docker compose up`")
	}
	cli, err := loadCompose(t, "tools").GetService("cli")
	if err != nil {
		t.Fatalf("compose: no cli service in the tools profile: %v", err)
	}
	if cli.Build == nil || cli.Build.Target != "cli" || cli.Build.Args["SERVICE"] == nil || *cli.Build.Args["SERVICE"] != "newsflow" {
		t.Errorf("compose: cli must be built from deploy/Dockerfile target cli with SERVICE=newsflow, got %+v", cli.Build)
	}
	raw, _ := composeEnv(t, cli)
	env := config.FromMap(raw)
	natsx.FromEnv(env, "newsflow-feeds") // what `newsflow feeds` reads
	if err := env.Err(); err != nil || raw["NATS_URL"] != "nats://nats:4222" {
		t.Errorf("compose: cli NATS_URL=%q: %v", raw["NATS_URL"], err)
	}
	for k := range raw {
		if !slices.Contains(env.Names(), k) {
			t.Errorf("compose: cli sets %s, which `newsflow feeds` does not read", k)
		}
	}
}

// The observability profile adds Prometheus and Grafana, which exist only
// under that profile; Prometheus scrapes every replica on the port each
// service listens on, and the dashboard asks only for metrics that exist.
func TestComposeObservability(t *testing.T) {
	plain := loadCompose(t)
	obsP := loadCompose(t, "observability")
	for _, name := range []string{"prometheus", "grafana", "jaeger"} {
		if _, err := plain.GetService(name); err == nil {
			t.Errorf("compose: %s runs without the observability profile", name)
		}
		s, err := obsP.GetService(name)
		if err != nil {
			t.Errorf("compose: %s missing from the observability profile: %v", name, err)
			continue
		}
		if !slices.Equal(s.Profiles, []string{"observability"}) {
			t.Errorf("compose: %s profiles %v, want [observability]", name, s.Profiles)
		}
	}
	for name, s := range obsP.Services {
		if slices.Contains(s.Profiles, "observability") && !slices.Contains([]string{"prometheus", "grafana", "jaeger"}, name) {
			t.Errorf("compose: unexpected service %s in the observability profile", name)
		}
	}

	// Prometheus: one DNS-discovered job per stage on its ADMIN_ADDR port.
	var prom struct {
		ScrapeConfigs []struct {
			JobName      string `json:"job_name"`
			DNSSDConfigs []struct {
				Names []string `json:"names"`
				Type  string   `json:"type"`
				Port  int      `json:"port"`
			} `json:"dns_sd_configs"`
		} `json:"scrape_configs"`
	}
	if err := yaml.Unmarshal(mustRead(t, filepath.Join(root(t), "deploy", "prometheus", "prometheus.yml")), &prom); err != nil {
		t.Fatalf("prometheus.yml: %v", err)
	}
	for _, svc := range stages {
		s, _ := plain.GetService(svc)
		raw, _ := composeEnv(t, s)
		want := addrPort(raw["ADMIN_ADDR"])
		found := false
		for _, sc := range prom.ScrapeConfigs {
			for _, d := range sc.DNSSDConfigs {
				if slices.Contains(d.Names, svc) {
					found = true
					if d.Type != "A" || want == "" || d.Port == 0 || strconv.Itoa(d.Port) != want {
						t.Errorf("prometheus.yml: job %s scrapes %s type %s port %d, want type A port %s", sc.JobName, svc, d.Type, d.Port, want)
					}
				}
			}
		}
		if !found {
			t.Errorf("prometheus.yml: no dns_sd_configs job for %s: its replicas are not scraped", svc)
		}
	}

	// Grafana: the provisioned datasource and dashboard.
	graf, _ := obsP.GetService("grafana")
	mounts := map[string]string{}
	for _, v := range graf.Volumes {
		mounts[v.Target] = v.Source
	}
	prov := mounts["/etc/grafana/provisioning"]
	if prov == "" {
		t.Fatal("compose: grafana has no provisioning mounted")
	}
	var ds struct {
		Datasources []struct{ Name, Type, URL, UID string } `json:"datasources"`
	}
	if err := yaml.Unmarshal(mustRead(t, filepath.Join(prov, "datasources", "datasources.yml")), &ds); err != nil {
		t.Fatalf("grafana datasources: %v", err)
	}
	promUID := ""
	for _, d := range ds.Datasources {
		host := ""
		if u, err := url.Parse(d.URL); err == nil {
			host = u.Hostname()
		}
		if _, err := obsP.GetService(host); err != nil {
			t.Errorf("grafana datasource %s: %s is not a service of the observability profile", d.Name, d.URL)
		}
		if d.Type == "prometheus" {
			promUID = d.UID
		}
	}
	if promUID == "" {
		t.Fatal("grafana: no Prometheus datasource")
	}
	var dp struct {
		Providers []struct {
			Options struct{ Path string } `json:"options"`
		} `json:"providers"`
	}
	if err := yaml.Unmarshal(mustRead(t, filepath.Join(prov, "dashboards", "newsflow.yml")), &dp); err != nil || len(dp.Providers) != 1 {
		t.Fatalf("grafana dashboard provider: %+v, %v", dp, err)
	}
	dashDir := mounts[dp.Providers[0].Options.Path]
	if dashDir == "" {
		t.Fatalf("grafana: the dashboards path %s is not mounted", dp.Providers[0].Options.Path)
	}
	checkDashboard(t, filepath.Join(dashDir, "newsflow.json"), promUID)
}

// checkDashboard: every panel queries the provisioned datasource, and every
// newsflow_* metric it names is one a service registers.
func checkDashboard(t *testing.T, path, uid string) {
	var dash struct {
		UID    string `json:"uid"`
		Panels []struct {
			Title      string `json:"title"`
			Type       string `json:"type"`
			Datasource struct {
				UID string `json:"uid"`
			} `json:"datasource"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(mustRead(t, path), &dash); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	declared := declaredMetrics(t)
	re := regexp.MustCompile(`newsflow_[a-z0-9_]+`)
	var exprs []string
	for _, p := range dash.Panels {
		if p.Type == "row" {
			continue
		}
		if p.Datasource.UID != uid {
			t.Errorf("dashboard panel %q: datasource %q, want the provisioned %q", p.Title, p.Datasource.UID, uid)
		}
		if len(p.Targets) == 0 {
			t.Errorf("dashboard panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			exprs = append(exprs, q.Expr)
			for _, m := range re.FindAllString(q.Expr, -1) {
				if !declared[metricBase(m)] {
					t.Errorf("dashboard panel %q queries %s, which no service registers", p.Title, m)
				}
			}
		}
	}
	all := strings.Join(exprs, "\n")
	for _, want := range []string{
		`newsflow_messages_total{result="acked"}`, // articles/s per stage
		"newsflow_consumer_pending",               // lag per consumer
		"newsflow_fetcher_page_fetches_total",     // fetch errors by kind
		"newsflow_fetcher_feed_polls_total",
		"histogram_quantile(0.99, sum by (le) (rate(newsflow_store_redis_write_seconds_bucket", // Redis write latency
	} {
		if !strings.Contains(all, want) {
			t.Errorf("dashboard: no panel queries %s", want)
		}
	}
}

// The README's operations section explains every metric the services
// register.
func TestReadmeListsMetrics(t *testing.T) {
	readme := string(mustRead(t, filepath.Join(root(t), "README.md")))
	_, ops, ok := strings.Cut(readme, "\n## Operations")
	if !ok {
		t.Fatal("README.md has no \"## Operations\" section")
	}
	for m := range declaredMetrics(t) {
		if !strings.Contains(ops, "`"+m+"`") {
			t.Errorf("README.md, Operations: metric %s is not explained", m)
		}
	}
}

// The Dockerfile copies the module files of every workspace module before
// `go mod download`, and every SERVICE it builds exists.
func TestDockerfile(t *testing.T) {
	dir := root(t)
	df := string(mustRead(t, filepath.Join(dir, "deploy", "Dockerfile")))
	work := string(mustRead(t, filepath.Join(dir, "go.work")))
	uses := regexp.MustCompile(`(?m)^\s*(\./\S+)\s*$`).FindAllStringSubmatch(work, -1)
	if len(uses) == 0 {
		t.Fatal("go.work: no use directives found")
	}
	for _, u := range uses {
		mod := strings.TrimPrefix(u[1], "./")
		if mod == "deploy" {
			if !strings.Contains(df, "go work edit -dropuse=./deploy") {
				t.Errorf("Dockerfile: the deploy module (tests only) must be dropped from the workspace")
			}
			continue
		}
		if !strings.Contains(df, "COPY "+mod+"/go.mod "+mod+"/go.sum "+mod+"/") {
			t.Errorf("Dockerfile: module %s's go.mod and go.sum are not copied before go mod download", mod)
		}
	}
	for _, svc := range stages {
		if _, err := os.Stat(filepath.Join(dir, "services", svc, "cmd", svc, "main.go")); err != nil {
			t.Errorf("Dockerfile builds services/%s/cmd/%s: %v", svc, svc, err)
		}
	}
	for _, want := range []string{
		"CGO_ENABLED=0", `go build -trimpath -ldflags="-s -w"`, "gcr.io/distroless/static-debian12:nonroot",
		"USER nonroot:nonroot", `HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["/app", "healthcheck"]`,
		"--mount=type=cache,target=/go/pkg/mod",
	} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile: no %s", want)
		}
	}
	ignore := string(mustRead(t, filepath.Join(dir, ".dockerignore")))
	for _, must := range []string{".git", "deploy/"} {
		if !slices.Contains(strings.Fields(ignore), must) {
			t.Errorf(".dockerignore does not exclude %s", must)
		}
	}
}
