package reports

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// WriteActions prints improvement actions as a table.
func WriteActions(w io.Writer, list []Action) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "id\tkpi\towner\tdue\tbaseline\tcreated\tnote")
	for _, a := range list {
		b := "no data"
		if a.Baseline != nil {
			b = fmt.Sprintf("%.2f (%s)", *a.Baseline, a.BaselinePeriod)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.KPI, a.Owner, a.Due.Format(time.DateOnly), b,
			a.CreatedAt.Format(time.RFC3339), a.Note)
	}
	return tw.Flush()
}
