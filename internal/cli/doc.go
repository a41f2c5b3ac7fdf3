// Package cli is the command-line machinery of servicepulse: the program's
// command table and help, flag sets whose flags may also come from
// environment variables, usage errors and exit statuses, and the flag
// groups that many commands share.
//
// A command builds its flag set with App.NewFlagSet, adds the groups it
// reads (KafkaFlags, ClickHouseFlags, LogFlags, WarehouseFlags, TopicFlags,
// CohortFlags, GrafanaFlags)
// and its own flags, and parses. A flag is registered with its built-in
// default, so help shows that default; after parsing, every flag not on the
// command line whose environment variable is set takes the variable's value,
// and then the flag checks run. Precedence: flag > environment > built-in
// default. Parsing answers -h and --help with the help (ErrHelpShown) and
// turns every mistake into a UsageError (exit status 2).
//
// A group is a struct of the values of its flags with a Register method
// (the Group interface): it is written once, here, and added by every
// command that reads it. A new shared group (the cluster's, TLS and SASL
// settings) is one more such struct beside these; a group of groups, like
// WarehouseFlags, embeds them.
package cli
