// Package calendar measures business time for service contracts: "reply
// within 4 business hours" means 4 hours inside the contract's support window
// on the working days of its calendar, in the contract's time zone.
//
// A Calendar says which local dates are working days. The built-in calendars
// are "prc" (the PRC working calendar: Monday–Friday minus statutory holidays,
// plus the make-up working days, 调休, of the State Council notices, kept as
// data in data/prc.yaml), "mon-fri" and "24x7". The PRC data covers the years
// Calendar.Covers reports (2024–2026); other years fall back to plain
// Monday–Friday, and callers should warn when they measure such a year.
//
// A Clock combines a Calendar, a daily Window (09:00–18:00, or AllDay) and a
// time zone (default Asia/Shanghai) and answers two questions exactly, to the
// nanosecond, with no floating point:
//
//   - Elapsed(from, to, pauses...): business time between two instants, minus
//     the business time inside pauses of the SLA clock;
//   - Deadline(from, d, pauses...): the earliest instant by which d business
//     time has elapsed. A request opened outside the window starts counting at
//     the next opening; d == 0 yields the next business instant.
//
// Both are O(log days): each Clock keeps, per local year, the cumulative
// business seconds before every date, built on first use. Elapsed is then a
// difference of two table lookups and Deadline a binary search for the
// inverse. Window bounds are computed per local date with time.Date, so the
// arithmetic is right in zones with daylight saving time too.
//
// Clocks and Calendars are safe for concurrent use. Build a Clock once per
// contract configuration, or call ClockFor, which caches them.
package calendar
