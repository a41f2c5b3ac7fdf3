package warehouse

import (
	"context"
	"fmt"
	"time"

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
		if err := appendValues(batch.Column(i), values); err != nil {
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

// appendValues appends a chunk of one column's values. The driver appends
// a slice of arrays ([][]T) by reflection, element by element, even when
// most arrays are empty (a state's parts, complaints and clock runs): a
// fifth of a refresh's write. One AppendRow per array takes its typed path.
func appendValues(col driver.BatchColumn, values any) error {
	switch v := values.(type) {
	case [][]time.Time:
		return appendRows(col, v)
	case [][]uint8:
		return appendRows(col, v)
	case [][]string:
		return appendRows(col, v)
	case [][]float64:
		return appendRows(col, v)
	}
	return col.Append(values)
}

func appendRows[E any](col driver.BatchColumn, rows [][]E) error {
	for _, r := range rows {
		if err := col.AppendRow(r); err != nil {
			return err
		}
	}
	return nil
}
