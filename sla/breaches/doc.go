// Package breaches lists the broken promises of service requests, one entry
// per breach, with the clause it breaks (appendix 2 of the contract lists
// the breach types) and how late it is in business hours.
//
// The list selects exactly what the breach KPIs of package metrics count,
// with the catalog's own conditions (metrics.Milestones, metrics.LatePart)
// over the cohort of a metrics.Query. How late a breach is needs the business
// clock of the terms that govern each request (sla.Policies), which a query
// cannot compute, so it is measured here, request by request.
package breaches
