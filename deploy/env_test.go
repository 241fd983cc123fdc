package deploy

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/newsflow/newsflow/pkg/config"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/pkg/natsx"
	"github.com/newsflow/newsflow/pkg/obs"
	"github.com/newsflow/newsflow/services/fetcher"
	"github.com/newsflow/newsflow/services/parser"
	"github.com/newsflow/newsflow/services/store"
)

// stages are the newsflow services; each scales with --scale.
var stages = []string{"fetcher", "parser", "store"}

// defaultAdminPort is each stage's ADMIN_ADDR port when unset.
var defaultAdminPort = map[string]string{
	"store": addrPort(store.DefaultAdminAddr), "parser": addrPort(parser.DefaultAdminAddr), "fetcher": addrPort(fetcher.DefaultAdminAddr),
}

// root is the repository root (the parent of deploy/).
func root(t testing.TB) string {
	t.Helper()
	d, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(d, "go.work")); err != nil {
		t.Fatalf("repository root not found at %s: %v", d, err)
	}
	return d
}

// readEnv runs on vars the configuration functions the service's main runs
// (services/<svc>/cmd/<svc>/main.go and pkg/service.Main), so env.Names() is every variable the
// service reads and env.Err() every value it would reject.
// TestReadEnvMirrorsMain keeps the two in step.
func readEnv(svc string, vars map[string]string) *config.Env {
	env := config.FromMap(vars)
	switch svc {
	case "fetcher":
		fetcher.ConfigFromEnv(env)
	case "parser":
		parser.ConfigFromEnv(env)
	case "store":
		store.ConfigFromEnv(env)
	case "provision": // `newsflow provision`, cmd/newsflow/provision.go
		events.TopologyFromEnv(env)
		natsx.FromEnv(env, svc)
		return env
	default:
		panic("unknown service " + svc)
	}
	natsx.FromEnv(env, svc)
	obs.LogConfigFromEnv(env)
	return env
}

// checkEnvNames reports every variable in vars that svc does not read: a
// typo or a variable of another service.
func checkEnvNames(t *testing.T, where, svc string, vars map[string]string) {
	t.Helper()
	reads := readEnv(svc, nil).Names()
	var unknown []string
	for name := range vars {
		// OTEL_* go to the OpenTelemetry SDK (pkg/obs.SetupTracing), not through config.Env.
		if !slices.Contains(reads, name) && !strings.HasPrefix(name, "OTEL_") {
			unknown = append(unknown, name)
		}
	}
	sort.Strings(unknown)
	if len(unknown) > 0 {
		sort.Strings(reads)
		t.Errorf("%s: %s sets %s, which %s does not read (it reads %s)", where, svc,
			strings.Join(unknown, ", "), svc, strings.Join(reads, ", "))
	}
}

// loadCompose loads docker-compose.yml with the compose-spec loader as
// `docker compose --profile … config` would, from an environment without
// any of the file's own variables set, so the defaults are what is checked.
func loadCompose(t testing.TB, profiles ...string) *types.Project {
	t.Helper()
	dir := root(t)
	opts, err := cli.NewProjectOptions([]string{filepath.Join(dir, "docker-compose.yml")},
		cli.WithWorkingDirectory(dir),
		cli.WithEnv([]string{}),
		cli.WithProfiles(profiles),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		t.Fatalf("compose options: %v", err)
	}
	p, err := cli.ProjectFromOptions(context.Background(), opts)
	if err != nil {
		t.Fatalf("load docker-compose.yml: %v", err)
	}
	return p
}

// composeEnv is the environment compose gives svc, with container paths in
// bind mounts replaced by the mounted host files (so file variables can be
// checked for existence). A variable without a value would be taken from the
// host's environment: that is reported, the deployment must be explicit.
func composeEnv(t testing.TB, s types.ServiceConfig) (raw, local map[string]string) {
	t.Helper()
	raw, local = map[string]string{}, map[string]string{}
	for k, v := range s.Environment {
		if v == nil {
			t.Errorf("compose: %s: %s has no value (it would come from the host's environment)", s.Name, k)
			continue
		}
		raw[k] = *v
		local[k] = hostPath(s, *v)
	}
	return raw, local
}

// hostPath maps a path inside the container to the bind-mounted host path.
func hostPath(s types.ServiceConfig, v string) string {
	if !strings.HasPrefix(v, "/") {
		return v
	}
	for _, m := range s.Volumes {
		if m.Type != types.VolumeTypeBind {
			continue
		}
		if v == m.Target {
			return m.Source
		}
		if rel, ok := strings.CutPrefix(v, strings.TrimSuffix(m.Target, "/")+"/"); ok {
			return filepath.Join(m.Source, rel)
		}
	}
	return v
}

// addrPort is the port of a listen address such as ":8081".
func addrPort(addr string) string {
	if i := strings.LastIndexByte(addr, ':'); i >= 0 {
		return addr[i+1:]
	}
	return ""
}

// declaredMetrics are the newsflow_* metric names registered anywhere in
// the workspace's Go sources (not tests).
func declaredMetrics(t testing.TB) map[string]bool {
	t.Helper()
	re := regexp.MustCompile(`Name:\s*"(newsflow_[a-z0-9_]+)"`)
	out := map[string]bool{}
	dir := root(t)
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllSubmatch(b, -1) {
			out[string(m[1])] = true
		}
		return nil
	})
	if err != nil {
		t.Fatalf("scan sources for metrics: %v", err)
	}
	if len(out) == 0 {
		t.Fatal("no newsflow_* metrics found in the sources")
	}
	return out
}

// metricBase strips the series suffixes of histograms and summaries.
func metricBase(name string) string {
	for _, s := range []string{"_bucket", "_sum", "_count"} {
		if b, ok := strings.CutSuffix(name, s); ok {
			return b
		}
	}
	return name
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return b
}

// readEnvCalls are the *FromEnv functions readEnv calls for each service.
var readEnvCalls = map[string][]string{
	"fetcher": {"fetcher.ConfigFromEnv", "natsx.FromEnv", "obs.LogConfigFromEnv"},
	"parser":  {"parser.ConfigFromEnv", "natsx.FromEnv", "obs.LogConfigFromEnv"},
	"store":   {"store.ConfigFromEnv", "natsx.FromEnv", "obs.LogConfigFromEnv"},
	// `newsflow provision`, the one-shot of compose and the Job of deploy/k8s.
	"provision": {"events.TopologyFromEnv", "natsx.FromEnv"},
}

// Each service reads its environment with exactly the functions readEnv
// calls (its main, and pkg/service.Main when it starts through that): a new
// one there must be added to readEnv, or the deployment checks would miss
// its variables.
func TestReadEnvMirrorsMain(t *testing.T) {
	re := regexp.MustCompile(`\b(\w+\.\w*FromEnv)\(env\b`)
	for _, svc := range append(slices.Clone(stages), "provision") {
		files := []string{filepath.Join("services", svc, "cmd", svc, "main.go")}
		if svc == "provision" {
			files = []string{filepath.Join("cmd", "newsflow", "provision.go")}
		}
		src := mustRead(t, filepath.Join(root(t), files[0]))
		if bytes.Contains(src, []byte("service.Main(")) {
			files = append(files, filepath.Join("pkg", "service", "main.go"))
		}
		var got []string
		fromOS := false
		for _, f := range files {
			b := mustRead(t, filepath.Join(root(t), f))
			fromOS = fromOS || bytes.Contains(b, []byte("config.FromOS()"))
			for _, m := range re.FindAllSubmatch(b, -1) {
				if !slices.Contains(got, string(m[1])) {
					got = append(got, string(m[1]))
				}
			}
		}
		if !fromOS {
			t.Errorf("%s: %v no longer read config.FromOS(): update readEnv", svc, files)
		}
		want := slices.Clone(readEnvCalls[svc])
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s reads its environment with %v (in %v), readEnv with %v: update readEnv", svc, got, files, want)
		}
	}
}

// configRow is one row of the README's configuration table.
type configRow struct {
	names    []string // the code spans of the first cell
	defaults string   // the second cell
	usedBy   []string // fetcher, parser, store, or all
}

// readmeConfig reads the table under "## Configuration" in README.md.
func readmeConfig(t *testing.T) []configRow {
	t.Helper()
	readme := string(mustRead(t, filepath.Join(root(t), "README.md")))
	_, section, ok := strings.Cut(readme, "\n## Configuration\n")
	if !ok {
		t.Fatal(`README.md has no "## Configuration" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	code := regexp.MustCompile("`([^`]+)`")
	var rows []configRow
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if !strings.HasPrefix(line, "| `") || len(cells) < 4 {
			continue
		}
		r := configRow{defaults: cells[1]}
		for _, m := range code.FindAllStringSubmatch(cells[0], -1) {
			r.names = append(r.names, m[1])
		}
		for _, s := range strings.Split(cells[2], ",") {
			r.usedBy = append(r.usedBy, strings.TrimSpace(s))
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		t.Fatal("README.md, Configuration: no table rows")
	}
	return rows
}

// The README's configuration table and the registry the services' --help
// prints from agree: every variable a service reads has a row naming that
// service and its default, and every row names variables that its
// services read.
func TestEnvREADMETable(t *testing.T) {
	rows := readmeConfig(t)
	documented := map[string]configRow{}
	for _, r := range rows {
		for _, n := range r.names {
			documented[n] = r
		}
	}
	for _, svc := range stages {
		env := readEnv(svc, nil)
		for _, v := range env.Vars() {
			r, ok := documented[v.Name]
			switch {
			case !ok:
				t.Errorf("README.md, Configuration: %s (read by %s: %s) has no row", v.Name, svc, v.Help)
				continue
			case !slices.Contains(r.usedBy, svc) && !slices.Contains(r.usedBy, "all"):
				t.Errorf("README.md, Configuration: %s is read by %s, but its row says %v", v.Name, svc, r.usedBy)
			case v.Help == "":
				t.Errorf("%s reads %s without saying what it means", svc, v.Name)
			}
			want := "—"
			if v.Default != "" {
				want = "`" + v.Default + "`"
			}
			if !strings.Contains(r.defaults, want) {
				t.Errorf("README.md, Configuration: %s's default for %s is %s, the row says %q", v.Name, svc, want, r.defaults)
			}
		}
	}
	for _, r := range rows {
		services := r.usedBy
		if slices.Contains(services, "all") {
			services = stages
		}
		for _, svc := range services {
			if !slices.Contains(stages, svc) {
				t.Errorf("README.md, Configuration: %v: no service %q", r.names, svc)
				continue
			}
			reads := readEnv(svc, nil).Names()
			for _, n := range r.names {
				if !slices.Contains(reads, n) {
					t.Errorf("README.md, Configuration: %s is documented for %s, which does not read it", n, svc)
				}
			}
		}
	}
}
