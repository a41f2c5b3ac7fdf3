// Package sql holds the ClickHouse schema as numbered migration files and
// applies them.
//
// # Files
//
// Each NNNN_name.sql file in this folder is one migration, embedded in the
// binary. A file may hold several statements separated by ';' and '--'
// comments. Files are applied in version order and never edited once
// applied: Migrate refuses to run when an applied file's SQL has changed
// (comments and whitespace may change freely). Change the schema by adding a
// file.
//
// # Idempotence instead of locks
//
// ClickHouse has no transactions and no advisory locks, so two processes
// that start at once both migrate. That is made harmless rather than
// prevented: every statement must have an idempotent form (see Idempotent;
// Migrations rejects any other), and the record table schema_migrations is a
// ReplacingMergeTree keyed by version, so a migration recorded twice counts
// once when read with FINAL.
//
// Every statement must run on ClickHouse 18.16 (the server this project
// deploys) and on current ClickHouse (what users run, tested in-process with
// chdb). 18.16 has no ADD COLUMN IF NOT EXISTS; write a plain
// "ALTER TABLE t ADD COLUMN c …", one column per statement, and Migrate skips
// it when the column exists. INSERTs (seed data) are not migrations: load
// them with a batch insert where they are needed.
package sql
