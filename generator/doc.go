// Package generator makes realistic, seeded, deterministic synthetic traffic
// for servicepulse: the service-record and feedback messages of
// docs/events.md, as a fleet of after-sales partners would send them, plus, at
// a chosen rate, malformed messages that the pipeline must reject.
//
// It is an implementation of the wire format independent of transform's
// decoder (it imports transform only for the names of event types, enums and
// reject reasons), so that each checks the other: every valid message must be
// accepted, every malformed one rejected with exactly the reason it carries.
//
// # Contract
//
//   - Generate(cfg, emit) calls emit once per message. The same Config gives
//     the same messages, byte for byte, in the same order. The valid messages
//     do not depend on BadRate (the malformed ones draw from their own random
//     stream).
//   - Message.Key and Message.Value belong to the receiver, which may keep them.
//   - Every valid event happens in [cfg.From, cfg.Now), in +08:00 RFC 3339; the
//     messages of all requests are merged in time order, so a request's events
//     come in order. Event ids are unique: e-<ticket>-<n> (records),
//     f-<ticket>-<n> (feedback), x-<n> (malformed); request ids SR-<ticket>.
//     Ids restart with every run, so two runs with different seeds into the
//     same topics collide; the same seed twice is an exact redelivery.
//   - Malformed messages: about BadRate per valid message, interleaved; the
//     k-th has reason transform.Reasons[k mod 11] (a reason valid on both topics
//     alternates between them; rating_out_of_range is feedback only, bad_money
//     records only). Each is a valid event of a real request with its customer
//     object, broken in exactly one way, with a fresh event id.
//   - PersonalData(cfg) lists every clear-text personal value Generate(cfg)
//     writes (names, phones, addresses, e-mails, notes, comments).
//   - Produce writes with kafka-go: key hash partitioning, acks from all
//     replicas, lz4, batches of KafkaConfig.BatchSize, generation running ahead
//     of the writes by at most two batches, progress logged every 2 s.
//
// # The simulated world
//
// Five contracts (CT-PLATINUM 2 h reply / 4 h on site 24×7; CT-GOLD 4 h / 24 h,
// CT-SILVER 6 h / 36 h, CT-STANDARD 8 h / 48 h, CT-BASIC 24 h / 72 h in working
// hours; parts within 2–7 days). Seven partners: the seller's own networks
// PT-OWN-EAST (excellent) and PT-OWN-NORTH (good), third parties PT-SOUTH,
// PT-CENTRAL, PT-WEST, PT-NORTHEAST in between, and PT-QUICKFIX (poor: late,
// 30% uncertified technicians, repeat repairs, complaints, negative NPS).
// Seven product models with serial numbers. Requests arrive mostly in working
// hours, fewer on weekends and on the 2025–2026 PRC holidays (a traffic hint,
// not the pipeline's calendar), some at night. Each request lives through
// acknowledgement, dispatch, on-site or remote visits, parts, pauses, resolution
// (cause, warranty by purchase date, fees as JSON strings or numbers), reopening,
// closure or cancellation; some stall and stay open past their deadline, and
// some serials come back within 30 days. About 60% of resolved requests get a
// survey; complaints come more often where service went wrong. Measured on
// 20,000 tickets (realism_test.go): on-site SLA 95% vs 59%, first-time fix 82%
// vs 37%, NPS +75 vs −60 for the best and the worst partner.
//
// # Performance
//
// AMD EPYC, 2 cores (the development machine), Go 1.26:
//
//	100,000 tickets → 818,179 valid messages (743,098 records, 75,081 feedback),
//	                  826,357 with BadRate 0.01
//	Generate, one core (GOMAXPROCS=1), 100,000 tickets: 0.75–1.05 M msgs/s
//	  (BadRate 0.01; 0.6–0.9 M at 0.1, where 1 in 110 messages is 64 KiB);
//	  BenchmarkGenerate (10,000 tickets): ~1.3 M msgs/s, ~450 MB/s
//	Produce to the embedded kfake broker, same machine: ~390–410 k msgs/s
//	  (lz4; uncompressed ~245 k, snappy ~250–350 k, zstd ~190–280 k)
//
// Run: go test ./generator -bench . -run '^$'
package generator
