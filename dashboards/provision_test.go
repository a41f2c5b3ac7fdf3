package dashboards

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func provision(t *testing.T, cfg GrafanaConfig, set Set, dry bool) Report {
	t.Helper()
	rep, err := Provision(context.Background(), cfg, set, dry, nil)
	if err != nil {
		t.Fatalf("provision: %v", err)
	}
	return rep
}

func actions(rep Report) map[Action]int {
	n := map[Action]int{}
	for _, c := range rep.Changes {
		n[c.Action]++
	}
	return n
}

// objects is how many objects a set has: the ClickHouse and Prometheus
// datasources, folder, dashboards, rules, rule group.
func objects(set Set) int { return 3 + len(set.Dashboards) + len(set.Alerts.Rules) + 1 }

// A first run creates everything, in order (datasource, folder, dashboards,
// alert rules), with overwrite off; what Grafana then holds equals the set;
// a second run writes nothing and says so. With a token and with basic auth.
func TestProvisionCreatesThenChangesNothing(t *testing.T) {
	set := testSet(t)
	for _, auth := range []string{"token", "basic"} {
		t.Run(auth, func(t *testing.T) {
			f := newFakeGrafana(t)
			cfg := f.tokenConfig()
			if auth == "basic" {
				cfg = GrafanaConfig{URL: f.srv.URL, User: f.user, Password: f.pass}
			}
			rep := provision(t, cfg, set, false)
			if n := actions(rep); n[Created] != objects(set) || len(rep.Changes) != objects(set) {
				t.Fatalf("first run: %v, want %d created", n, objects(set))
			}
			if rep.Version != "12.2.0" {
				t.Errorf("grafana version %q", rep.Version)
			}
			var kinds []string
			for _, w := range f.writes {
				kinds = append(kinds, strings.Fields(w)[1])
			}
			wantOrder := []string{"/api/datasources", "/api/datasources", "/api/folders"}
			for range set.Dashboards {
				wantOrder = append(wantOrder, "/api/dashboards/db")
			}
			for range set.Alerts.Rules {
				wantOrder = append(wantOrder, "/api/v1/provisioning/alert-rules")
			}
			if !slices.Equal(kinds, wantOrder) {
				t.Errorf("writes in order %v, want %v", kinds, wantOrder)
			}
			for _, w := range f.writes {
				if strings.Contains(w, "overwrite=true") {
					t.Errorf("a creation overwrote: %s", w)
				}
			}
			for _, d := range set.Dashboards {
				want, _ := d.Map()
				got := f.dashboards[d.UID]
				if got == nil || got.folderUID != FolderUID {
					t.Fatalf("dashboard %s not in folder %s", d.UID, FolderUID)
				}
				model := maps(got.model)
				delete(model, "id")
				delete(model, "version")
				if !reflect.DeepEqual(model, want) {
					t.Errorf("dashboard %s in Grafana differs from the set: %v", d.UID, diffJSON(want, model))
				}
			}
			if f.groups[FolderUID+"/"+AlertGroupName] != 60 {
				t.Errorf("group interval %d, want 60", f.groups[FolderUID+"/"+AlertGroupName])
			}

			writes := f.writeCount()
			rep = provision(t, cfg, set, false)
			if n := actions(rep); n[Unchanged] != objects(set) {
				t.Errorf("second run: %v, want all %d unchanged: %+v", n, objects(set), rep.Changes)
			}
			if f.writeCount() != writes {
				t.Errorf("second run wrote: %v", f.writes[writes:])
			}
			if rep.Changed() != 0 || !strings.HasPrefix(rep.Summary, "nothing to change") {
				t.Errorf("second run summary %q", rep.Summary)
			}
		})
	}
}

// Changed definitions overwrite what Grafana holds: a dashboard edited in
// the UI, an alert threshold, the datasource's host, the folder's title; the
// rest stays untouched, and the next run is quiet again.
func TestProvisionOverwritesDrift(t *testing.T) {
	set := testSet(t)
	f := newFakeGrafana(t)
	cfg := f.tokenConfig()
	provision(t, cfg, set, false)

	f.mu.Lock()
	d := f.dashboards[SLABreachesUID]
	d.model["title"] = "edited in the UI"
	d.version++
	rule := f.rules[UIDPrefix+"reject-rate"]
	data := rule["data"].([]any)
	cond := data[2].(map[string]any)["model"].(map[string]any)["conditions"].([]any)[0].(map[string]any)
	cond["evaluator"].(map[string]any)["params"] = []any{50.0}
	f.ds[DatasourceUID]["jsonData"].(map[string]any)["host"] = "elsewhere"
	f.folders[FolderUID]["title"] = "Renamed"
	f.mu.Unlock()

	// A dry run says what would change and writes nothing.
	writes := f.writeCount()
	rep := provision(t, cfg, set, true)
	if f.writeCount() != writes {
		t.Fatalf("dry run wrote: %v", f.writes[writes:])
	}
	changed := map[string][]string{}
	for _, c := range rep.Changes {
		if c.Action != Unchanged {
			changed[c.UID] = c.Diff
		}
	}
	want := map[string][]string{
		DatasourceUID:             {"jsonData.host"},
		FolderUID:                 {"title"},
		SLABreachesUID:            {"title"},
		UIDPrefix + "reject-rate": {"data[2].model.conditions[0].evaluator.params[0]"},
	}
	if !reflect.DeepEqual(changed, want) {
		t.Errorf("dry run reports %v, want %v", changed, want)
	}
	if !strings.HasPrefix(rep.Summary, "dry run: would create 0, update 4") {
		t.Errorf("dry run summary %q", rep.Summary)
	}

	rep = provision(t, cfg, set, false)
	if n := actions(rep); n[Updated] != 4 || n[Unchanged] != objects(set)-4 {
		t.Errorf("run after drift: %v", n)
	}
	if !slices.Contains(f.writes, "POST /api/dashboards/db uid="+SLABreachesUID+" overwrite=true") {
		t.Errorf("the edited dashboard was not overwritten: %v", f.writes[writes:])
	}
	if got := str(f.dashboards[SLABreachesUID].model, "title"); got != "ServicePulse · SLA and breaches (live)" {
		t.Errorf("dashboard title %q after overwrite", got)
	}
	writes = f.writeCount()
	if n := actions(provision(t, cfg, set, false)); n[Unchanged] != objects(set) || f.writeCount() != writes {
		t.Errorf("third run: %v, writes %v", n, f.writes[writes:])
	}
}

// A dry run against an empty Grafana would create everything and writes
// nothing (it reads the datasource and folder only: the rest is new).
func TestProvisionDryRunEmpty(t *testing.T) {
	set := testSet(t)
	f := newFakeGrafana(t)
	rep := provision(t, f.tokenConfig(), set, true)
	if n := actions(rep); n[Created] != objects(set) {
		t.Errorf("dry run: %v", n)
	}
	if f.writeCount() != 0 || len(f.dashboards) != 0 {
		t.Errorf("dry run wrote %v", f.writes)
	}
	if !rep.DryRun || !strings.Contains(rep.Summary, "nothing was written") {
		t.Errorf("summary %q", rep.Summary)
	}
}

// Rules created one by one join a group with Grafana's default interval;
// when that is not ours the group is set once, then left alone.
func TestProvisionSetsGroupInterval(t *testing.T) {
	set := testSet(t)
	f := newFakeGrafana(t)
	f.defaultInterval = 10
	rep := provision(t, f.tokenConfig(), set, false)
	last := rep.Changes[len(rep.Changes)-1]
	if last.Kind != "alert-group" || last.Action != Created || len(last.Diff) != 1 || f.groups[FolderUID+"/"+AlertGroupName] != 60 {
		t.Fatalf("group: %+v, interval %d", last, f.groups[FolderUID+"/"+AlertGroupName])
	}
	writes := f.writeCount()
	if n := actions(provision(t, f.tokenConfig(), set, false)); n[Unchanged] != objects(set) || f.writeCount() != writes {
		t.Errorf("second run: %v", n)
	}
}

func TestProvisionErrors(t *testing.T) {
	set := testSet(t)
	closed := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return "http://" + addr
	}()
	notGrafana := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(404)
		_, _ = w.Write([]byte("<html>not here</html>"))
	}))
	defer notGrafana.Close()
	f := newFakeGrafana(t)
	noPlugin := newFakeGrafana(t)
	noPlugin.plugin = false

	tests := []struct {
		name     string
		cfg      GrafanaConfig
		sentinel error
		says     string
	}{
		{"wrong port", GrafanaConfig{URL: closed, Token: "x"}, ErrUnreachable, "cannot reach Grafana at " + closed},
		{"not grafana", GrafanaConfig{URL: notGrafana.URL, Token: "x"}, ErrNotGrafana, "does not answer like Grafana"},
		{"bad token", GrafanaConfig{URL: f.srv.URL, Token: "wrong"}, ErrUnauthorized, "refused the token of GRAFANA_TOKEN (401"},
		{"bad password", GrafanaConfig{URL: f.srv.URL, User: "admin", Password: "wrong"}, ErrUnauthorized, `refused the basic auth of GRAFANA_USER "admin" (401`},
		{"no plugin", noPlugin.tokenConfig(), ErrPluginMissing, "has no plugin grafana-clickhouse-datasource (404: Plugin not found, no installed plugin with that id); " +
			"install it (Grafana 11.5+: GF_PLUGINS_PREINSTALL=grafana-clickhouse-datasource"},
		{"no credentials", GrafanaConfig{URL: f.srv.URL}, nil, "set GRAFANA_TOKEN"},
		{"not a URL", GrafanaConfig{URL: "localhost:3000", Token: "x"}, nil, `URL "localhost:3000"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Provision(context.Background(), tt.cfg, set, false, nil)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("error %v is not %v", err, tt.sentinel)
			}
			if !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error %q does not say %q", err, tt.says)
			}
		})
	}
	if f.writeCount() != 0 || noPlugin.writeCount() != 0 {
		t.Errorf("failed runs wrote: %v %v", f.writes, noPlugin.writes)
	}
}

// Conflicts with objects that are not ours fail with a sentence, and
// never overwrite them; a dashboard that appears between our read and our
// write (412 version-mismatch) is read again and updated.
func TestProvisionConflicts(t *testing.T) {
	set := testSet(t)

	t.Run("dashboard title taken in the folder", func(t *testing.T) {
		f := newFakeGrafana(t)
		f.folders[FolderUID] = map[string]any{"id": int64(1), "uid": FolderUID, "title": FolderTitle, "version": int64(1)}
		f.dashboards["someone-elses"] = &fakeDashboard{model: map[string]any{"uid": "someone-elses", "title": set.Dashboards[0].Title, "id": 7.0}, folderUID: FolderUID, version: 3}
		_, err := Provision(context.Background(), f.tokenConfig(), set, false, nil)
		if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "name-exists") || !strings.Contains(err.Error(), set.Dashboards[0].Title) {
			t.Fatalf("error %v", err)
		}
		if f.dashboards["someone-elses"] == nil {
			t.Error("the other dashboard was taken over")
		}
	})

	t.Run("dashboard created meanwhile", func(t *testing.T) {
		f := newFakeGrafana(t)
		uid := set.Dashboards[1].UID
		done := false
		f.beforeWrite = func(method, path string, body map[string]any) {
			if path == "/api/dashboards/db" && !done && str(body["dashboard"].(map[string]any), "uid") == uid {
				done = true // someone saves the same uid just before us
				f.dashboards[uid] = &fakeDashboard{model: map[string]any{"uid": uid, "title": "theirs", "id": 99.0, "version": 1.0}, folderUID: FolderUID, version: 1}
			}
		}
		rep := provision(t, f.tokenConfig(), set, false)
		c := rep.Changes[slices.IndexFunc(rep.Changes, func(c Change) bool { return c.UID == uid })]
		if c.Action != Updated || str(f.dashboards[uid].model, "title") != set.Dashboards[1].Title {
			t.Errorf("after the race: %+v, title %q", c, str(f.dashboards[uid].model, "title"))
		}
	})

	// File provisioning's alert rules create the folder by title with a
	// random uid (folder_model_test.go): the API path then uses that folder,
	// so both ways land in one folder, and a second run changes nothing.
	t.Run("folder of our title made by file provisioning", func(t *testing.T) {
		f := newFakeGrafana(t)
		f.folders["Xq3rT9abc"] = map[string]any{"id": int64(1), "uid": "Xq3rT9abc", "title": FolderTitle, "version": int64(1)}
		provision(t, f.tokenConfig(), set, false)
		if len(f.folders) != 1 {
			t.Errorf("folders %v, want the one titled %q", f.folders, FolderTitle)
		}
		for _, d := range set.Dashboards {
			if got := f.dashboards[d.UID]; got == nil || got.folderUID != "Xq3rT9abc" {
				t.Errorf("dashboard %s not in the existing folder", d.UID)
			}
		}
		for uid, r := range f.rules {
			if str(r, "folderUID") != "Xq3rT9abc" {
				t.Errorf("rule %s in folder %q", uid, str(r, "folderUID"))
			}
		}
		writes := f.writeCount()
		if n := actions(provision(t, f.tokenConfig(), set, false)); n[Unchanged] != objects(set) || f.writeCount() != writes {
			t.Errorf("second run: %v, writes %v", n, f.writes[writes:])
		}
	})

	t.Run("datasource name taken", func(t *testing.T) {
		f := newFakeGrafana(t)
		f.ds["other"] = map[string]any{"id": int64(1), "uid": "other", "name": DatasourceName, "type": "prometheus", "version": int64(1)}
		_, err := Provision(context.Background(), f.tokenConfig(), set, false, nil)
		if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "rename or delete it") {
			t.Fatalf("error %v", err)
		}
	})
}

// The fake is as strict as Grafana where provisioning relies on it.
func TestFakeGrafanaIsStrict(t *testing.T) {
	f := newFakeGrafana(t)
	do := func(method, path, body string, auth bool) (int, string) {
		req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if auth {
			req.Header.Set("Authorization", "Bearer "+f.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, str(m, "status") + " " + str(m, "message")
	}
	dash := func(version int, overwrite bool, folder string) string {
		b, _ := json.Marshal(map[string]any{"dashboard": map[string]any{"uid": "d1", "title": "D", "schemaVersion": 42, "version": version},
			"folderUid": folder, "overwrite": overwrite})
		return string(b)
	}
	steps := []struct {
		name, method, path, body string
		auth                     bool
		status                   int
	}{
		{"no auth", "GET", "/api/folders/x", "", false, 401},
		{"unknown folder", "GET", "/api/folders/nope", "", true, 404},
		{"save into unknown folder", "POST", "/api/dashboards/db", dash(0, false, "nope"), true, 404},
		{"create folder", "POST", "/api/folders", `{"uid":"f1","title":"F"}`, true, 200},
		{"same folder uid", "POST", "/api/folders", `{"uid":"f1","title":"G"}`, true, 409},
		{"stale folder version", "PUT", "/api/folders/f1", `{"title":"F2","version":7}`, true, 409},
		{"create dashboard", "POST", "/api/dashboards/db", dash(0, false, "f1"), true, 200},
		{"stale dashboard version", "POST", "/api/dashboards/db", dash(0, false, "f1"), true, 412},
		{"current dashboard version", "POST", "/api/dashboards/db", dash(1, false, "f1"), true, 200},
		{"overwrite", "POST", "/api/dashboards/db", dash(0, true, "f1"), true, 200},
		{"rule in unknown folder", "POST", "/api/v1/provisioning/alert-rules", `{"uid":"r","title":"R","ruleGroup":"g","folderUID":"nope","condition":"A","for":"1m","noDataState":"OK","execErrState":"OK","data":[]}`, true, 400},
		{"unknown alert rule", "GET", "/api/v1/provisioning/alert-rules/nope", "", true, 404},
		{"create datasource", "POST", "/api/datasources", `{"uid":"ds1","name":"DS","type":"grafana-clickhouse-datasource","access":"proxy"}`, true, 200},
		{"same datasource name", "POST", "/api/datasources", `{"uid":"ds2","name":"DS","type":"grafana-clickhouse-datasource","access":"proxy"}`, true, 409},
		{"stale datasource version", "PUT", "/api/datasources/uid/ds1", `{"name":"DS","type":"grafana-clickhouse-datasource","access":"proxy","version":5}`, true, 409},
		{"datasource without access", "POST", "/api/datasources", `{"uid":"ds3","name":"DS3","type":"x"}`, true, 400},
		{"not JSON", "POST", "/api/folders", `title=F`, true, 400},
	}
	for _, s := range steps {
		if got, msg := do(s.method, s.path, s.body, s.auth); got != s.status {
			t.Errorf("%s: %s %s: status %d (%s), want %d", s.name, s.method, s.path, got, msg, s.status)
		}
	}
}
