// Package timeline explains one service request: its events in order, the
// contract version and calendar that judge it, and each promise (reply, on
// site, each part line, resolution) with its deadline, the business hours
// used, the pauses, and whether it was met, breached or is still open; its
// first-time-fix and repeat status, and its feedback
// (`servicepulse request ID`).
//
// Nothing here computes an SLA number of its own. The state comes from
// sla.States, the refresher's build without the write (the same loader,
// terms lookup, Build and repeat marking), so the deadlines and business
// hours are the ones request_state holds. What a state does not store (the
// hours used so far by an open promise, the pauses one by one) is measured
// with the same business clock (sla.Policy) and pauses (sla.Pauses). The
// outcome of a promise follows the catalog's breach conditions
// (metrics/catalog.go: due, met, breached; metrics.LatePart), and how late a
// breach is follows the breach listing (package sla/breaches): business
// hours from the deadline to the milestone, or to the as-of instant.
package timeline
