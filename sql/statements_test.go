package sql

import (
	"slices"
	"testing"
)

func TestStatements(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"only comments and blanks", "-- a;\n/* b; */\n ;\n;", nil},
		{"one without semicolon", "SELECT 1", []string{"SELECT 1"}},
		{"two", "SELECT 1;\nSELECT 2;\n", []string{"SELECT 1", "SELECT 2"}},
		{"semicolon in line comment", "-- versioned (ReplacingMergeTree); contracts too\nCREATE TABLE t (a String);",
			[]string{"CREATE TABLE t (a String)"}},
		{"comment at end without newline", "SELECT 1 -- done;", []string{"SELECT 1"}},
		{"comment between tokens", "SELECT--x\n1", []string{"SELECT 1"}},
		{"block comment", "SELECT /* ; -- */ 1; SELECT 2", []string{"SELECT 1", "SELECT 2"}},
		{"unterminated block comment", "SELECT 1 /* ;", []string{"SELECT 1"}},
		{"whitespace collapses", "CREATE TABLE t\n(\n    a    String,\n\tb UInt8\n)\r\nORDER BY a",
			[]string{"CREATE TABLE t ( a String, b UInt8 ) ORDER BY a"}},
		{"string keeps semicolon, comment marker and spaces", "SELECT 'a;  -- b'; SELECT 2",
			[]string{"SELECT 'a;  -- b'", "SELECT 2"}},
		{"backslash-escaped quote", `SELECT 'it\'s; fine'; SELECT 2`, []string{`SELECT 'it\'s; fine'`, "SELECT 2"}},
		{"doubled quote", "SELECT 'a'';b'; SELECT 2", []string{"SELECT 'a'';b'", "SELECT 2"}},
		{"quoted identifiers", "SELECT `a;b`, \"c;d\" FROM t", []string{"SELECT `a;b`, \"c;d\" FROM t"}},
		{"unterminated string runs to end", "SELECT 'a; b", []string{"SELECT 'a; b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Statements(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("Statements(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}
