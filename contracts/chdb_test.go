//go:build chdb

package contracts_test

import (
	"fmt"
	"testing"

	"servicepulse/internal/chdbtest"
)

// sql/0005_contract_terms.sql also runs on current ClickHouse, which is what
// users run, and the table behaves there as Load and Read expect: a version
// inserted twice, the second time with changed terms, reads back once with
// the newer terms, amounts exact, arrays intact.
func TestIntegrationContractTermsOnCurrentClickHouse(t *testing.T) {
	s := chdbtest.Session(t)

	cols := chdbtest.Query(t, s, `SELECT name, type FROM system.columns
		WHERE database = currentDatabase() AND table = 'contract_terms' ORDER BY position`)
	const wantCols = "contract_id\tString\neffective_from\tDateTime('UTC')\nname\tString\n" +
		"response_hours\tFloat64\nonsite_hours\tFloat64\nparts_days\tFloat64\n" +
		"warranty_years\tUInt8\nextension_years\tUInt8\ncalendar\tString\nsupport_window\tString\n" +
		"repair_window\tString\nhotline\tString\nonline_channel\tString\n" +
		"timezone\tString\npause_reasons\tArray(String)\nfee_call_out\tDecimal(18, 2)\n" +
		"fee_hourly\tDecimal(18, 2)\nparts_markup_percent\tDecimal(18, 2)\n" +
		"target_kpis\tArray(String)\ntarget_values\tArray(Float64)\n" +
		"weight_kpis\tArray(String)\nweight_values\tArray(Float64)\nupdated_at\tDateTime('UTC')" +
		"\nwarn_hours\tFloat64"
	if cols != wantCols {
		t.Fatalf("contract_terms columns on current ClickHouse:\n%s\nwant:\n%s", cols, wantCols)
	}

	const insert = `INSERT INTO contract_terms (contract_id, effective_from, name, response_hours, onsite_hours, parts_days,
		warranty_years, extension_years, calendar, support_window, timezone, pause_reasons,
		fee_call_out, fee_hourly, parts_markup_percent, target_kpis, target_values, weight_kpis, weight_values, updated_at)
		VALUES ('CT-GOLD', '2023-12-31 16:00:00', 'Gold', %s, 24, 3, 2, 1, 'prc', '09:00-18:00', 'Asia/Shanghai',
		['waiting_customer', 'customer_unreachable'], '80.05', '120.00', '10.5',
		['csat', 'reply_sla_rate'], [90.5, 95], ['reply_sla_rate'], [15], '%s')`
	chdbtest.Query(t, s, fmt.Sprintf(insert, "4", "2026-11-01 00:00:00"))
	chdbtest.Query(t, s, fmt.Sprintf(insert, "2.5", "2026-11-01 00:00:01"))

	got := chdbtest.Query(t, s, `SELECT count(), any(contract_id), any(effective_from), any(response_hours),
		any(pause_reasons), any(fee_call_out), any(fee_hourly), any(parts_markup_percent),
		any(target_values)[indexOf(any(target_kpis), 'reply_sla_rate')]
		FROM contract_terms FINAL
		SETTINGS output_format_decimal_trailing_zeros = 1`)
	const want = "1\tCT-GOLD\t2023-12-31 16:00:00\t2.5\t['waiting_customer','customer_unreachable']\t80.05\t120.00\t10.50\t95"
	if got != want {
		t.Fatalf("contract_terms FINAL after two loads of one version:\n got %q\nwant %q", got, want)
	}
}
