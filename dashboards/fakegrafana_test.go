package dashboards

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeGrafana implements, strictly, the Grafana HTTP endpoints that
// provisioning calls, with Grafana's status codes and error bodies:
//
//	GET  /api/health                                    no auth
//	GET  /api/plugins/{id}/settings                     404 {"message":"Plugin not found, no installed plugin with that id"}
//	     when the plugin is not installed (Grafana's own words); core plugins (prometheus) are always there
//	GET  /api/folders?limit=&page=                      the top-level folders, a page at a time
//	GET  /api/datasources/uid/{uid}, POST /api/datasources, PUT /api/datasources/uid/{uid}
//	     409 for a taken name or uid, or a stale version
//	GET  /api/folders/{uid}, POST /api/folders, PUT /api/folders/{uid}
//	     404 for an unknown folder, 409 for a taken uid or title, or a stale version without overwrite
//	GET  /api/dashboards/uid/{uid}, POST /api/dashboards/db
//	     404 for an unknown folder, 412 version-mismatch (uid exists, stale
//	     version, no overwrite) and name-exists (title taken in the folder, no
//	     overwrite); with overwrite, a title clash takes the other dashboard
//	     over, as Grafana does
//	GET, POST, PUT /api/v1/provisioning/alert-rules[/{uid}]
//	GET, PUT /api/v1/provisioning/folder/{uid}/rule-groups/{group}
//	     400 for an invalid rule (condition, states, folder, datasource), 409 for a taken uid
//
// Every request but /api/health needs the token (Bearer) or the basic auth
// user: 401 otherwise. Writes need Content-Type: application/json and a
// JSON object body.
type fakeGrafana struct {
	t     *testing.T
	srv   *httptest.Server
	token string
	user  string
	pass  string

	mu         sync.Mutex
	plugin     bool
	nextID     int64
	ds         map[string]map[string]any // by uid
	folders    map[string]map[string]any // by uid
	dashboards map[string]*fakeDashboard // by uid
	rules      map[string]map[string]any // by uid
	groups     map[string]int64          // interval by folderUID/group
	// defaultInterval is the interval of a group created by its first rule.
	defaultInterval int64
	// writes logs every write: "POST /api/dashboards/db uid=… overwrite=…".
	writes []string
	// beforeWrite, if set, runs (locked) before a write is handled: tests
	// simulate a concurrent change with it.
	beforeWrite func(method, path string, body map[string]any)
}

type fakeDashboard struct {
	model     map[string]any
	folderUID string
	version   int64
}

func newFakeGrafana(t *testing.T) *fakeGrafana {
	f := &fakeGrafana{t: t, token: "glsa_test_token", user: "admin", pass: "s3cret", plugin: true,
		ds: map[string]map[string]any{}, folders: map[string]map[string]any{}, dashboards: map[string]*fakeDashboard{},
		rules: map[string]map[string]any{}, groups: map[string]int64{}, defaultInterval: 60}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGrafana) tokenConfig() GrafanaConfig {
	return GrafanaConfig{URL: f.srv.URL, Token: f.token}
}

func (f *fakeGrafana) writeCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.writes)
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func message(w http.ResponseWriter, status int, msg string, extra ...string) {
	body := map[string]any{"message": msg}
	if len(extra) == 1 {
		body["status"] = extra[0]
	}
	reply(w, status, body)
}

func (f *fakeGrafana) authorised(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	if b, ok := strings.CutPrefix(h, "Bearer "); ok {
		return b == f.token
	}
	if b, ok := strings.CutPrefix(h, "Basic "); ok {
		raw, err := base64.StdEncoding.DecodeString(b)
		return err == nil && string(raw) == f.user+":"+f.pass
	}
	return false
}

func (f *fakeGrafana) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.URL.Path == "/api/health" {
		reply(w, 200, map[string]string{"commit": "fake", "database": "ok", "version": "12.2.0"})
		return
	}
	if !f.authorised(r) {
		message(w, http.StatusUnauthorized, "Unauthorized")
		return
	}
	var body map[string]any
	if r.Method == http.MethodPost || r.Method == http.MethodPut {
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			message(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json")
			return
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body == nil {
			message(w, http.StatusBadRequest, "bad request data")
			return
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if body != nil && f.beforeWrite != nil {
		f.beforeWrite(r.Method, r.URL.Path, body)
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	route := r.Method + " " + r.URL.Path
	switch {
	case r.Method == "GET" && len(parts) == 4 && parts[1] == "plugins" && parts[3] == "settings":
		switch {
		case parts[2] == PrometheusType:
			reply(w, 200, map[string]any{"id": PrometheusType, "type": "datasource", "name": "Prometheus", "enabled": true, "info": map[string]any{"version": "12.2.0"}})
		case !f.plugin || parts[2] != PluginID:
			message(w, 404, "Plugin not found, no installed plugin with that id")
		default:
			reply(w, 200, map[string]any{"id": PluginID, "type": "datasource", "name": "ClickHouse", "enabled": true, "info": map[string]any{"version": "4.10.0"}})
		}
	case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/api/datasources/uid/"):
		ds, ok := f.ds[parts[3]]
		if !ok {
			message(w, 404, "Data source not found")
			return
		}
		reply(w, 200, ds)
	case route == "POST /api/datasources":
		f.createDatasource(w, body)
	case r.Method == "PUT" && strings.HasPrefix(r.URL.Path, "/api/datasources/uid/"):
		f.updateDatasource(w, parts[3], body)
	case r.Method == "GET" && len(parts) == 2 && parts[1] == "folders": // gapi asks /api/folders/, Grafana's router takes both
		f.listFolders(w, r)
	case r.Method == "GET" && len(parts) == 3 && parts[1] == "folders":
		fo, ok := f.folders[parts[2]]
		if !ok {
			message(w, 404, "folder not found", "not-found")
			return
		}
		reply(w, 200, fo)
	case route == "POST /api/folders":
		f.createFolder(w, body)
	case r.Method == "PUT" && len(parts) == 3 && parts[1] == "folders":
		f.updateFolder(w, parts[2], body)
	case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/api/dashboards/uid/"):
		d, ok := f.dashboards[parts[3]]
		if !ok {
			message(w, 404, "Dashboard not found", "not-found")
			return
		}
		reply(w, 200, map[string]any{"dashboard": d.model, "meta": map[string]any{"folderUid": d.folderUID,
			"folderTitle": f.folders[d.folderUID]["title"], "slug": "x", "url": "/d/" + parts[3] + "/x", "version": d.version, "provisioned": false}})
	case route == "POST /api/dashboards/db":
		f.saveDashboard(w, body)
	case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/api/v1/provisioning/alert-rules/"):
		rule, ok := f.rules[parts[4]]
		if !ok {
			w.WriteHeader(404) // Grafana answers an unknown rule with an empty 404
			return
		}
		reply(w, 200, rule)
	case route == "POST /api/v1/provisioning/alert-rules":
		f.saveRule(w, "", body)
	case r.Method == "PUT" && strings.HasPrefix(r.URL.Path, "/api/v1/provisioning/alert-rules/"):
		f.saveRule(w, parts[4], body)
	case len(parts) == 7 && parts[3] == "folder" && parts[5] == "rule-groups":
		f.ruleGroup(w, r.Method, parts[4], parts[6], body)
	default:
		message(w, 404, "Not found")
	}
}

func (f *fakeGrafana) logWrite(format string, args ...any) {
	f.writes = append(f.writes, fmt.Sprintf(format, args...))
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

func num64(m map[string]any, k string) int64 { n, _ := m[k].(float64); return int64(n) }

func (f *fakeGrafana) createDatasource(w http.ResponseWriter, b map[string]any) {
	if str(b, "name") == "" || str(b, "type") == "" || (str(b, "access") != "proxy" && str(b, "access") != "direct") {
		message(w, 400, "Validation error: name, type and access (proxy|direct) are required")
		return
	}
	if _, ok := b["jsonData"].(map[string]any); !ok && b["jsonData"] != nil {
		message(w, 400, "bad request data: jsonData must be an object")
		return
	}
	for _, ds := range f.ds {
		if ds["name"] == b["name"] || (str(b, "uid") != "" && ds["uid"] == b["uid"]) {
			message(w, 409, "data source with the same name already exists")
			return
		}
	}
	if str(b, "type") == PluginID && !f.plugin {
		message(w, 400, "plugin not installed")
		return
	}
	f.nextID++
	ds := f.storeDatasource(f.nextID, 1, b)
	f.logWrite("POST /api/datasources uid=%s", ds["uid"])
	reply(w, 200, map[string]any{"id": ds["id"], "name": ds["name"], "message": "Datasource added", "datasource": ds})
}

// storeDatasource keeps what Grafana returns: never the secure settings.
func (f *fakeGrafana) storeDatasource(id, version int64, b map[string]any) map[string]any {
	uid := str(b, "uid")
	if uid == "" {
		uid = fmt.Sprintf("generated-%d", id)
	}
	ds := map[string]any{"id": id, "uid": uid, "orgId": 1, "name": b["name"], "type": b["type"], "typeLogoUrl": "public/plugins/x/logo.svg",
		"access": b["access"], "url": str(b, "url"), "user": str(b, "user"), "database": str(b, "database"), "basicAuth": false,
		"isDefault": b["isDefault"] == true, "jsonData": b["jsonData"], "readOnly": false, "version": version,
		"secureJsonFields": map[string]bool{}}
	if sec, ok := b["secureJsonData"].(map[string]any); ok {
		fields := map[string]bool{}
		for k := range sec {
			fields[k] = true
		}
		ds["secureJsonFields"] = fields
	}
	f.ds[uid] = ds
	return ds
}

func (f *fakeGrafana) updateDatasource(w http.ResponseWriter, uid string, b map[string]any) {
	old, ok := f.ds[uid]
	if !ok {
		message(w, 404, "Data source not found")
		return
	}
	if v := num64(b, "version"); v != 0 && v != old["version"].(int64) {
		message(w, 409, "Datasource has already been updated by someone else. Please reload and try again")
		return
	}
	for u, ds := range f.ds {
		if u != uid && ds["name"] == b["name"] {
			message(w, 409, "data source with the same name already exists")
			return
		}
	}
	b["uid"] = uid
	ds := f.storeDatasource(old["id"].(int64), old["version"].(int64)+1, b)
	f.logWrite("PUT /api/datasources/uid/%s", uid)
	reply(w, 200, map[string]any{"id": ds["id"], "name": ds["name"], "message": "Datasource updated", "datasource": ds})
}

func (f *fakeGrafana) createFolder(w http.ResponseWriter, b map[string]any) {
	title, uid := str(b, "title"), str(b, "uid")
	if title == "" {
		message(w, 400, "folder title cannot be empty")
		return
	}
	if _, ok := f.folders[uid]; ok {
		message(w, 409, "a folder with the same uid already exists")
		return
	}
	for _, fo := range f.folders {
		if strings.EqualFold(fo["title"].(string), title) {
			message(w, 409, "a folder or dashboard in the general folder with the same name already exists")
			return
		}
	}
	f.nextID++
	if uid == "" {
		uid = fmt.Sprintf("folder-%d", f.nextID)
	}
	fo := map[string]any{"id": f.nextID, "uid": uid, "title": title, "url": "/dashboards/f/" + uid, "version": int64(1)}
	f.folders[uid] = fo
	f.logWrite("POST /api/folders uid=%s", uid)
	reply(w, 200, fo)
}

// listFolders pages the folders as Grafana does: limit (default 1000) per
// page, page from 1, ordered by title.
func (f *fakeGrafana) listFolders(w http.ResponseWriter, r *http.Request) {
	limit, page := 1000, 1
	if v := r.URL.Query().Get("limit"); v != "" {
		if _, err := fmt.Sscan(v, &limit); err != nil || limit < 1 {
			message(w, 400, "invalid limit")
			return
		}
	}
	if v := r.URL.Query().Get("page"); v != "" {
		if _, err := fmt.Sscan(v, &page); err != nil || page < 1 {
			message(w, 400, "invalid page")
			return
		}
	}
	all := make([]map[string]any, 0, len(f.folders))
	for _, fo := range f.folders {
		all = append(all, map[string]any{"id": fo["id"], "uid": fo["uid"], "title": fo["title"]})
	}
	sort.Slice(all, func(i, j int) bool { return str(all[i], "title") < str(all[j], "title") })
	from := min((page-1)*limit, len(all))
	reply(w, 200, all[from:min(from+limit, len(all))])
}

func (f *fakeGrafana) updateFolder(w http.ResponseWriter, uid string, b map[string]any) {
	fo, ok := f.folders[uid]
	if !ok {
		message(w, 404, "folder not found", "not-found")
		return
	}
	if b["overwrite"] != true && num64(b, "version") != fo["version"].(int64) {
		message(w, 409, "the folder has been changed by someone else", "version-mismatch")
		return
	}
	if str(b, "title") == "" {
		message(w, 400, "folder title cannot be empty")
		return
	}
	fo["title"] = b["title"]
	fo["version"] = fo["version"].(int64) + 1
	f.logWrite("PUT /api/folders/%s", uid)
	reply(w, 200, fo)
}

func (f *fakeGrafana) saveDashboard(w http.ResponseWriter, b map[string]any) {
	model, ok := b["dashboard"].(map[string]any)
	if !ok || str(model, "title") == "" || str(model, "uid") == "" {
		message(w, 400, "bad request data: dashboard with a title and a uid is required")
		return
	}
	if _, ok := model["schemaVersion"].(float64); !ok {
		message(w, 400, "bad request data: dashboard.schemaVersion is required")
		return
	}
	if id, ok := b["folderId"].(float64); ok && id != 0 {
		message(w, 400, "folderId is deprecated: use folderUid")
		return
	}
	folderUID := str(b, "folderUid")
	if _, ok := f.folders[folderUID]; folderUID != "" && !ok {
		message(w, 404, "folder not found", "not-found")
		return
	}
	overwrite := b["overwrite"] == true
	uid := str(model, "uid")
	existing := f.dashboards[uid]
	if existing != nil && !overwrite && num64(model, "version") != existing.version {
		message(w, 412, "The dashboard has been changed by someone else", "version-mismatch")
		return
	}
	for otherUID, d := range f.dashboards {
		if otherUID != uid && d.folderUID == folderUID && strings.EqualFold(str(d.model, "title"), str(model, "title")) {
			if !overwrite {
				message(w, 412, "A dashboard with the same name in the folder already exists", "name-exists")
				return
			}
			delete(f.dashboards, otherUID) // Grafana's overwrite takes the other dashboard over
		}
	}
	version := int64(1)
	var id int64
	if existing != nil {
		version, id = existing.version+1, num64(existing.model, "id")
	} else {
		f.nextID++
		id = f.nextID
	}
	stored := map[string]any{}
	for k, v := range model {
		stored[k] = v
	}
	stored["id"], stored["version"] = id, version
	f.dashboards[uid] = &fakeDashboard{model: stored, folderUID: folderUID, version: version}
	f.logWrite("POST /api/dashboards/db uid=%s overwrite=%v", uid, overwrite)
	reply(w, 200, map[string]any{"id": id, "uid": uid, "url": "/d/" + uid + "/x", "status": "success", "version": version, "slug": "x"})
}

var (
	noDataStates  = map[string]bool{"OK": true, "NoData": true, "Alerting": true, "KeepLast": true}
	execErrStates = map[string]bool{"OK": true, "Error": true, "Alerting": true, "KeepLast": true}
)

// validateRule checks a rule as Grafana's provisioning API does; it
// returns the rule as stored (model defaults added, provenance set).
func (f *fakeGrafana) validateRule(b map[string]any) (map[string]any, string) {
	folder := str(b, "folderUID")
	if folder == "" {
		folder = str(b, "folderUid")
	}
	switch {
	case str(b, "title") == "":
		return nil, "invalid alert rule: title is empty"
	case str(b, "ruleGroup") == "":
		return nil, "invalid alert rule: rule group is empty"
	case f.folders[folder] == nil:
		return nil, "invalid alert rule: folder does not exist"
	case !noDataStates[str(b, "noDataState")] || !execErrStates[str(b, "execErrState")]:
		return nil, "invalid alert rule: noDataState or execErrState"
	}
	if _, err := time.ParseDuration(str(b, "for")); err != nil {
		return nil, "invalid alert rule: for: " + err.Error()
	}
	data, _ := b["data"].([]any)
	if len(data) == 0 {
		return nil, "invalid alert rule: no queries"
	}
	refs := map[string]bool{}
	for _, q := range data {
		qm, _ := q.(map[string]any)
		model, _ := qm["model"].(map[string]any)
		ds := str(qm, "datasourceUid")
		if model == nil || str(qm, "refId") == "" || (ds != exprUID && f.ds[ds] == nil) {
			return nil, "invalid alert rule: query " + str(qm, "refId") + ": model, refId and an existing datasource are required"
		}
		rtr, _ := qm["relativeTimeRange"].(map[string]any)
		if ds != exprUID && (rtr == nil || num64(rtr, "from") <= num64(rtr, "to")) {
			return nil, "invalid alert rule: query " + str(qm, "refId") + ": relativeTimeRange from must be before to"
		}
		// Grafana's AlertQuery.PreSave adds these when missing.
		if _, ok := model["intervalMs"]; !ok {
			model["intervalMs"] = 1000
		}
		if _, ok := model["maxDataPoints"]; !ok {
			model["maxDataPoints"] = 43200
		}
		refs[str(qm, "refId")] = true
	}
	if !refs[str(b, "condition")] {
		return nil, "invalid alert rule: condition " + str(b, "condition") + " is no query refId"
	}
	stored := map[string]any{}
	for k, v := range b {
		stored[k] = v
	}
	delete(stored, "folderUid")
	stored["folderUID"] = folder
	stored["provenance"] = "api"
	stored["updated"] = "2026-11-24T00:00:00Z"
	return stored, ""
}

func (f *fakeGrafana) saveRule(w http.ResponseWriter, uid string, b map[string]any) {
	stored, problem := f.validateRule(b)
	if problem != "" {
		message(w, 400, problem)
		return
	}
	if uid == "" { // POST
		uid = str(b, "uid")
		if _, ok := f.rules[uid]; ok {
			message(w, 409, "an alert rule with this uid already exists")
			return
		}
		f.nextID++
		stored["id"] = f.nextID
		group := str(stored, "folderUID") + "/" + str(stored, "ruleGroup")
		if _, ok := f.groups[group]; !ok {
			f.groups[group] = f.defaultInterval
		}
		f.logWrite("POST /api/v1/provisioning/alert-rules uid=%s", uid)
		stored["uid"] = uid
		f.rules[uid] = stored
		reply(w, 201, stored)
		return
	}
	old, ok := f.rules[uid]
	if !ok {
		w.WriteHeader(404)
		return
	}
	stored["id"], stored["uid"] = old["id"], uid
	f.rules[uid] = stored
	f.logWrite("PUT /api/v1/provisioning/alert-rules/%s", uid)
	reply(w, 200, stored)
}

func (f *fakeGrafana) ruleGroup(w http.ResponseWriter, method, folder, group string, b map[string]any) {
	key := folder + "/" + group
	interval, ok := f.groups[key]
	if !ok {
		message(w, 404, "rule group does not exist")
		return
	}
	if method == "GET" {
		var rules []any
		for _, r := range f.rules {
			if str(r, "folderUID") == folder && str(r, "ruleGroup") == group {
				rules = append(rules, r)
			}
		}
		reply(w, 200, map[string]any{"title": group, "folderUid": folder, "interval": interval, "rules": rules})
		return
	}
	if method != "PUT" {
		message(w, 405, "method not allowed")
		return
	}
	iv := num64(b, "interval")
	if iv <= 0 || iv%10 != 0 {
		message(w, 400, "invalid rule group: interval must be a positive multiple of 10s")
		return
	}
	rules, _ := b["rules"].([]any)
	for _, r := range rules {
		rm, _ := r.(map[string]any)
		stored, problem := f.validateRule(rm)
		if problem != "" {
			message(w, 400, problem)
			return
		}
		stored["id"] = f.rules[str(rm, "uid")]["id"]
		f.rules[str(rm, "uid")] = stored
	}
	f.groups[key] = iv
	f.logWrite("PUT /api/v1/provisioning/folder/%s/rule-groups/%s interval=%d", folder, group, iv)
	reply(w, 200, b)
}
