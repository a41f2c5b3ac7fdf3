package cli

import (
	"os"
	"time"

	"servicepulse/dashboards"
)

// GrafanaFlags locate Grafana and authenticate to it: --grafana-url
// ($GRAFANA_URL), --org-id and --timeout, and the credentials, which only
// the environment holds ($GRAFANA_TOKEN, or $GRAFANA_USER and
// $GRAFANA_PASSWORD) so that they never show in a process list.
type GrafanaFlags struct {
	Config dashboards.GrafanaConfig
}

// Register adds the flags and lists the credentials' variables.
func (g *GrafanaFlags) Register(fs *FlagSet) {
	fs.StringVar(&g.Config.URL, "grafana-url", "", "Grafana's base URL, e.g. http://localhost:3000 (required)")
	fs.Field("URL", "grafana-url")
	fs.Env("grafana-url", "GRAFANA_URL")
	registerGrafanaCredentials(fs)
	fs.Int64Var(&g.Config.OrgID, "org-id", 0, "organisation to provision with basic auth (default: the user's current one)")
	fs.DurationVar(&g.Config.Timeout, "timeout", 30*time.Second, "timeout of each request to Grafana")
}

// registerGrafanaCredentials lists in fs's help the variables holding
// Grafana's credentials, for a command that reads no other Grafana flag.
func registerGrafanaCredentials(fs *FlagSet) {
	fs.ReadsEnv("GRAFANA_TOKEN", "Grafana service account token (or GRAFANA_USER and GRAFANA_PASSWORD)", true)
	fs.ReadsEnv("GRAFANA_USER", "Grafana user, for basic auth", false)
	fs.ReadsEnv("GRAFANA_PASSWORD", "Grafana user's password, for basic auth", true)
}

// GrafanaFromEnv is for a command that provisions Grafana only when the
// environment names one (demo): it lists $SERVICEPULSE_GRAFANA_URL and the
// credentials' variables in fs's help, and returns a function giving the
// config they hold (zero when the URL is not set).
func GrafanaFromEnv(fs *FlagSet) func() dashboards.GrafanaConfig {
	fs.ReadsEnv("SERVICEPULSE_GRAFANA_URL", "a running Grafana to provision (else only the provisioning files are written)", false)
	registerGrafanaCredentials(fs)
	fs.Field("Grafana", "$SERVICEPULSE_GRAFANA_URL")
	return func() dashboards.GrafanaConfig {
		g := GrafanaFlags{Config: dashboards.GrafanaConfig{URL: os.Getenv("SERVICEPULSE_GRAFANA_URL"), Timeout: 30 * time.Second}}
		if g.Config.URL == "" {
			return dashboards.GrafanaConfig{}
		}
		return g.WithCredentials()
	}
}

// WithCredentials returns the flags' config with the credentials of the
// environment.
func (g *GrafanaFlags) WithCredentials() dashboards.GrafanaConfig {
	c := g.Config
	c.Token, c.User, c.Password = os.Getenv("GRAFANA_TOKEN"), os.Getenv("GRAFANA_USER"), os.Getenv("GRAFANA_PASSWORD")
	return c
}
