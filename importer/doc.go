// Package importer is `servicepulse import`: it backfills Kafka from an
// existing system's export. It reads JSON Lines (one event per line) and CSV
// (a header of dotted field paths, `product.serial`), checks every event with
// the same transform ingest runs, and produces the valid ones to the topic of
// their kind, keyed by request_id, as the generator does.
//
// What it promises:
//
//   - One decode path. A CSV row becomes a JSON object (cells typed from the
//     event contract's JSON Schema, see fieldTypes) and then goes where a
//     JSON line goes: transform.DecodeRecord or DecodeFeedback. What import
//     accepts, ingest stores; what it refuses, ingest would reject with the
//     same reason.
//   - No personal data in what it prints. A bad line is reported as
//     `file:line: reason (detail)`, where reason is a transform.Reason (or
//     bad_csv) and detail names a field or a rule, never a value; the
//     progress log and the summary hold counts and file names only.
//   - Nothing invalid is sent unless Config.SendInvalid: then ingest rejects
//     it to the DLQ as usual. Valid lines are sent either way (event ids
//     deduplicate a second import), and Run's error wraps ErrInvalid when
//     any line was invalid.
package importer
