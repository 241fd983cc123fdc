package deploy

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/newsflow/newsflow/pkg/config"
	"github.com/newsflow/newsflow/pkg/events"
	"github.com/newsflow/newsflow/services/fetcher"
)

// k8sObject is the part of a Kubernetes object the checks read.
type k8sObject struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Data       map[string]string `json:"data"`
	StringData map[string]string `json:"stringData"`
	Spec       struct {
		// Deployment
		Replicas *int `json:"replicas"`
		Selector struct {
			MatchLabels map[string]string `json:"matchLabels"`
		} `json:"selector"`
		Template struct {
			Metadata struct {
				Labels      map[string]string `json:"labels"`
				Annotations map[string]string `json:"annotations"`
			} `json:"metadata"`
			Spec podSpec `json:"spec"`
		} `json:"template"`
		// Service (selector is a plain map there)
		Ports []struct {
			Port       int    `json:"port"`
			TargetPort any    `json:"targetPort"`
			Name       string `json:"name"`
		} `json:"ports"`
		// HorizontalPodAutoscaler
		ScaleTargetRef struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Name       string `json:"name"`
		} `json:"scaleTargetRef"`
		MinReplicas int `json:"minReplicas"`
		MaxReplicas int `json:"maxReplicas"`
		Metrics     []struct {
			Type     string `json:"type"`
			Resource struct {
				Name string `json:"name"`
			} `json:"resource"`
		} `json:"metrics"`
	} `json:"spec"`
	raw  map[string]any
	file string
}

type podSpec struct {
	RestartPolicy   string `json:"restartPolicy"`
	SecurityContext struct {
		RunAsNonRoot *bool `json:"runAsNonRoot"`
		RunAsUser    *int  `json:"runAsUser"`
	} `json:"securityContext"`
	Containers []container `json:"containers"`
	Volumes    []struct {
		Name      string `json:"name"`
		ConfigMap *struct {
			Name string `json:"name"`
		} `json:"configMap"`
		Secret *struct {
			SecretName string `json:"secretName"`
		} `json:"secret"`
	} `json:"volumes"`
}

type container struct {
	Name    string   `json:"name"`
	Image   string   `json:"image"`
	Command []string `json:"command"`
	Args    []string `json:"args"`
	Ports   []struct {
		Name          string `json:"name"`
		ContainerPort int    `json:"containerPort"`
	} `json:"ports"`
	Env []struct {
		Name      string `json:"name"`
		Value     string `json:"value"`
		ValueFrom *struct {
			ConfigMapKeyRef *struct{ Name, Key string } `json:"configMapKeyRef"`
			SecretKeyRef    *struct{ Name, Key string } `json:"secretKeyRef"`
		} `json:"valueFrom"`
	} `json:"env"`
	EnvFrom []struct {
		ConfigMapRef *struct{ Name string } `json:"configMapRef"`
		SecretRef    *struct{ Name string } `json:"secretRef"`
	} `json:"envFrom"`
	ReadinessProbe *probe `json:"readinessProbe"`
	LivenessProbe  *probe `json:"livenessProbe"`
	Resources      struct {
		Requests map[string]string `json:"requests"`
		Limits   map[string]string `json:"limits"`
	} `json:"resources"`
	SecurityContext *struct {
		RunAsNonRoot             *bool `json:"runAsNonRoot"`
		AllowPrivilegeEscalation *bool `json:"allowPrivilegeEscalation"`
	} `json:"securityContext"`
	VolumeMounts []struct {
		Name      string `json:"name"`
		MountPath string `json:"mountPath"`
	} `json:"volumeMounts"`
}

type probe struct {
	HTTPGet *struct {
		Path string `json:"path"`
		Port any    `json:"port"`
	} `json:"httpGet"`
}

// loadK8s decodes every YAML document under deploy/k8s except the
// kustomization.
func loadK8s(t *testing.T) []*k8sObject {
	t.Helper()
	dir := filepath.Join(root(t), "deploy", "k8s")
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("deploy/k8s: no manifests: %v", err)
	}
	sep := regexp.MustCompile(`(?m)^---\s*$`)
	var out []*k8sObject
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		for i, doc := range sep.Split(string(mustRead(t, f)), -1) {
			if strings.TrimSpace(regexp.MustCompile(`(?m)^\s*#.*$`).ReplaceAllString(doc, "")) == "" {
				continue
			}
			o := &k8sObject{file: filepath.Base(f)}
			if err := yaml.UnmarshalStrict([]byte(doc), &o.raw); err != nil {
				t.Fatalf("%s, document %d: %v", o.file, i+1, err)
			}
			if err := decodeTyped([]byte(doc)); err != nil {
				t.Errorf("%s, document %d: %v", o.file, i+1, err)
			}
			if err := yaml.Unmarshal([]byte(doc), o); err != nil {
				t.Fatalf("%s, document %d: %v", o.file, i+1, err)
			}
			if o.APIVersion == "" || o.Kind == "" || o.Metadata.Name == "" {
				t.Errorf("%s, document %d: no apiVersion, kind or name", o.file, i+1)
			}
			out = append(out, o)
		}
	}
	return out
}

// The Kubernetes manifests run each stage against an existing NATS cluster
// and Redis with probes, resources, a non-root user, only variables the
// service reads, and an autoscaled parser.
func TestK8sManifests(t *testing.T) {
	objs := loadK8s(t)
	byKind := map[string]map[string]*k8sObject{}
	for _, o := range objs {
		if byKind[o.Kind] == nil {
			byKind[o.Kind] = map[string]*k8sObject{}
		}
		if _, dup := byKind[o.Kind][o.Metadata.Name]; dup {
			t.Errorf("%s: %s %s defined twice", o.file, o.Kind, o.Metadata.Name)
		}
		byKind[o.Kind][o.Metadata.Name] = o
		if o.Kind != "Namespace" && o.Metadata.Namespace != "newsflow" {
			t.Errorf("%s: %s %s in namespace %q, want newsflow", o.file, o.Kind, o.Metadata.Name, o.Metadata.Namespace)
		}
	}
	if byKind["Namespace"]["newsflow"] == nil {
		t.Error("deploy/k8s: no Namespace newsflow")
	}

	for _, svc := range stages {
		t.Run(svc, func(t *testing.T) {
			d := byKind["Deployment"][svc]
			if d == nil {
				t.Fatalf("no Deployment %s", svc)
			}
			if d.APIVersion != "apps/v1" {
				t.Errorf("apiVersion %s", d.APIVersion)
			}
			for k, v := range d.Spec.Selector.MatchLabels {
				if d.Spec.Template.Metadata.Labels[k] != v {
					t.Errorf("selector %s=%s does not match the pod labels", k, v)
				}
			}
			pod := d.Spec.Template.Spec
			if len(pod.Containers) != 1 {
				t.Fatalf("%d containers, want 1", len(pod.Containers))
			}
			c := pod.Containers[0]
			nonRoot := pod.SecurityContext.RunAsNonRoot != nil && *pod.SecurityContext.RunAsNonRoot
			if c.SecurityContext != nil && c.SecurityContext.RunAsNonRoot != nil {
				nonRoot = *c.SecurityContext.RunAsNonRoot
			}
			if !nonRoot {
				t.Error("runAsNonRoot is not set")
			}
			if pod.SecurityContext.RunAsUser != nil && *pod.SecurityContext.RunAsUser == 0 {
				t.Error("runAsUser 0")
			}
			if c.SecurityContext == nil || c.SecurityContext.AllowPrivilegeEscalation == nil || *c.SecurityContext.AllowPrivilegeEscalation {
				t.Error("allowPrivilegeEscalation must be false")
			}
			if !strings.HasPrefix(c.Image, "newsflow/"+svc+":") {
				t.Errorf("image %s, want newsflow/%s:<tag> (set by kustomization images)", c.Image, svc)
			}
			for _, r := range []string{"cpu", "memory"} {
				if c.Resources.Requests[r] == "" {
					t.Errorf("no %s request", r)
				}
			}
			if c.Resources.Limits["memory"] == "" {
				t.Error("no memory limit")
			}

			vars := containerEnv(t, byKind, c)
			checkEnvNames(t, "deploy/k8s", svc, vars)
			if vars["NATS_URL"] == "" {
				t.Error("NATS_URL is not set: want an existing NATS cluster")
			}
			if svc == "store" && vars["REDIS_URL"] == "" {
				t.Error("REDIS_URL is not set")
			}

			// Files: each mounted from a ConfigMap or Secret that exists.
			local := map[string]string{}
			for k, v := range vars {
				local[k] = v
			}
			tmp := t.TempDir()
			for _, m := range c.VolumeMounts {
				var files map[string]string
				for _, v := range pod.Volumes {
					if v.Name != m.Name {
						continue
					}
					switch {
					case v.ConfigMap != nil:
						o := byKind["ConfigMap"][v.ConfigMap.Name]
						if o == nil {
							t.Errorf("volume %s: ConfigMap %s does not exist", v.Name, v.ConfigMap.Name)
							continue
						}
						files = o.Data
					case v.Secret != nil:
						o := byKind["Secret"][v.Secret.SecretName]
						if o == nil {
							t.Errorf("volume %s: Secret %s does not exist", v.Name, v.Secret.SecretName)
							continue
						}
						files = o.StringData
					}
				}
				if files == nil {
					t.Errorf("volume mount %s: no such volume", m.Name)
				}
				for k, v := range vars {
					if rel, ok := strings.CutPrefix(v, strings.TrimSuffix(m.MountPath, "/")+"/"); ok {
						content, ok := files[rel]
						if !ok {
							t.Errorf("%s=%s: %s has no key %s", k, v, m.Name, rel)
							continue
						}
						p := filepath.Join(tmp, k)
						if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
							t.Fatal(err)
						}
						local[k] = p
					}
				}
			}
			if err := readEnv(svc, local).Err(); err != nil {
				t.Errorf("the service would reject its environment: %v", err)
			}

			// Probes and scraping on the admin port (ADMIN_ADDR).
			port := addrPort(vars["ADMIN_ADDR"])
			if port == "" {
				port = defaultAdminPort[svc]
			}
			probePort := func(p any) string {
				switch v := p.(type) {
				case float64:
					return strconv.Itoa(int(v))
				case string:
					for _, cp := range c.Ports {
						if cp.Name == v {
							return strconv.Itoa(cp.ContainerPort)
						}
					}
				}
				return ""
			}
			for _, pr := range []struct {
				name, path string
				p          *probe
			}{{"readinessProbe", "/readyz", c.ReadinessProbe}, {"livenessProbe", "/healthz", c.LivenessProbe}} {
				if pr.p == nil || pr.p.HTTPGet == nil {
					t.Errorf("no %s httpGet", pr.name)
					continue
				}
				if pr.p.HTTPGet.Path != pr.path || probePort(pr.p.HTTPGet.Port) != port {
					t.Errorf("%s: GET %s on port %v (%s), want %s on %s", pr.name, pr.p.HTTPGet.Path, pr.p.HTTPGet.Port, probePort(pr.p.HTTPGet.Port), pr.path, port)
				}
			}
			if probePort("admin") != port {
				t.Errorf("container port admin is %q, want ADMIN_ADDR's %s", probePort("admin"), port)
			}
			if a := d.Spec.Template.Metadata.Annotations; a["prometheus.io/scrape"] == "true" && (a["prometheus.io/port"] != port || a["prometheus.io/path"] != "/metrics") {
				t.Errorf("Prometheus annotations scrape port %s path %s, want the admin port %s, /metrics", a["prometheus.io/port"], a["prometheus.io/path"], port)
			}
			if svc == "store" {
				if http := probePort("http"); http == "" || http == port || http != addrPort(vars["HTTP_ADDR"]) {
					t.Errorf("container port http %q: want HTTP_ADDR's port (%q), apart from the admin port %s", http, vars["HTTP_ADDR"], port)
				}
			}
			if svc == "fetcher" {
				feeds, err := fetcher.ParseFeedList(mustRead(t, local["FETCHER_FEEDS_FILE"]))
				want, _ := fetcher.ParseFeedList(mustRead(t, filepath.Join(root(t), "deploy", "feeds.txt")))
				if err != nil || !slices.Equal(feeds, want) {
					t.Errorf("the feeds ConfigMap lists %v, deploy/feeds.txt %v (%v)", feeds, want, err)
				}
			}
		})
	}

	// The HPA scales the parser Deployment, which leaves replicas to it.
	h := byKind["HorizontalPodAutoscaler"]["parser"]
	if h == nil || h.APIVersion != "autoscaling/v2" {
		t.Fatal("no autoscaling/v2 HorizontalPodAutoscaler parser")
	}
	ref := h.Spec.ScaleTargetRef
	if ref.Kind != "Deployment" || ref.Name != "parser" || ref.APIVersion != "apps/v1" || byKind["Deployment"][ref.Name] == nil {
		t.Errorf("HPA targets %+v, want the parser Deployment", ref)
	}
	if h.Spec.MinReplicas < 1 || h.Spec.MaxReplicas <= h.Spec.MinReplicas || len(h.Spec.Metrics) == 0 {
		t.Errorf("HPA: min %d, max %d, %d metrics", h.Spec.MinReplicas, h.Spec.MaxReplicas, len(h.Spec.Metrics))
	}
	if r := byKind["Deployment"]["parser"].Spec.Replicas; r != nil {
		t.Errorf("the parser Deployment sets replicas %d: every apply would undo the autoscaler", *r)
	}

	// The store API Service selects the store pods on their HTTP port.
	s := byKind["Service"]["store"]
	if s == nil {
		t.Fatal("no Service store")
	}
	sel, _ := s.raw["spec"].(map[string]any)["selector"].(map[string]any)
	labels := byKind["Deployment"]["store"].Spec.Template.Metadata.Labels
	if len(sel) == 0 {
		t.Error("Service store has no selector")
	}
	for k, v := range sel {
		if labels[k] != v {
			t.Errorf("Service store selects %s=%v, not a store pod label", k, v)
		}
	}
	// Only the API: the admin port is for probes and scrapers, not clients.
	if len(s.Spec.Ports) != 1 || (s.Spec.Ports[0].TargetPort != "http" && s.Spec.Ports[0].TargetPort != float64(8080)) {
		t.Errorf("Service store ports %+v, want the store's http port alone", s.Spec.Ports)
	}

	// kustomization.yaml lists every manifest, and nothing else.
	var k struct {
		Namespace string   `json:"namespace"`
		Resources []string `json:"resources"`
		Images    []struct {
			Name string `json:"name"`
		} `json:"images"`
	}
	if err := yaml.Unmarshal(mustRead(t, filepath.Join(root(t), "deploy", "k8s", "kustomization.yaml")), &k); err != nil {
		t.Fatalf("kustomization.yaml: %v", err)
	}
	var files []string
	for _, o := range objs {
		if !slices.Contains(files, o.file) {
			files = append(files, o.file)
		}
	}
	sort.Strings(files)
	res := slices.Clone(k.Resources)
	sort.Strings(res)
	if k.Namespace != "newsflow" || !slices.Equal(res, files) {
		t.Errorf("kustomization.yaml: namespace %q, resources %v, want newsflow and %v", k.Namespace, res, files)
	}
	for _, svc := range append(slices.Clone(stages), "newsflow") {
		if !slices.ContainsFunc(k.Images, func(i struct {
			Name string `json:"name"`
		}) bool {
			return i.Name == "newsflow/"+svc
		}) {
			t.Errorf("kustomization.yaml: no image entry for newsflow/%s", svc)
		}
	}
}

// containerEnv is c's environment: literal values plus every referenced
// ConfigMap and Secret.
func containerEnv(t *testing.T, byKind map[string]map[string]*k8sObject, c container) map[string]string {
	t.Helper()
	vars := map[string]string{}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			vars[e.Name] = e.Value
		case e.ValueFrom.ConfigMapKeyRef != nil:
			vars[e.Name] = refValue(t, byKind, "ConfigMap", e.ValueFrom.ConfigMapKeyRef.Name, e.ValueFrom.ConfigMapKeyRef.Key)
		case e.ValueFrom.SecretKeyRef != nil:
			vars[e.Name] = refValue(t, byKind, "Secret", e.ValueFrom.SecretKeyRef.Name, e.ValueFrom.SecretKeyRef.Key)
		}
	}
	for _, ef := range c.EnvFrom {
		var o *k8sObject
		switch {
		case ef.ConfigMapRef != nil:
			if o = byKind["ConfigMap"][ef.ConfigMapRef.Name]; o == nil {
				t.Errorf("envFrom ConfigMap %s does not exist", ef.ConfigMapRef.Name)
			}
		case ef.SecretRef != nil:
			if o = byKind["Secret"][ef.SecretRef.Name]; o == nil {
				t.Errorf("envFrom Secret %s does not exist", ef.SecretRef.Name)
			}
		}
		if o != nil {
			for k, v := range o.Data {
				vars[k] = v
			}
			for k, v := range o.StringData {
				vars[k] = v
			}
		}
	}
	return vars
}

// The provision Job runs `newsflow provision` from the CLI image against the
// stages' NATS, non-root, with only variables provision reads and R3
// streams; the stages do not read the stream settings.
func TestK8sProvisionJob(t *testing.T) {
	byKind := map[string]map[string]*k8sObject{}
	for _, o := range loadK8s(t) {
		if byKind[o.Kind] == nil {
			byKind[o.Kind] = map[string]*k8sObject{}
		}
		byKind[o.Kind][o.Metadata.Name] = o
	}
	j := byKind["Job"]["provision"]
	if j == nil || j.APIVersion != "batch/v1" {
		t.Fatal("deploy/k8s: no batch/v1 Job provision")
	}
	pod := j.Spec.Template.Spec
	if pod.RestartPolicy != "OnFailure" && pod.RestartPolicy != "Never" {
		t.Errorf("Job provision: restartPolicy %q, want OnFailure or Never", pod.RestartPolicy)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("Job provision: %d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	if !strings.HasPrefix(c.Image, "newsflow/newsflow:") || !slices.Equal(append(c.Command, c.Args...), []string{"provision"}) {
		t.Errorf("Job provision runs %s %q %q, want newsflow/newsflow:<tag> with args [provision]", c.Image, c.Command, c.Args)
	}
	if pod.SecurityContext.RunAsNonRoot == nil || !*pod.SecurityContext.RunAsNonRoot ||
		c.SecurityContext == nil || c.SecurityContext.AllowPrivilegeEscalation == nil || *c.SecurityContext.AllowPrivilegeEscalation {
		t.Error("Job provision: must run non-root without privilege escalation")
	}
	if c.Resources.Requests["memory"] == "" || c.Resources.Limits["memory"] == "" {
		t.Error("Job provision: no memory request or limit")
	}
	vars := containerEnv(t, byKind, c)
	checkEnvNames(t, "deploy/k8s", "provision", vars)
	if err := readEnv("provision", vars).Err(); err != nil {
		t.Errorf("Job provision would reject its environment: %v", err)
	}
	stage := containerEnv(t, byKind, byKind["Deployment"]["parser"].Spec.Template.Spec.Containers[0])
	if vars["NATS_URL"] == "" || vars["NATS_URL"] != stage["NATS_URL"] || vars["NATS_REPLICAS"] != "3" {
		t.Errorf("Job provision: NATS_URL=%q NATS_REPLICAS=%q, want the stages' NATS (%q) with R3 streams",
			vars["NATS_URL"], vars["NATS_REPLICAS"], stage["NATS_URL"])
	}
	topo := events.TopologyFromEnv(config.FromMap(vars))
	if err := topo.Validate(); err != nil {
		t.Errorf("Job provision: %v", err)
	}
}

// decodeTyped decodes doc strictly into the Kubernetes API type of its kind,
// so a misspelt or misplaced field (say "readinesProbe") fails as kubectl's
// server-side validation would, and quantities and ports must parse.
func decodeTyped(doc []byte) error {
	var meta metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &meta); err != nil {
		return fmt.Errorf("type: %w", err)
	}
	var obj any
	switch meta.APIVersion + " " + meta.Kind {
	case "v1 Namespace":
		obj = &corev1.Namespace{}
	case "v1 ConfigMap":
		obj = &corev1.ConfigMap{}
	case "v1 Secret":
		obj = &corev1.Secret{}
	case "v1 Service":
		obj = &corev1.Service{}
	case "apps/v1 Deployment":
		obj = &appsv1.Deployment{}
	case "batch/v1 Job":
		obj = &batchv1.Job{}
	case "autoscaling/v2 HorizontalPodAutoscaler":
		obj = &autoscalingv2.HorizontalPodAutoscaler{}
	case "policy/v1 PodDisruptionBudget":
		obj = &policyv1.PodDisruptionBudget{}
	default:
		return fmt.Errorf("%s %s: not a kind this test knows; add it to decodeTyped", meta.APIVersion, meta.Kind)
	}
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		return fmt.Errorf("%s: %w", meta.Kind, err)
	}
	return nil
}

func refValue(t *testing.T, byKind map[string]map[string]*k8sObject, kind, name, key string) string {
	t.Helper()
	o := byKind[kind][name]
	if o == nil {
		t.Errorf("%s %s referenced but not defined", kind, name)
		return ""
	}
	if v, ok := o.Data[key]; ok {
		return v
	}
	if v, ok := o.StringData[key]; ok {
		return v
	}
	t.Errorf("%s %s has no key %s", kind, name, key)
	return ""
}
