package transform

import (
	"time"

	"github.com/shopspring/decimal"

	"servicepulse/columns"
)

// The fact tables' columns, declared once, in the order of their .sql files
// (sql/0001_service_events.sql, 0002_feedback.sql, 0003_rejects.sql). The
// sink derives its INSERT statements and values from them, readers their
// SELECT lists and scans; a test holds them against system.columns.
var (
	// ServiceEventsTable declares service_events, one ServiceEvent a row.
	ServiceEventsTable = columns.NewTable("service_events",
		columns.Field("event_id", "String", func(r *ServiceEvent) *string { return &r.EventID }),
		columns.Field("event_type", "LowCardinality(String)", func(r *ServiceEvent) *string { return &r.EventType }),
		columns.Field("schema_version", "UInt8", func(r *ServiceEvent) *uint8 { return &r.SchemaVersion }),
		columns.Field("occurred_at", "DateTime('UTC')", func(r *ServiceEvent) *time.Time { return &r.OccurredAt }),
		columns.Field("request_id", "String", func(r *ServiceEvent) *string { return &r.RequestID }),
		columns.Field("contract_id", "LowCardinality(String)", func(r *ServiceEvent) *string { return &r.ContractID }),
		columns.Field("partner_id", "LowCardinality(String)", func(r *ServiceEvent) *string { return &r.PartnerID }),
		columns.Field("channel", "LowCardinality(String)", func(r *ServiceEvent) *string { return &r.Channel }),
		columns.Field("region", "LowCardinality(String)", func(r *ServiceEvent) *string { return &r.Region }),
		columns.Field("product_serial", "String", func(r *ServiceEvent) *string { return &r.ProductSerial }),
		columns.Field("product_model", "LowCardinality(String)", func(r *ServiceEvent) *string { return &r.ProductModel }),
		columns.Time("purchase_date", "Date", func(r *ServiceEvent) *time.Time { return &r.PurchaseDate }),
		columns.Field("customer_ref", "String", func(r *ServiceEvent) *string { return &r.CustomerRef }),
		columns.Field("technician_id", "String", func(r *ServiceEvent) *string { return &r.TechnicianID }),
		columns.Bool("technician_certified", func(r *ServiceEvent) *bool { return &r.TechnicianCertified }),
		columns.Field("visit_no", "UInt16", func(r *ServiceEvent) *uint16 { return &r.VisitNo }),
		columns.Bool("planned_follow_up", func(r *ServiceEvent) *bool { return &r.PlannedFollowUp }),
		columns.Field("part_line_id", "String", func(r *ServiceEvent) *string { return &r.PartLineID }),
		columns.Field("part_no", "String", func(r *ServiceEvent) *string { return &r.PartNo }),
		columns.Field("part_quantity", "UInt16", func(r *ServiceEvent) *uint16 { return &r.PartQuantity }),
		columns.Bool("part_from_stock", func(r *ServiceEvent) *bool { return &r.PartFromStock }),
		columns.Field("cause", "LowCardinality(String)", func(r *ServiceEvent) *string { return &r.Cause }),
		columns.Field("warranty", "LowCardinality(String)", func(r *ServiceEvent) *string { return &r.Warranty }),
		columns.Field("parts_fee", "Decimal(18, 2)", func(r *ServiceEvent) *decimal.Decimal { return &r.PartsFee }),
		columns.Field("labour_fee", "Decimal(18, 2)", func(r *ServiceEvent) *decimal.Decimal { return &r.LabourFee }),
		columns.Field("currency", "LowCardinality(String)", func(r *ServiceEvent) *string { return &r.Currency }),
		columns.Field("pause_reason", "LowCardinality(String)", func(r *ServiceEvent) *string { return &r.PauseReason }),
		columns.Field("reopen_reason", "String", func(r *ServiceEvent) *string { return &r.ReopenReason }),
		columns.Bool("has_note", func(r *ServiceEvent) *bool { return &r.HasNote }),
		columns.Field("src_topic", "LowCardinality(String)", func(r *ServiceEvent) *string { return &r.Source.Topic }),
		columns.Field("src_partition", "Int32", func(r *ServiceEvent) *int32 { return &r.Source.Partition }),
		columns.Field("src_offset", "Int64", func(r *ServiceEvent) *int64 { return &r.Source.Offset }),
		columns.Field("ingested_at", "DateTime('UTC')", func(r *ServiceEvent) *time.Time { return &r.IngestedAt }),
	)

	// FeedbackTable declares feedback, one FeedbackEvent a row.
	FeedbackTable = columns.NewTable("feedback",
		columns.Field("event_id", "String", func(r *FeedbackEvent) *string { return &r.EventID }),
		columns.Field("event_type", "LowCardinality(String)", func(r *FeedbackEvent) *string { return &r.EventType }),
		columns.Field("schema_version", "UInt8", func(r *FeedbackEvent) *uint8 { return &r.SchemaVersion }),
		columns.Field("occurred_at", "DateTime('UTC')", func(r *FeedbackEvent) *time.Time { return &r.OccurredAt }),
		columns.Field("request_id", "String", func(r *FeedbackEvent) *string { return &r.RequestID }),
		columns.Field("contract_id", "LowCardinality(String)", func(r *FeedbackEvent) *string { return &r.ContractID }),
		columns.Field("partner_id", "LowCardinality(String)", func(r *FeedbackEvent) *string { return &r.PartnerID }),
		columns.Field("customer_ref", "String", func(r *FeedbackEvent) *string { return &r.CustomerRef }),
		columns.Field("csat", "Int8", func(r *FeedbackEvent) *int8 { return &r.CSAT }),
		columns.Field("nps", "Int8", func(r *FeedbackEvent) *int8 { return &r.NPS }),
		columns.Field("ces", "Int8", func(r *FeedbackEvent) *int8 { return &r.CES }),
		columns.Field("complaint_id", "String", func(r *FeedbackEvent) *string { return &r.ComplaintID }),
		columns.Field("complaint_category", "LowCardinality(String)", func(r *FeedbackEvent) *string { return &r.ComplaintCategory }),
		columns.Field("complaint_severity", "LowCardinality(String)", func(r *FeedbackEvent) *string { return &r.ComplaintSeverity }),
		columns.Bool("has_comment", func(r *FeedbackEvent) *bool { return &r.HasComment }),
		columns.Field("src_topic", "LowCardinality(String)", func(r *FeedbackEvent) *string { return &r.Source.Topic }),
		columns.Field("src_partition", "Int32", func(r *FeedbackEvent) *int32 { return &r.Source.Partition }),
		columns.Field("src_offset", "Int64", func(r *FeedbackEvent) *int64 { return &r.Source.Offset }),
		columns.Field("ingested_at", "DateTime('UTC')", func(r *FeedbackEvent) *time.Time { return &r.IngestedAt }),
	)

	// RejectsTable declares rejects, one Reject a row. payload_size is not
	// read back (an int in Go, a UInt32 in the table).
	RejectsTable = columns.NewTable("rejects",
		columns.Field("src_topic", "LowCardinality(String)", func(r *Reject) *string { return &r.Source.Topic }),
		columns.Field("src_partition", "Int32", func(r *Reject) *int32 { return &r.Source.Partition }),
		columns.Field("src_offset", "Int64", func(r *Reject) *int64 { return &r.Source.Offset }),
		columns.Field("reason", "LowCardinality(String)", func(r *Reject) *string { return (*string)(&r.Reason) }),
		columns.Field("detail", "String", func(r *Reject) *string { return &r.Detail }),
		columns.Field("payload", "String", func(r *Reject) *string { return &r.Payload }),
		columns.Of("payload_size", "UInt32", func(r *Reject) uint32 { return uint32(r.PayloadSize) }, nil),
		columns.Field("payload_sha256", "String", func(r *Reject) *string { return &r.PayloadSHA256 }),
		columns.Field("rejected_at", "DateTime('UTC')", func(r *Reject) *time.Time { return &r.RejectedAt }),
	)
)
