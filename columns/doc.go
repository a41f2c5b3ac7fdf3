// Package columns declares the columns of a ClickHouse table once, for the
// Go row type written to it or read from it.
//
// A table's Go code used to carry its column names in one list and the values
// in another, matched to the .sql file by position only: swapping two columns
// of the same type (region, channel) compiled, inserted and passed. A Table
// puts each column's name, ClickHouse type, value and scan destination side
// by side, and the INSERT column list, the values to append (row by row or
// column by column), the SELECT list and the scan destinations are all
// derived from it. Tests hold each declaration against system.columns and
// make a round trip by column name (see the package's tests).
//
// The package uses generics only, no reflection, and depends on the standard
// library alone.
package columns
