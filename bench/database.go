package bench

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"runtime"
	"strconv"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/internal/fields"
	"servicepulse/internal/secrets"
	"servicepulse/sql"
	"servicepulse/warehouse"
)

// freshDatabase resets the command's own database (warehouse.ResetDatabase:
// only if it carries the command's marker) and migrates it.
func freshDatabase(ctx context.Context, o warehouse.OwnDatabase, log *slog.Logger) (conn driver.Conn, err error) {
	if err := o.Prepare(ctx, true, log); err != nil {
		return nil, err
	}
	if conn, err = warehouse.Open(ctx, o.Config(o.DSN), log); err != nil {
		return nil, err
	}
	if _, err := sql.MigrateCluster(ctx, conn, o.Cluster, warehouse.Dialer(o.Config(o.DSN)), log); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// validateServer checks the server DSN and the database name of a harness.
func validateServer(dsn, database string) error {
	if u, err := url.Parse(dsn); err != nil || u.Host == "" {
		return fields.Errorf("ClickHouse", strconv.Quote(secrets.Mask(dsn)), "want clickhouse://host:port")
	}
	if err := warehouse.ValidateDatabaseName(database); err != nil {
		return fields.Errorf("Database", nil, "%v", err)
	}
	return nil
}

// machine describes the hardware a result was measured on.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range bytes.Split(b, []byte("\n")) {
			if v, ok := bytes.CutPrefix(line, []byte("model name")); ok {
				model = string(bytes.TrimSpace(bytes.TrimLeft(v, "\t :")))
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d cores, %s/%s", model, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
}
