package sla

// The refresher's lookups of changed requests and of the requests on their
// serials, for the test on current ClickHouse.
const (
	ChangedRequests   = changedRequests
	SerialsOfRequests = serialsOfRequests
	RequestsOnSerials = requestsOnSerials
)
