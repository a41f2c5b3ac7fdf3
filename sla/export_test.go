package sla

import "servicepulse/warehouse"

// The refresher's lookups of changed requests and of the requests on their
// serials, for the test on current ClickHouse, and the external table the
// lookups name.
const (
	ChangedRequests   = changedRequests
	SerialsOfRequests = serialsOfRequests
	RequestsOnSerials = requestsOnSerials
	ListTable         = warehouse.ListTable
)
