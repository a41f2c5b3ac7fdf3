package ingest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/shopspring/decimal"

	"servicepulse/transform"
)

// ClickHouseSink writes batches into the fact tables and the rejects table.
// Writes are idempotent because of the tables' engines (see package doc).
type ClickHouseSink struct {
	conn driver.Conn
	now  func() time.Time
}

// NewClickHouseSink returns a sink writing through conn.
func NewClickHouseSink(conn driver.Conn) *ClickHouseSink {
	return &ClickHouseSink{conn: conn, now: time.Now}
}

var (
	eventColumns = []string{
		"event_id", "event_type", "schema_version", "occurred_at", "request_id", "contract_id", "partner_id",
		"channel", "region", "product_serial", "product_model", "purchase_date", "customer_ref",
		"technician_id", "technician_certified", "visit_no", "planned_follow_up",
		"part_line_id", "part_no", "part_quantity", "part_from_stock",
		"cause", "warranty", "parts_fee", "labour_fee", "currency",
		"pause_reason", "reopen_reason", "has_note",
		"src_topic", "src_partition", "src_offset", "ingested_at",
	}
	feedbackColumns = []string{
		"event_id", "event_type", "schema_version", "occurred_at", "request_id", "contract_id", "partner_id",
		"customer_ref", "csat", "nps", "ces", "complaint_id", "complaint_category", "complaint_severity",
		"has_comment", "src_topic", "src_partition", "src_offset", "ingested_at",
	}
	rejectColumns = []string{
		"src_topic", "src_partition", "src_offset", "reason", "detail", "payload",
		"payload_size", "payload_sha256", "rejected_at",
	}
)

func insertSQL(table string, cols []string) string {
	return "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ")"
}

// Write inserts the batch's rows, one insert per table. A failed write may
// have stored some rows; the retry stores them again, which the engines collapse.
func (s *ClickHouseSink) Write(ctx context.Context, b *Batch) error {
	now := s.now().UTC().Truncate(time.Second)
	if len(b.Events) > 0 {
		if err := s.insert(ctx, "service_events", eventColumns, eventColumnsOf(b.Events, now)); err != nil {
			return err
		}
	}
	if len(b.Feedback) > 0 {
		if err := s.insert(ctx, "feedback", feedbackColumns, feedbackColumnsOf(b.Feedback, now)); err != nil {
			return err
		}
	}
	if len(b.Rejects) > 0 {
		if err := s.insert(ctx, "rejects", rejectColumns, rejectColumnsOf(b.Rejects, now)); err != nil {
			return err
		}
	}
	return nil
}

func (s *ClickHouseSink) insert(ctx context.Context, table string, names []string, cols []any) error {
	batch, err := s.conn.PrepareBatch(ctx, insertSQL(table, names))
	if err != nil {
		return fmt.Errorf("prepare insert into %s: %w", table, err)
	}
	defer batch.Abort()
	for i, col := range cols {
		if err := batch.Column(i).Append(col); err != nil {
			return fmt.Errorf("insert into %s: column %s: %w", table, names[i], err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert into %s: %w", table, err)
	}
	return nil
}

// epoch stands for "no date": Date columns cannot hold Go's zero time.
var epoch = time.Unix(0, 0).UTC()

func dateOrEpoch(t time.Time) time.Time {
	if t.IsZero() {
		return epoch
	}
	return t
}

func u8(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// eventColumnsOf lays the rows out column by column, in eventColumns order:
// the driver appends whole columns far faster than row by row.
func eventColumnsOf(rows []transform.ServiceEvent, now time.Time) []any {
	n := len(rows)
	var (
		eventID, eventType, requestID, contractID, partnerID     = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		channel, region, serial, model, customer, technician     = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		lineID, partNo, cause, warranty, currency, pause, reopen = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		version, certified, followUp, fromStock, hasNote         = make([]uint8, n), make([]uint8, n), make([]uint8, n), make([]uint8, n), make([]uint8, n)
		visit, qty                                               = make([]uint16, n), make([]uint16, n)
		occurred, purchase, ingested                             = make([]time.Time, n), make([]time.Time, n), make([]time.Time, n)
		partsFee, labourFee                                      = make([]decimal.Decimal, n), make([]decimal.Decimal, n)
		topic, partition, offset                                 = make([]string, n), make([]int32, n), make([]int64, n)
	)
	for i := range rows {
		r := &rows[i]
		eventID[i], eventType[i], version[i], occurred[i] = r.EventID, r.EventType, r.SchemaVersion, r.OccurredAt
		requestID[i], contractID[i], partnerID[i] = r.RequestID, r.ContractID, r.PartnerID
		channel[i], region[i], serial[i], model[i] = r.Channel, r.Region, r.ProductSerial, r.ProductModel
		purchase[i], customer[i] = dateOrEpoch(r.PurchaseDate), r.CustomerRef
		technician[i], certified[i], visit[i], followUp[i] = r.TechnicianID, u8(r.TechnicianCertified), r.VisitNo, u8(r.PlannedFollowUp)
		lineID[i], partNo[i], qty[i], fromStock[i] = r.PartLineID, r.PartNo, r.PartQuantity, u8(r.PartFromStock)
		cause[i], warranty[i], partsFee[i], labourFee[i], currency[i] = r.Cause, r.Warranty, r.PartsFee, r.LabourFee, r.Currency
		pause[i], reopen[i], hasNote[i] = r.PauseReason, r.ReopenReason, u8(r.HasNote)
		topic[i], partition[i], offset[i], ingested[i] = r.Source.Topic, r.Source.Partition, r.Source.Offset, now
	}
	return []any{
		eventID, eventType, version, occurred, requestID, contractID, partnerID,
		channel, region, serial, model, purchase, customer,
		technician, certified, visit, followUp,
		lineID, partNo, qty, fromStock,
		cause, warranty, partsFee, labourFee, currency,
		pause, reopen, hasNote,
		topic, partition, offset, ingested,
	}
}

func feedbackColumnsOf(rows []transform.FeedbackEvent, now time.Time) []any {
	n := len(rows)
	var (
		eventID, eventType, requestID, contractID, partnerID, customer = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		complaintID, category, severity, topic                         = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		version, hasComment                                            = make([]uint8, n), make([]uint8, n)
		csat, nps, ces                                                 = make([]int8, n), make([]int8, n), make([]int8, n)
		occurred, ingested                                             = make([]time.Time, n), make([]time.Time, n)
		partition, offset                                              = make([]int32, n), make([]int64, n)
	)
	for i := range rows {
		r := &rows[i]
		eventID[i], eventType[i], version[i], occurred[i] = r.EventID, r.EventType, r.SchemaVersion, r.OccurredAt
		requestID[i], contractID[i], partnerID[i], customer[i] = r.RequestID, r.ContractID, r.PartnerID, r.CustomerRef
		csat[i], nps[i], ces[i] = r.CSAT, r.NPS, r.CES
		complaintID[i], category[i], severity[i], hasComment[i] = r.ComplaintID, r.ComplaintCategory, r.ComplaintSeverity, u8(r.HasComment)
		topic[i], partition[i], offset[i], ingested[i] = r.Source.Topic, r.Source.Partition, r.Source.Offset, now
	}
	return []any{
		eventID, eventType, version, occurred, requestID, contractID, partnerID,
		customer, csat, nps, ces, complaintID, category, severity,
		hasComment, topic, partition, offset, ingested,
	}
}

func rejectColumnsOf(rows []transform.Reject, now time.Time) []any {
	n := len(rows)
	var (
		topic, reason, detail, payload, digest = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		partition                              = make([]int32, n)
		offset                                 = make([]int64, n)
		size                                   = make([]uint32, n)
		at                                     = make([]time.Time, n)
	)
	for i := range rows {
		r := &rows[i]
		topic[i], partition[i], offset[i] = r.Source.Topic, r.Source.Partition, r.Source.Offset
		reason[i], detail[i], payload[i] = string(r.Reason), r.Detail, r.Payload
		size[i], digest[i], at[i] = uint32(r.PayloadSize), r.PayloadSHA256, now
	}
	return []any{topic, partition, offset, reason, detail, payload, size, digest, at}
}
