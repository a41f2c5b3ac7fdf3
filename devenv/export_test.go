package devenv

// Hooks for the integration tests of package devenv_test, which is external
// because it uses internal/testenv, which imports this package.
var (
	Ping       = ping
	FindServer = findServer
	Alive      = alive
)

const PIDFileName = pidFileName

var FindZooKeeper = findZooKeeper
