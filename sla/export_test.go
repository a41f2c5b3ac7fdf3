package sla

// ChangedRequests is the refresher's lookup of changed requests and their
// siblings, for the test on current ClickHouse.
const ChangedRequests = changedRequests
