package dashboards

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	gapi "github.com/grafana/grafana-api-golang-client"
	"github.com/grafana/grafana-foundation-sdk/go/alerting"

	"servicepulse/internal/fields"
)

// GrafanaConfig says which Grafana to provision and as whom.
type GrafanaConfig struct {
	// URL is Grafana's base URL, e.g. http://localhost:3000. Required.
	URL string
	// Token is a service account token (sent as a Bearer token). Either a
	// token or User and Password are required; the token wins.
	Token string
	// User and Password authenticate with basic auth.
	User, Password string
	// OrgID selects the organisation with basic auth (X-Grafana-Org-Id).
	// Default: the user's current organisation. A token is bound to its own.
	OrgID int64
	// Timeout bounds each HTTP request. Default: 30s.
	Timeout time.Duration
	// HTTPClient replaces the default client (tests). Default: one with Timeout.
	HTTPClient *http.Client
}

// Validate fills in defaults and reports the first unusable value.
func (c *GrafanaConfig) Validate() error {
	u, err := url.Parse(c.URL)
	if c.URL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fields.Errorf("URL", strconv.Quote(c.URL), "want Grafana's base URL, e.g. http://localhost:3000")
	}
	if c.Token == "" && (c.User == "" || c.Password == "") {
		return errors.New("no Grafana credentials: set GRAFANA_TOKEN (a service account token) or GRAFANA_USER and GRAFANA_PASSWORD")
	}
	if c.Token != "" && c.OrgID != 0 {
		return fields.Errorf("OrgID", c.OrgID, "a token is bound to its own organisation; use basic auth to choose one")
	}
	if c.Timeout == 0 {
		c.Timeout = 30 * time.Second
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: c.Timeout}
	}
	return nil
}

func (c *GrafanaConfig) authName() string {
	if c.Token != "" {
		return "the token of GRAFANA_TOKEN"
	}
	return "the basic auth of GRAFANA_USER " + strconv.Quote(c.User)
}

// Action is what provisioning did, or in a dry run would do, to an object.
type Action string

// Actions.
const (
	Created   Action = "created"
	Updated   Action = "updated"
	Unchanged Action = "unchanged"
)

// Change is the outcome for one object.
type Change struct {
	Kind   string `json:"kind"` // datasource, folder, dashboard, alert-rule, alert-group
	UID    string `json:"uid"`
	Title  string `json:"title"`
	Action Action `json:"action"`
	// Diff names the fields that differed (updates only), at most a few.
	Diff []string `json:"diff,omitempty"`
}

// Report is the outcome of a provisioning run.
type Report struct {
	Grafana string   `json:"grafana"`
	Version string   `json:"grafana_version,omitempty"`
	DryRun  bool     `json:"dry_run"`
	Changes []Change `json:"changes"`
	Summary string   `json:"summary"`
}

// Changed counts the objects created or updated (or that would be).
func (r Report) Changed() int {
	n := 0
	for _, c := range r.Changes {
		if c.Action != Unchanged {
			n++
		}
	}
	return n
}

func (r *Report) add(c Change) { r.Changes = append(r.Changes, c) }

func (r *Report) summarise() {
	count := map[Action]int{}
	for _, c := range r.Changes {
		count[c.Action]++
	}
	switch {
	case r.Changed() == 0:
		r.Summary = fmt.Sprintf("nothing to change: all %d objects are up to date", len(r.Changes))
	case r.DryRun:
		r.Summary = fmt.Sprintf("dry run: would create %d, update %d; %d unchanged; nothing was written", count[Created], count[Updated], count[Unchanged])
	default:
		r.Summary = fmt.Sprintf("created %d, updated %d, unchanged %d", count[Created], count[Updated], count[Unchanged])
	}
}

// Sentinel errors callers may branch on.
var (
	ErrUnreachable   = errors.New("grafana unreachable")
	ErrNotGrafana    = errors.New("not a grafana")
	ErrUnauthorized  = errors.New("grafana rejected the credentials")
	ErrPluginMissing = errors.New("clickhouse datasource plugin not installed")
	ErrConflict      = errors.New("conflict with an object in grafana")
)

// Provision makes Grafana hold the set, in order: after checking Grafana
// and its ClickHouse plugin, the datasource, the folder, the dashboards and
// the alert rules. Each object is read first and written only when it
// differs from the set (ignoring what Grafana maintains itself: ids,
// versions), so a second run changes nothing and reports every object
// unchanged. Objects are found by their stable uids; ours (UIDPrefix) are
// overwritten when they differ, whoever changed them. With dryRun nothing
// is written and the report says what would change. It stops at the first
// error; the HTTP client has no context, so ctx is checked between requests.
func Provision(ctx context.Context, cfg GrafanaConfig, set Set, dryRun bool, log *slog.Logger) (Report, error) {
	if err := cfg.Validate(); err != nil {
		return Report{}, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	gc := gapi.Config{APIKey: cfg.Token, Client: cfg.HTTPClient, OrgID: cfg.OrgID}
	if cfg.Token == "" {
		gc.BasicAuth = url.UserPassword(cfg.User, cfg.Password)
	}
	client, err := gapi.New(strings.TrimSuffix(cfg.URL, "/"), gc)
	if err != nil {
		return Report{}, fmt.Errorf("grafana client: %w", err)
	}
	p := &provisioner{cfg: cfg, client: client, dry: dryRun, log: log, report: Report{Grafana: cfg.URL, DryRun: dryRun}, folderUID: FolderUID}
	steps := []func() error{
		p.checkGrafana,
		p.checkPlugin,
		func() error { return p.datasource(set.Datasource) },
		func() error { return p.prometheus(set.Prometheus) },
		p.folder,
	}
	for _, d := range set.Dashboards {
		steps = append(steps, func() error { return p.dashboard(d) })
	}
	for _, r := range set.Alerts.Rules {
		steps = append(steps, func() error { return p.alertRule(r) })
	}
	steps = append(steps, func() error { return p.alertGroup(set.Alerts) })
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			return p.report, err
		}
		if err := step(); err != nil {
			return p.report, err
		}
	}
	p.report.summarise()
	log.Info("grafana provisioned", "grafana", cfg.URL, "dry_run", dryRun, "summary", p.report.Summary)
	return p.report, nil
}

type provisioner struct {
	cfg    GrafanaConfig
	client *gapi.Client
	dry    bool
	log    *slog.Logger
	report Report
	// folderExists is false when the folder is yet to be created (dry run):
	// everything in it is then new.
	folderExists bool
	// folderUID is our folder's uid: FolderUID, or the uid of a folder
	// titled FolderTitle that file provisioning created (folder).
	folderUID string
}

func (p *provisioner) record(kind, uid, title string, a Action, diff []string) {
	p.report.add(Change{Kind: kind, UID: uid, Title: title, Action: a, Diff: diff})
	p.log.Info("grafana object", "kind", kind, "uid", uid, "action", a, "dry_run", p.dry, "diff", diff)
}

// checkGrafana asks /api/health, which needs no credentials: a wrong URL
// fails here with a sentence saying so.
func (p *provisioner) checkGrafana() error {
	h, err := p.client.Health()
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return fmt.Errorf("%w: cannot reach Grafana at %s: %v", ErrUnreachable, p.cfg.URL, ue.Err)
		}
		return fmt.Errorf("%w: %s does not answer like Grafana (GET /api/health: %v)", ErrNotGrafana, p.cfg.URL, short(err))
	}
	if h.Version == "" && h.Database == "" {
		return fmt.Errorf("%w: %s does not answer like Grafana (GET /api/health has no version)", ErrNotGrafana, p.cfg.URL)
	}
	p.report.Version = h.Version
	return nil
}

// checkPlugin is the first authenticated request: it tells a bad token
// from a Grafana without the ClickHouse plugin. The client library has no
// call for it, so this is a plain GET with the same credentials.
func (p *provisioner) checkPlugin() error {
	req, err := http.NewRequest(http.MethodGet, strings.TrimSuffix(p.cfg.URL, "/")+"/api/plugins/"+PluginID+"/settings", nil)
	if err != nil {
		return err
	}
	if p.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+p.cfg.Token)
	} else {
		req.SetBasicAuth(p.cfg.User, p.cfg.Password)
		if p.cfg.OrgID != 0 {
			req.Header.Set("X-Grafana-Org-Id", strconv.FormatInt(p.cfg.OrgID, 10))
		}
	}
	resp, err := p.cfg.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("%w: cannot reach Grafana at %s: %v", ErrUnreachable, p.cfg.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	switch resp.StatusCode {
	case http.StatusOK:
		var s struct {
			ID      string `json:"id"`
			Enabled bool   `json:"enabled"`
		}
		if json.Unmarshal(body, &s) != nil || s.ID != PluginID {
			return fmt.Errorf("%w: %s answered GET /api/plugins/%s/settings with %q", ErrNotGrafana, p.cfg.URL, PluginID, short(errors.New(string(body))))
		}
		return nil
	case http.StatusUnauthorized:
		return fmt.Errorf("%w: Grafana at %s refused %s (401: %s); check the credentials", ErrUnauthorized, p.cfg.URL, p.cfg.authName(), strings.TrimSpace(string(body)))
	case http.StatusForbidden:
		return fmt.Errorf("%w: Grafana at %s accepted %s but forbids it to read plugin settings (403); provisioning needs the Admin role", ErrUnauthorized, p.cfg.URL, p.cfg.authName())
	case http.StatusNotFound:
		// Grafana's answer: {"message":"Plugin not found, no installed plugin with that id"}.
		var m struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(body, &m) != nil || m.Message == "" {
			m.Message = strings.TrimSpace(string(body))
		}
		return fmt.Errorf("%w: Grafana at %s has no plugin %s (404: %s); install it (Grafana 11.5+: GF_PLUGINS_PREINSTALL=%s, or `grafana cli plugins install %s`) and restart Grafana",
			ErrPluginMissing, p.cfg.URL, PluginID, short(errors.New(m.Message)), PluginID, PluginID)
	}
	return fmt.Errorf("GET /api/plugins/%s/settings: status %d: %s", PluginID, resp.StatusCode, short(errors.New(string(body))))
}

// datasource creates or updates the ClickHouse datasource. Its password
// (secure settings) cannot be read back: it is sent on creation and with
// every update, and a changed password alone is not noticed.
func (p *provisioner) datasource(d Datasource) error {
	want := &gapi.DataSource{UID: DatasourceUID, Name: DatasourceName, Type: PluginID, Access: "proxy", JSONData: d.JSONData()}
	if d.Password != "" {
		want.SecureJSONData = map[string]any{"password": d.Password}
	}
	return p.upsertDatasource(want)
}

// prometheus creates or updates the Prometheus datasource of the pipeline
// health panels and the lag alert (a core plugin: nothing to check).
func (p *provisioner) prometheus(d PrometheusDatasource) error {
	return p.upsertDatasource(&gapi.DataSource{UID: PrometheusUID, Name: PrometheusName, Type: PrometheusType, Access: "proxy",
		URL: d.URL, JSONData: d.JSONData()})
}

// upsertDatasource creates want, or updates Grafana's datasource of its uid
// when it differs.
func (p *provisioner) upsertDatasource(want *gapi.DataSource) error {
	uid := want.UID
	have, err := p.client.DataSourceByUID(uid)
	switch {
	case isNotFound(err):
		if !p.dry {
			if _, err := p.client.NewDataSource(want); err != nil {
				if status(err) == http.StatusConflict {
					return fmt.Errorf("%w: create datasource %q: Grafana already has a datasource of that name with another uid; rename or delete it (%v)", ErrConflict, want.Name, short(err))
				}
				return p.fail("create datasource "+uid, err)
			}
		}
		p.record("datasource", uid, want.Name, Created, nil)
		return nil
	case err != nil:
		return p.fail("read datasource "+uid, err)
	}
	diff := diffJSON(map[string]any{"name": want.Name, "type": want.Type, "access": want.Access, "url": want.URL, "isDefault": false, "jsonData": want.JSONData},
		map[string]any{"name": have.Name, "type": have.Type, "access": have.Access, "url": have.URL, "isDefault": have.IsDefault, "jsonData": subset(have.JSONData, want.JSONData)})
	if len(diff) == 0 {
		p.record("datasource", uid, want.Name, Unchanged, nil)
		return nil
	}
	if !p.dry {
		want.ID, want.Version, want.OrgID = have.ID, have.Version, have.OrgID
		if err := p.client.UpdateDataSourceByUID(want); err != nil {
			return p.fail("update datasource "+uid, err)
		}
	}
	p.record("datasource", uid, want.Name, Updated, diff)
	return nil
}

// folder creates or renames our folder. A Grafana that file provisioning
// (`dashboards export`) set up has a folder titled FolderTitle with a
// random uid, which its alert rules created (see export.go): that folder is
// ours too, and dashboards and rules go there, so that both ways of
// provisioning land in one folder.
func (p *provisioner) folder() error {
	have, err := p.client.FolderByUID(FolderUID)
	if isNotFound(err) {
		uid, ferr := p.folderByTitle()
		if ferr != nil {
			return ferr
		}
		if uid != "" {
			p.folderUID, p.folderExists = uid, true
			p.record("folder", uid, FolderTitle, Unchanged, nil)
			return nil
		}
	}
	switch {
	case isNotFound(err):
		if !p.dry {
			if _, err := p.client.NewFolder(FolderTitle, FolderUID); err != nil {
				if status(err) == http.StatusConflict {
					return fmt.Errorf("%w: create folder %q: Grafana already has a folder of that title with another uid (%v)", ErrConflict, FolderTitle, short(err))
				}
				return p.fail("create folder "+FolderUID, err)
			}
			p.folderExists = true
		}
		p.record("folder", FolderUID, FolderTitle, Created, nil)
		return nil
	case err != nil:
		return p.fail("read folder "+FolderUID, err)
	}
	p.folderExists = true
	if have.Title == FolderTitle {
		p.record("folder", FolderUID, FolderTitle, Unchanged, nil)
		return nil
	}
	if !p.dry {
		if err := p.client.UpdateFolder(FolderUID, FolderTitle); err != nil {
			return p.fail("rename folder "+FolderUID, err)
		}
	}
	p.record("folder", FolderUID, FolderTitle, Updated, []string{"title"})
	return nil
}

// folderByTitle returns the uid of Grafana's top-level folder titled
// FolderTitle, or "" when there is none.
func (p *provisioner) folderByTitle() (string, error) {
	folders, err := p.client.Folders()
	if err != nil {
		return "", p.fail("list folders", err)
	}
	for _, f := range folders {
		if f.Title == FolderTitle {
			return f.UID, nil
		}
	}
	return "", nil
}

// dashboardIgnored are the model's fields Grafana maintains itself.
var dashboardIgnored = []string{"id", "version"}

// dashboard creates or overwrites one dashboard. A creation does not
// overwrite (so it cannot capture someone else's dashboard); if the uid
// appears meanwhile (412), the dashboard is read again and updated once.
func (p *provisioner) dashboard(d Dashboard) error {
	want, err := d.Map()
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		var have *gapi.Dashboard
		if p.folderExists {
			have, err = p.client.DashboardByUID(d.UID)
		} else {
			err = gapi.ErrNotFound{}
		}
		var action Action
		var diff []string
		switch {
		case isNotFound(err):
			action = Created
		case err != nil:
			return p.fail("read dashboard "+d.UID, err)
		default:
			model := maps(have.Model)
			for _, k := range dashboardIgnored {
				delete(model, k)
			}
			diff = diffJSON(want, model)
			if have.Meta.FolderUID != p.folderUID {
				diff = append(diff, "folder")
			}
			action = Updated
			if len(diff) == 0 {
				action = Unchanged
			}
		}
		if action == Unchanged || p.dry {
			p.record("dashboard", d.UID, d.Title, action, diff)
			return nil
		}
		_, err = p.client.NewDashboard(gapi.Dashboard{
			Model:     want,
			FolderUID: p.folderUID,
			Overwrite: action == Updated && strings.HasPrefix(d.UID, UIDPrefix),
			Message:   "servicepulse dashboards provision",
		})
		if err == nil {
			p.record("dashboard", d.UID, d.Title, action, diff)
			return nil
		}
		if status(err) == http.StatusPreconditionFailed && action == Created && attempt == 0 && strings.Contains(err.Error(), "version-mismatch") {
			p.log.Warn("dashboard created by someone else meanwhile; reading it again", "uid", d.UID)
			continue
		}
		if status(err) == http.StatusPreconditionFailed {
			return fmt.Errorf("%w: save dashboard %s: %v (another dashboard named %q in folder %q, or a concurrent change)", ErrConflict, d.UID, short(err), d.Title, FolderTitle)
		}
		return p.fail("save dashboard "+d.UID, err)
	}
}

// alertRule creates or replaces one rule, through the provisioning API.
// The rules carry provenance "api": Grafana's UI then will not edit them,
// which is what keeps them from drifting.
func (p *provisioner) alertRule(r alerting.Rule) error {
	want, err := toGAPIRule(r)
	if err != nil {
		return err
	}
	want.FolderUID = p.folderUID
	var have gapi.AlertRule
	if p.folderExists {
		have, err = p.client.AlertRule(want.UID)
	} else {
		err = gapi.ErrNotFound{}
	}
	switch {
	case isNotFound(err):
		if !p.dry {
			if _, err := p.client.NewAlertRule(&want); err != nil {
				if status(err) == http.StatusConflict {
					return fmt.Errorf("%w: create alert rule %s: %v", ErrConflict, want.UID, short(err))
				}
				return p.fail("create alert rule "+want.UID, err)
			}
		}
		p.record("alert-rule", want.UID, want.Title, Created, nil)
		return nil
	case err != nil:
		return p.fail("read alert rule "+want.UID, err)
	}
	diff := diffJSON(ruleView(want, nil), ruleView(have, &want))
	if len(diff) == 0 {
		p.record("alert-rule", want.UID, want.Title, Unchanged, nil)
		return nil
	}
	if !p.dry {
		if err := p.client.UpdateAlertRule(&want); err != nil {
			return p.fail("update alert rule "+want.UID, err)
		}
	}
	p.record("alert-rule", want.UID, want.Title, Updated, diff)
	return nil
}

// alertGroup sets the group's evaluation interval. Rules created one by one
// join a group with Grafana's default interval; if that is not ours, the
// group is written back with its rules and our interval.
func (p *provisioner) alertGroup(g AlertGroup) error {
	uid := p.folderUID + "/" + g.Title
	interval := int64(g.Interval / time.Second)
	if !p.folderExists {
		p.record("alert-group", uid, g.Title, Created, nil) // dry run: folder, rules and group are all to come
		return nil
	}
	// The group is new when all its rules are: creating them created it.
	fresh := !slices.ContainsFunc(p.report.Changes, func(c Change) bool { return c.Kind == "alert-rule" && c.Action != Created })
	have, err := p.client.AlertRuleGroup(p.folderUID, g.Title)
	if isNotFound(err) && p.dry && fresh {
		p.record("alert-group", uid, g.Title, Created, nil)
		return nil
	}
	if err != nil {
		return p.fail("read alert rule group "+uid, err)
	}
	action := Unchanged
	if fresh {
		action = Created
	}
	if have.Interval == interval {
		p.record("alert-group", uid, g.Title, action, nil)
		return nil
	}
	diff := []string{fmt.Sprintf("interval: %ds → %ds", have.Interval, interval)}
	if !p.dry {
		have.Interval = interval
		have.FolderUID, have.Title = p.folderUID, g.Title
		if err := p.client.SetAlertRuleGroup(have); err != nil {
			return p.fail("set alert rule group "+uid, err)
		}
	}
	if action == Unchanged {
		action = Updated
	}
	p.record("alert-group", uid, g.Title, action, diff)
	return nil
}

// fail words an error of the client: 401 and 403 as credentials problems.
func (p *provisioner) fail(op string, err error) error {
	switch status(err) {
	case http.StatusUnauthorized:
		return fmt.Errorf("%w: %s: Grafana at %s refused %s (401)", ErrUnauthorized, op, p.cfg.URL, p.cfg.authName())
	case http.StatusForbidden:
		return fmt.Errorf("%w: %s: %s may not do this (403); provisioning needs the Admin role", ErrUnauthorized, op, p.cfg.authName())
	case http.StatusConflict, http.StatusPreconditionFailed:
		return fmt.Errorf("%w: %s: %v", ErrConflict, op, short(err))
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%w: %s: %v", ErrUnreachable, op, ue.Err)
	}
	return fmt.Errorf("%s: %v", op, short(err))
}

// toGAPIRule is the SDK-built rule in the client library's type. The
// library's RelativeTimeRange holds a time.Duration but Grafana's JSON
// counts seconds, so the seconds are carried as the Duration's raw count:
// the number on the wire is right.
func toGAPIRule(r alerting.Rule) (gapi.AlertRule, error) {
	out := gapi.AlertRule{
		Annotations:  r.Annotations,
		Condition:    r.Condition,
		ExecErrState: gapi.ExecErrState(r.ExecErrState),
		FolderUID:    r.FolderUID,
		Labels:       r.Labels,
		NoDataState:  gapi.NoDataState(r.NoDataState),
		OrgID:        r.OrgID,
		RuleGroup:    r.RuleGroup,
		Title:        r.Title,
		UID:          *r.Uid,
		For:          r.For,
		IsPaused:     r.IsPaused != nil && *r.IsPaused,
	}
	for _, q := range r.Data {
		model, err := queryModel(q)
		if err != nil {
			return gapi.AlertRule{}, fmt.Errorf("alert rule %s: %w", out.UID, err)
		}
		aq := &gapi.AlertQuery{DatasourceUID: *q.DatasourceUid, Model: model, RefID: *q.RefId}
		if q.RelativeTimeRange != nil {
			aq.RelativeTimeRange = gapi.RelativeTimeRange{From: time.Duration(*q.RelativeTimeRange.From), To: time.Duration(*q.RelativeTimeRange.To)}
		}
		out.Data = append(out.Data, aq)
	}
	return out, nil
}

// ruleView is what we compare of a rule. Reading Grafana's (want given),
// each query model keeps only the fields we set: Grafana may add defaults.
func ruleView(r gapi.AlertRule, want *gapi.AlertRule) map[string]any {
	forDur, err := time.ParseDuration(r.For)
	if err != nil {
		forDur = -1
	}
	var data []any
	for i, q := range r.Data {
		model := maps(q.Model)
		if want != nil && i < len(want.Data) {
			model = subset(model, maps(want.Data[i].Model))
		}
		data = append(data, map[string]any{"refId": q.RefID, "datasourceUid": q.DatasourceUID, "model": model,
			"from": int64(q.RelativeTimeRange.From), "to": int64(q.RelativeTimeRange.To)})
	}
	return maps(map[string]any{
		"title": r.Title, "condition": r.Condition, "folderUID": r.FolderUID, "ruleGroup": r.RuleGroup,
		"noDataState": r.NoDataState, "execErrState": r.ExecErrState, "for": forDur.String(),
		"labels": r.Labels, "annotations": r.Annotations, "isPaused": r.IsPaused, "data": data,
	})
}

// maps turns any JSON-able value into generic JSON (maps, slices, float64).
func maps(v any) map[string]any {
	m, _ := jsonMap(v).(map[string]any)
	return m
}

func jsonMap(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// subset keeps the keys of have that want has.
func subset(have, want map[string]any) map[string]any {
	out := map[string]any{}
	for k := range want {
		if v, ok := have[k]; ok {
			out[k] = v
		}
	}
	return out
}

// diffJSON lists the paths where two JSON documents differ (at most 8).
func diffJSON(want, have any) []string {
	var out []string
	var walk func(path string, a, b any)
	walk = func(path string, a, b any) {
		if len(out) >= 8 {
			return
		}
		a, b = jsonMap(a), jsonMap(b)
		am, aok := a.(map[string]any)
		bm, bok := b.(map[string]any)
		if aok && bok {
			keys := make([]string, 0, len(am)+len(bm))
			for k := range am {
				keys = append(keys, k)
			}
			for k := range bm {
				if _, ok := am[k]; !ok {
					keys = append(keys, k)
				}
			}
			slices.Sort(keys)
			for _, k := range keys {
				walk(strings.TrimPrefix(path+"."+k, "."), am[k], bm[k])
			}
			return
		}
		as, aok := a.([]any)
		bs, bok := b.([]any)
		if aok && bok && len(as) == len(bs) {
			for i := range as {
				walk(fmt.Sprintf("%s[%d]", path, i), as[i], bs[i])
			}
			return
		}
		if !reflect.DeepEqual(a, b) {
			out = append(out, path)
		}
	}
	walk("", want, have)
	return out
}

// Errors of the client library are "status: 412, body: …" or ErrNotFound.
var statusRe = regexp.MustCompile(`^status: (\d{3})`)

func status(err error) int {
	if err == nil {
		return 0
	}
	if isNotFound(err) {
		return http.StatusNotFound
	}
	if m := statusRe.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

func isNotFound(err error) bool {
	var nf gapi.ErrNotFound
	return errors.As(err, &nf)
}

// short keeps an error message to one readable line.
func short(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
