package main

import (
	"bytes"
	"context"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// composeFile is the part of docker-compose.yml this test checks.
type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Build       any               `yaml:"build"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Ports       []string          `yaml:"ports"`
		Healthcheck map[string]any    `yaml:"healthcheck"`
		Volumes     []string          `yaml:"volumes"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

// envRead lists the environment variables the CLI reads: compose may set only these.
var envRead = []string{
	"SERVICEPULSE_BROKERS", "SERVICEPULSE_CLICKHOUSE", "SERVICEPULSE_LOG_LEVEL", "SERVICEPULSE_LOG_FORMAT",
	"SERVICEPULSE_PII_KEY", "SERVICEPULSE_PII_KEY_FILE", "SERVICEPULSE_LISTEN",
}

// TestComposeMatchesCLI keeps docker-compose.yml honest: it cannot run here
// (no Docker engine), so this test checks that its services, ports, commands,
// flags and environment agree with what the CLI accepts.
func TestComposeMatchesCLI(t *testing.T) {
	raw, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatalf("parse docker-compose.yml: %v", err)
	}
	for _, name := range []string{"kafka", "clickhouse", "grafana", "migrate", "ingest"} {
		svc, ok := c.Services[name]
		if !ok {
			t.Fatalf("service %q missing", name)
		}
		if svc.Healthcheck == nil && name != "migrate" {
			t.Errorf("service %q has no healthcheck", name)
		}
	}
	if !strings.HasPrefix(c.Services["kafka"].Image, "apache/kafka:") {
		t.Errorf("kafka image %q: want the official apache/kafka image", c.Services["kafka"].Image)
	}
	// The apache/kafka image writes its log to its own default directory
	// unless KAFKA_LOG_DIRS says otherwise: the topics must live in the
	// mounted volume, or a recreated container loses them.
	kafka := c.Services["kafka"]
	logDir, mounted := kafka.Environment["KAFKA_LOG_DIRS"], false
	for _, v := range kafka.Volumes {
		if _, target, ok := strings.Cut(v, ":"); ok && strings.TrimSuffix(target, ":rw") == logDir {
			mounted = true
		}
	}
	if logDir == "" || !mounted {
		t.Errorf("kafka: KAFKA_LOG_DIRS %q is not the target of one of its volumes %v: its topics would not survive the container", logDir, kafka.Volumes)
	}
	if !slices.Contains(c.Services["kafka"].Ports, "9092:9092") {
		t.Error("kafka does not publish 9092")
	}
	if !slices.Contains(c.Services["clickhouse"].Ports, "9000:9000") {
		t.Error("clickhouse does not publish the native port 9000")
	}
	if !strings.Contains(c.Services["grafana"].Environment["GF_INSTALL_PLUGINS"], "grafana-clickhouse-datasource") {
		t.Error("grafana does not install the ClickHouse datasource plugin")
	}

	for name, svc := range c.Services {
		if svc.Build == nil {
			continue // not a servicepulse container
		}
		for k, v := range svc.Environment {
			if !slices.Contains(envRead, k) {
				t.Errorf("service %s sets %s, which servicepulse does not read", name, k)
			}
			switch k {
			case "SERVICEPULSE_CLICKHOUSE":
				u, err := url.Parse(v)
				if err != nil || u.Scheme != "clickhouse" || u.Host != "clickhouse:9000" {
					t.Errorf("service %s: SERVICEPULSE_CLICKHOUSE %q should point at clickhouse:9000", name, v)
				}
			case "SERVICEPULSE_BROKERS":
				if v != "kafka:9092" {
					t.Errorf("service %s: SERVICEPULSE_BROKERS %q should be kafka:9092", name, v)
				}
			}
		}
		if len(svc.Command) == 0 {
			t.Errorf("service %s has no command", name)
			continue
		}
		if _, ok := app.Commands[svc.Command[0]]; !ok {
			t.Errorf("service %s runs unknown command %q", name, svc.Command[0])
			continue
		}
		// Every flag must parse: -h after them stops before running anything.
		args := append(slices.Clone(svc.Command), "-h")
		devnull, _ := os.Open(os.DevNull)
		stdout := os.Stdout
		os.Stdout = devnull
		err := app.Run(context.Background(), args)
		os.Stdout = stdout
		devnull.Close()
		if err != nil {
			t.Errorf("service %s: servicepulse %s: %v", name, strings.Join(svc.Command, " "), err)
		}
		if i := slices.Index(svc.Command, "--listen"); i >= 0 {
			port := svc.Command[i+1][strings.LastIndex(svc.Command[i+1], ":")+1:]
			if !slices.Contains(svc.Ports, port+":"+port) {
				t.Errorf("service %s listens on %s but does not publish it", name, port)
			}
		}
	}
}

// TestComposeGrafanaProvisioning checks that Grafana mounts the exported
// provisioning tree where Grafana reads it, and that the tree in the
// repository is what `servicepulse dashboards export` writes now.
func TestComposeGrafanaProvisioning(t *testing.T) {
	raw, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatalf("parse docker-compose.yml: %v", err)
	}
	for _, sub := range []string{"datasources", "dashboards", "alerting"} {
		mount := "./dashboards/provisioning/" + sub + ":/etc/grafana/provisioning/" + sub + ":ro"
		if !slices.Contains(c.Services["grafana"].Volumes, mount) {
			t.Errorf("grafana does not mount %s", mount)
		}
	}

	dir := t.TempDir()
	devnull, _ := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	stdout := os.Stdout
	os.Stdout = devnull
	err = app.Run(context.Background(), []string{"dashboards", "export", "--dir", dir, "--log-level", "error"})
	os.Stdout = stdout
	devnull.Close()
	if err != nil {
		t.Fatal(err)
	}
	repo := "../../dashboards/provisioning"
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fresh, _ := os.ReadFile(p)
		kept, err := os.ReadFile(filepath.Join(repo, rel))
		if err != nil || !bytes.Equal(fresh, kept) {
			t.Errorf("dashboards/provisioning/%s is stale: run `servicepulse dashboards export --dir dashboards/provisioning`", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
