package dashboards

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// grafanaFolders is a small model of how Grafana 11 and 12 put file-
// provisioned alert rules and dashboards into folders, from Grafana's
// source (github.com/grafana/grafana, main as of late 2026):
//
//   - Order: pkg/services/provisioning/provisioning.go,
//     ProvisioningServiceImpl.RunInitProvisioners runs datasources, plugins,
//     then alerting (ProvisionAlerting) while the server initialises;
//     dashboards come later, in ProvisioningServiceImpl.Run
//     (ProvisionDashboards), a background service.
//   - Alerting: pkg/services/provisioning/alerting/rules_provisioner.go,
//     defaultAlertRuleProvisioner.getOrCreateFolderFullpath →
//     getOrCreateFolderByTitle: a group's `folder` is a title (a path of
//     titles); the folder is looked up by title under its parent and, when
//     missing, created with util.GenerateShortUID(): a random uid. The file
//     format has no folder uid.
//   - Dashboards: pkg/services/provisioning/dashboards/file_reader.go,
//     FileReader.getOrCreateFolder: with the provider's folderUid set, the
//     folder is looked up by that uid only; without it, by title
//     ("provisioning depends on unique names"). When not found it is
//     created with the provider's folderUid (or a generated one) and title.
//   - A second folder of a title that exists: Grafana 11 refuses it ("a
//     folder with the same name already exists in the current location",
//     grafana/grafana#87889, and provisioning fails); Grafana 12 creates it,
//     and two "ServicePulse" folders show (grafana/grafana#125079, open:
//     alert rules by title plus a provider with folderUid "hasn't worked
//     since Grafana version 10").
type grafanaFolders struct {
	version int // 11 or 12
	folders []modelFolder
	nextUID int
}

type modelFolder struct{ uid, title string }

var errSameName = errors.New("a folder with the same name already exists in the current location")

func (g *grafanaFolders) byTitle(title string) (string, bool) {
	for _, f := range g.folders {
		if f.title == title {
			return f.uid, true
		}
	}
	return "", false
}

func (g *grafanaFolders) byUID(uid string) bool {
	for _, f := range g.folders {
		if f.uid == uid {
			return true
		}
	}
	return false
}

func (g *grafanaFolders) create(uid, title string) (string, error) {
	if _, taken := g.byTitle(title); taken && g.version < 12 {
		return "", errSameName
	}
	if uid == "" {
		g.nextUID++
		uid = fmt.Sprintf("random%04d", g.nextUID) // util.GenerateShortUID
	}
	g.folders = append(g.folders, modelFolder{uid, title})
	return uid, nil
}

// alertingFolder is getOrCreateFolderByTitle.
func (g *grafanaFolders) alertingFolder(title string) (string, error) {
	if uid, ok := g.byTitle(title); ok {
		return uid, nil
	}
	return g.create("", title)
}

// dashboardFolder is FileReader.getOrCreateFolder.
func (g *grafanaFolders) dashboardFolder(title, folderUID string) (string, error) {
	if folderUID != "" {
		if g.byUID(folderUID) {
			return folderUID, nil
		}
		return g.create(folderUID, title)
	}
	if uid, ok := g.byTitle(title); ok {
		return uid, nil
	}
	return g.create("", title)
}

// start is one Grafana start on the exported tree: alerting, then the
// dashboards. It returns the folder uid of every rule group and dashboard.
func (g *grafanaFolders) start(t *testing.T, files map[string][]byte) (placed map[string]string, err error) {
	t.Helper()
	var alerting struct {
		Groups []struct {
			Name   string         `yaml:"name"`
			Folder string         `yaml:"folder"`
			Extra  map[string]any `yaml:",inline"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(files["alerting/servicepulse.yaml"], &alerting); err != nil {
		t.Fatal(err)
	}
	var provider struct {
		Providers []struct {
			Folder    string `yaml:"folder"`
			FolderUID string `yaml:"folderUid"`
			Options   struct {
				Path string `yaml:"path"`
			} `yaml:"options"`
		} `yaml:"providers"`
	}
	if err := yaml.Unmarshal(files["dashboards/servicepulse.yaml"], &provider); err != nil {
		t.Fatal(err)
	}
	placed = map[string]string{}
	for _, grp := range alerting.Groups {
		for k := range grp.Extra {
			if strings.EqualFold(k, "folderUid") {
				t.Errorf("alert group %s has %s, which Grafana's v1 rules file does not read", grp.Name, k)
			}
		}
		uid, err := g.alertingFolder(grp.Folder)
		if err != nil {
			return placed, fmt.Errorf("alerting: %w", err)
		}
		placed["rule group "+grp.Name] = uid
	}
	for _, p := range provider.Providers {
		dir := strings.TrimPrefix(strings.TrimPrefix(p.Options.Path, ProvisioningMount), "/")
		var uid string
		for rel := range files {
			if path.Dir(rel) != dir || !strings.HasSuffix(rel, ".json") {
				continue
			}
			if uid == "" {
				if uid, err = g.dashboardFolder(p.Folder, p.FolderUID); err != nil {
					return placed, fmt.Errorf("dashboards: %w", err)
				}
			}
			placed["dashboard "+path.Base(rel)] = uid
		}
	}
	return placed, nil
}

// oneFolder reports what is wrong with a placement: every rule group and
// dashboard must be in one folder, the only one titled FolderTitle.
func (g *grafanaFolders) oneFolder(placed map[string]string) error {
	titled := 0
	for _, f := range g.folders {
		if f.title == FolderTitle {
			titled++
		}
	}
	if titled != 1 {
		return fmt.Errorf("%d folders titled %q: %v", titled, FolderTitle, g.folders)
	}
	uid, _ := g.byTitle(FolderTitle)
	for what, in := range placed {
		if in != uid {
			return fmt.Errorf("%s is in folder %s, not in %s", what, in, uid)
		}
	}
	return nil
}

// The exported provisioning, read as Grafana 11 and 12 read it, puts the
// alert rules and all seven dashboards in one folder, on the first start and
// on every later one. The provider as it was (folder and folderUid) fails
// the same check on both versions: the model reproduces #125079.
func TestFileProvisioningLandsInOneFolder(t *testing.T) {
	files, err := Files(testSet(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, version := range []int{11, 12} {
		t.Run(fmt.Sprintf("grafana %d", version), func(t *testing.T) {
			g := &grafanaFolders{version: version}
			for start := 1; start <= 2; start++ {
				placed, err := g.start(t, files)
				if err != nil {
					t.Fatalf("start %d: %v", start, err)
				}
				if len(placed) != 1+len(testSet(t).Dashboards) {
					t.Fatalf("start %d placed %v", start, placed)
				}
				if err := g.oneFolder(placed); err != nil {
					t.Fatalf("start %d: %v", start, err)
				}
			}
		})
		t.Run(fmt.Sprintf("grafana %d, provider with folderUid", version), func(t *testing.T) {
			old := map[string][]byte{}
			for k, v := range files {
				old[k] = v
			}
			old["dashboards/servicepulse.yaml"] = []byte(strings.Replace(string(files["dashboards/servicepulse.yaml"]),
				"    folder: "+FolderTitle+"\n", "    folder: "+FolderTitle+"\n    folderUid: "+FolderUID+"\n", 1))
			g := &grafanaFolders{version: version}
			placed, err := g.start(t, old)
			if err == nil {
				err = g.oneFolder(placed)
			}
			if err == nil {
				t.Fatal("the model finds one folder for a provider with folderUid: it no longer reproduces grafana/grafana#125079")
			}
			t.Logf("as reported upstream: %v", err)
		})
	}
}
