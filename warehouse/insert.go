package warehouse

import (
	"context"
	"fmt"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"servicepulse/columns"
)

// Insert writes rows into the table of their declaration in one insert,
// column by column (columns.Table.AppendColumns): the driver appends whole
// columns far faster than row by row. Its errors name the table, and the
// column whose values the driver refused.
func Insert[T any](ctx context.Context, conn driver.Conn, table *columns.Table[T], rows []T) error {
	batch, err := conn.PrepareBatch(ctx, table.InsertSQL())
	if err != nil {
		return fmt.Errorf("prepare insert into %s: %w", table.Name(), err)
	}
	defer batch.Abort()
	if err := table.AppendColumns(rows, func(i int, values any) error {
		if err := batch.Column(i).Append(values); err != nil {
			return fmt.Errorf("insert %d rows into %s: column %s: %w", len(rows), table.Name(), table.Names()[i], err)
		}
		return nil
	}); err != nil {
		return err
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert %d rows into %s: %w", len(rows), table.Name(), err)
	}
	return nil
}
