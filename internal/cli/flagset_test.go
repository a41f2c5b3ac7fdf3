package cli

import (
	"errors"
	"strings"
	"testing"

	"servicepulse/internal/fields"
)

// TestFlagEnvPrecedence: a flag on the command line beats its environment
// variable, which beats the built-in default; a bad value from the
// environment is a usage error naming the variable. No server, no process
// environment: the variables are passed in.
func TestFlagEnvPrecedence(t *testing.T) {
	const def = "clickhouse://127.0.0.1:9000/servicepulse"
	env := map[string]string{
		"SERVICEPULSE_CLICKHOUSE": "clickhouse://10.0.0.1:9000/env",
		"SERVICEPULSE_BROKERS":    "kafka:9092",
	}
	tests := []struct {
		name                        string
		args                        []string
		env                         map[string]string
		dsn, brokers, level, format string
	}{
		{"built-in defaults", nil, nil, def, "127.0.0.1:9092", "info", "text"},
		{"environment beats default", nil, env, "clickhouse://10.0.0.1:9000/env", "kafka:9092", "info", "text"},
		{"flag beats environment", []string{"--clickhouse", "clickhouse://10.0.0.2:9000/flag", "--log-level", "debug"}, env,
			"clickhouse://10.0.0.2:9000/flag", "kafka:9092", "debug", "text"},
		{"flag set to the default beats environment", []string{"--clickhouse", def, "--brokers=b:1"}, env, def, "b:1", "info", "text"},
		{"empty variable is unset", nil, map[string]string{"SERVICEPULSE_LOG_FORMAT": ""}, def, "127.0.0.1:9092", "info", "text"},
		{"log variables", nil, map[string]string{"SERVICEPULSE_LOG_LEVEL": "warn", "SERVICEPULSE_LOG_FORMAT": "json"}, def, "127.0.0.1:9092", "warn", "json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, k, w := connectionFlags()
			if _, err := fs.ParseEnv(tt.args, func(v string) string { return tt.env[v] }); err != nil {
				t.Fatal(err)
			}
			if w.DSN != tt.dsn || k.Brokers != tt.brokers || w.Level != tt.level || w.Format != tt.format {
				t.Errorf("got %q %q %q %q, want %q %q %q %q", w.DSN, k.Brokers, w.Level, w.Format,
					tt.dsn, tt.brokers, tt.level, tt.format)
			}
			if d := fs.Lookup("clickhouse").DefValue; d != def {
				t.Errorf("--clickhouse DefValue = %q, want the built-in %q", d, def)
			}
		})
	}

	bad := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"bad level from env", nil, map[string]string{"SERVICEPULSE_LOG_LEVEL": "loud"}, `$SERVICEPULSE_LOG_LEVEL (for --log-level) "loud"`},
		{"bad level from flag", []string{"--log-level", "loud"}, nil, `--log-level "loud"`},
		{"bad format from env", nil, map[string]string{"SERVICEPULSE_LOG_FORMAT": "xml"}, `$SERVICEPULSE_LOG_FORMAT (for --log-format) "xml"`},
		{"bad DSN from env, masked", nil, map[string]string{"SERVICEPULSE_CLICKHOUSE": "http://u:s3cret@h:9000/db"}, `$SERVICEPULSE_CLICKHOUSE (for --clickhouse) "http://u:***@h:9000/db"`},
		{"empty brokers from env", nil, map[string]string{"SERVICEPULSE_BROKERS": " , "}, `$SERVICEPULSE_BROKERS (for --brokers)`},
		{"bad env ignored under a flag", []string{"--log-level", "loud"}, map[string]string{"SERVICEPULSE_LOG_LEVEL": "debug"}, `--log-level "loud"`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			fs, _, _ := connectionFlags()
			_, err := fs.ParseEnv(tt.args, func(v string) string { return tt.env[v] })
			var u UsageError
			if !errors.As(err, &u) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("parse = %v, want a usage error with %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("usage error %q shows the password", err)
			}
		})
	}
}

// connectionFlags is a flag set with the Kafka, ClickHouse and log groups.
func connectionFlags() (*FlagSet, *KafkaFlags, *WarehouseFlags) {
	fs := (&App{Name: "test"}).NewFlagSet("test", "")
	var (
		k KafkaFlags
		w WarehouseFlags
	)
	fs.Add(&k, &w)
	return fs, &k, &w
}

func TestInvalidNamesTheFlags(t *testing.T) {
	a := App{Name: "servicepulse"}
	fs := a.NewFlagSet("", "")
	fs.Duration("until-idle", 0, "")
	fs.Duration("until-idle-max", 0, "")
	fs.String("clickhouse", "", "")
	fs.Field("ClickHouse", "clickhouse")
	fs.Field("Grafana", "$SERVICEPULSE_GRAFANA_URL")
	cases := []struct {
		err  error
		want string
	}{
		{fields.Errorf("UntilIdleMax", "2s", "must be longer than {UntilIdle} %s", "5s"),
			"--until-idle-max 2s: must be longer than --until-idle 5s"},
		{fields.Errorf("ClickHouse", `"x"`, "want clickhouse://host:port"), `--clickhouse "x": want clickhouse://host:port`},
		{fields.Errorf("Grafana", nil, "is not a URL"), "$SERVICEPULSE_GRAFANA_URL: is not a URL"},
		// A field no flag sets keeps its Go name.
		{fields.Errorf("RetryMin", "0s", "must be positive"), "RetryMin 0s: must be positive"},
	}
	for _, c := range cases {
		got := fs.Invalid(c.err)
		var u UsageError
		if !errors.As(got, &u) || u.Msg != c.want {
			t.Errorf("Invalid(%v) = %#v, want usage error %q", c.err, got, c.want)
		}
	}
	// Any other invalid config is a usage error too, worded as it is.
	var u UsageError
	if err := fs.Invalid(errors.New("topics must differ")); !errors.As(err, &u) || u.Msg != "topics must differ" {
		t.Errorf("Invalid(plain error) = %#v, want the usage error of the same words", err)
	}
	if fs.Invalid(nil) != nil {
		t.Error("Invalid(nil) is not nil")
	}
}

func TestKebab(t *testing.T) {
	for in, want := range map[string]string{
		"Workers": "workers", "UntilIdleMax": "until-idle-max", "OrgID": "org-id", "PIIKey": "pii-key",
		"URL": "url", "IDs": "ids", "BatchRows": "batch-rows", "HTTPServer": "http-server",
	} {
		if got := kebab(in); got != want {
			t.Errorf("kebab(%q) = %q, want %q", in, got, want)
		}
	}
}

// A password in --clickhouse is refused on the command line, where ps shows
// it, and accepted from the variable; the refusal masks it.
func TestPasswordOnlyFromTheEnvironment(t *testing.T) {
	const withPassword = "clickhouse://u:hunter2@h:9000/db"
	fs, _, w := connectionFlags()
	_, err := fs.ParseEnv([]string{"--clickhouse", withPassword}, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "readable by every user") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("--clickhouse with a password: %v, want a refusal that masks it", err)
	}
	fs, _, w = connectionFlags()
	if _, err := fs.ParseEnv(nil, func(v string) string {
		if v == "SERVICEPULSE_CLICKHOUSE" {
			return withPassword
		}
		return ""
	}); err != nil || w.DSN != withPassword {
		t.Errorf("$SERVICEPULSE_CLICKHOUSE with a password: %v, DSN %q", err, w.DSN)
	}
}
