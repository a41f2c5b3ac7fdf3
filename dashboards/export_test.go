package dashboards

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// provisioningDir is the export the repository keeps for docker-compose.
const provisioningDir = "provisioning"

// dashboards/provisioning/ is what `servicepulse dashboards export --dir
// dashboards/provisioning` writes today: this test fails when it is stale.
// `go test ./dashboards -run Export -update` rewrites it.
func TestProvisioningExportIsCurrent(t *testing.T) {
	set := testSet(t)
	if *update {
		if _, err := Export(set, provisioningDir); err != nil {
			t.Fatal(err)
		}
	}
	want, err := Files(set)
	if err != nil {
		t.Fatal(err)
	}
	onDisk := map[string][]byte{}
	err = filepath.WalkDir(provisioningDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(provisioningDir, p)
		onDisk[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatalf("%v (run `go test ./dashboards -run Export -update`)", err)
	}
	for rel, b := range want {
		got, ok := onDisk[rel]
		switch {
		case !ok:
			t.Errorf("%s/%s is missing (run `go test ./dashboards -run Export -update`)", provisioningDir, rel)
		case !bytes.Equal(got, b):
			t.Errorf("%s/%s is stale: %s (run `go test ./dashboards -run Export -update`)", provisioningDir, rel, firstDiff(string(b), string(got)))
		}
	}
	for rel := range onDisk {
		if _, ok := want[rel]; !ok {
			t.Errorf("%s/%s is not generated any more: delete it", provisioningDir, rel)
		}
	}
}

// The exported YAML has the shape Grafana's file provisioning reads.
func TestExportShape(t *testing.T) {
	files, err := Files(testSet(t))
	if err != nil {
		t.Fatal(err)
	}
	var ds struct {
		APIVersion  int `yaml:"apiVersion"`
		Datasources []struct {
			Name, Type, UID, Access string
			JSONData                map[string]any `yaml:"jsonData"`
			SecureJSONData          map[string]any `yaml:"secureJsonData"`
		}
	}
	if err := yaml.Unmarshal(files["datasources/servicepulse.yaml"], &ds); err != nil {
		t.Fatal(err)
	}
	if ds.APIVersion != 1 || len(ds.Datasources) != 1 || ds.Datasources[0].UID != DatasourceUID || ds.Datasources[0].Type != PluginID ||
		ds.Datasources[0].JSONData["host"] != "clickhouse" || ds.Datasources[0].SecureJSONData != nil {
		t.Errorf("datasource: %+v", ds)
	}
	var prov struct {
		Providers []struct {
			Folder  string
			Options struct{ Path string }
		}
	}
	if err := yaml.Unmarshal(files["dashboards/servicepulse.yaml"], &prov); err != nil {
		t.Fatal(err)
	}
	if len(prov.Providers) != 1 || prov.Providers[0].Folder != FolderTitle || prov.Providers[0].Options.Path != ProvisioningMount+"/"+dashboardsSubdir {
		t.Errorf("provider: %+v", prov)
	}
	var alerts struct {
		Groups []struct {
			Name, Folder, Interval string
			Rules                  []struct {
				UID, Title, Condition, For string
				Data                       []struct {
					RefID             string                   `yaml:"refId"`
					DatasourceUID     string                   `yaml:"datasourceUid"`
					RelativeTimeRange struct{ From, To int64 } `yaml:"relativeTimeRange"`
					Model             map[string]any
				}
			}
		}
	}
	if err := yaml.Unmarshal(files["alerting/servicepulse.yaml"], &alerts); err != nil {
		t.Fatal(err)
	}
	if len(alerts.Groups) != 1 || alerts.Groups[0].Folder != FolderTitle || alerts.Groups[0].Interval != "1m" || len(alerts.Groups[0].Rules) != 5 {
		t.Fatalf("alert groups: %+v", alerts)
	}
	for _, r := range alerts.Groups[0].Rules {
		a := r.Data[0]
		query := a.DatasourceUID == DatasourceUID && a.Model["rawSql"] != "" && a.Model["rawSql"] != nil ||
			a.DatasourceUID == PrometheusUID && a.Model["expr"] != "" && a.Model["expr"] != nil
		if !strings.HasPrefix(r.UID, UIDPrefix) || r.Condition != "C" || !query || a.RelativeTimeRange.From < 600 {
			t.Errorf("rule %s: %+v", r.UID, r)
		}
	}
	var promDS struct {
		Datasources []struct{ Name, Type, UID, URL string }
	}
	if err := yaml.Unmarshal(files["datasources/servicepulse-prometheus.yaml"], &promDS); err != nil {
		t.Fatal(err)
	}
	if len(promDS.Datasources) != 1 || promDS.Datasources[0].UID != PrometheusUID || promDS.Datasources[0].Type != PrometheusType ||
		promDS.Datasources[0].URL != DefaultPrometheusURL {
		t.Errorf("prometheus datasource: %+v", promDS)
	}

	// A password goes to Grafana's environment, never into the files.
	ds2, err := DatasourceFromDSN("clickhouse://reader:hunter2@ch.internal:9440/sp?secure=true")
	if err != nil {
		t.Fatal(err)
	}
	set := testSet(t)
	set.Datasource = ds2
	files, err = Files(set)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range files {
		if bytes.Contains(b, []byte("hunter2")) {
			t.Errorf("%s contains the password", name)
		}
	}
	if !bytes.Contains(files["datasources/servicepulse.yaml"], []byte("password: $"+PasswordEnv)) {
		t.Errorf("datasource file does not take the password from $%s:\n%s", PasswordEnv, files["datasources/servicepulse.yaml"])
	}
}

// Export replaces an earlier export: our dashboards that are gone are
// removed, other files are left alone.
func TestExportRemovesStaleDashboards(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, filepath.FromSlash(dashboardsSubdir))
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{UIDPrefix + "retired.json", "someone-elses.json"} {
		if err := os.WriteFile(filepath.Join(sub, name), []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	written, err := Export(testSet(t), dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(written, "alerting/servicepulse.yaml") || len(written) != 4+len(testSet(t).Dashboards) {
		t.Errorf("written %v", written)
	}
	if _, err := os.Stat(filepath.Join(sub, UIDPrefix+"retired.json")); !os.IsNotExist(err) {
		t.Error("stale dashboard kept")
	}
	if _, err := os.Stat(filepath.Join(sub, "someone-elses.json")); err != nil {
		t.Error("removed a file that is not ours")
	}
}

func TestDatasourceFromDSN(t *testing.T) {
	tests := []struct {
		dsn  string
		want Datasource
		bad  bool
	}{
		{dsn: DefaultDatasourceDSN, want: Datasource{Host: "clickhouse", Port: 9000, Database: "servicepulse", User: "default"}},
		{dsn: "clickhouse://u:p@h:9440/db?secure=true", want: Datasource{Host: "h", Port: 9440, Database: "db", User: "u", Password: "p", Secure: true}},
		{dsn: "clickhouse://h", want: Datasource{Host: "h", Port: 9000, Database: "servicepulse", User: "default"}},
		{dsn: "http://h:8123", bad: true},
		{dsn: "clickhouse://h:99999", bad: true},
		{dsn: "clickhouse://h?secure=maybe", bad: true},
		{dsn: "clickhouse://u:hunter2@ch1:9000,ch2:9000/db", bad: true}, // a cluster's DSN: Grafana dials one node
		{dsn: "clickhouse://u:hunter2@h:x/db", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.dsn, func(t *testing.T) {
			got, err := DatasourceFromDSN(tt.dsn)
			if tt.bad {
				if err == nil {
					t.Errorf("accepted %q", tt.dsn)
				} else if strings.Contains(err.Error(), "hunter2") {
					t.Errorf("error shows the password: %v", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}
