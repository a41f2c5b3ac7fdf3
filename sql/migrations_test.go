package sql

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestShippedMigrations is the guard that makes concurrent Migrate runs safe:
// every statement of every shipped file must have an idempotent form.
func TestShippedMigrations(t *testing.T) {
	migs, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(migs) == 0 {
		t.Fatal("no migrations embedded")
	}
	for i, m := range migs {
		if i > 0 && m.Version <= migs[i-1].Version {
			t.Errorf("%s sorted after %s", m.Name, migs[i-1].Name)
		}
		for _, s := range m.Statements {
			if !Idempotent(s) {
				t.Errorf("%s: statement is not idempotent: %s", m.Name, s)
			}
		}
	}
}

func TestIdempotent(t *testing.T) {
	tests := []struct {
		stmt string
		want bool
	}{
		{"CREATE TABLE IF NOT EXISTS t (a String) ENGINE = Log", true},
		{"create table if not exists t (a String) ENGINE = Log", true},
		{"CREATE VIEW IF NOT EXISTS v AS SELECT 1", true},
		{"CREATE MATERIALIZED VIEW IF NOT EXISTS v ENGINE = Log AS SELECT 1", true},
		{"CREATE DATABASE IF NOT EXISTS d", true},
		{"DROP TABLE IF EXISTS t", true},
		{"DROP VIEW IF EXISTS v", true},
		{"ALTER TABLE t MODIFY COLUMN a Decimal(18, 2)", true},
		{"ALTER TABLE t ADD COLUMN fee Decimal(18, 2) DEFAULT 0 AFTER a", true},
		{"ALTER TABLE t ADD COLUMN e Enum8('a' = 1, 'b' = 2)", true},

		{"CREATE TABLE t (a String) ENGINE = Log", false},
		{"DROP TABLE t", false},
		{"ALTER TABLE t DROP COLUMN a", false},
		{"ALTER TABLE t ADD COLUMN IF NOT EXISTS a String", false},                       // 18.16 cannot parse it
		{"ALTER TABLE db.t ADD COLUMN a String", false},                                  // the column check needs an unqualified table
		{"ALTER TABLE t ADD COLUMN a String, ADD COLUMN b Decimal(18, 2) AFTER a", true}, // only ADD COLUMNs: each is checked
		{"ALTER TABLE t ADD COLUMN a String, DROP COLUMN b", false},
		{"ALTER TABLE t ADD COLUMN a String, ADD COLUMN IF NOT EXISTS b String", false},
		{"ALTER TABLE t MODIFY COLUMN a String, DROP COLUMN b", false},
		{"ALTER TABLE t DELETE WHERE 1", false},
		{"INSERT INTO t (a) VALUES ('x')", false},
		{"INSERT INTO request_serials (product_serial, request_id) SELECT product_serial, request_id FROM service_events", true}, // readers ask DISTINCT
		{"INSERT INTO request_state (request_id) SELECT request_id FROM service_events", false},                                  // a KPI would count a copy twice
		{"INSERT INTO request_serials SELECT product_serial, request_id FROM service_events", false},                             // columns named, as 18.16 needs
		{"RENAME TABLE a TO b", false},
		{"TRUNCATE TABLE t", false},
		{"DROP DATABASE IF EXISTS d", false}, // the user's database is not ours to drop
	}
	for _, tt := range tests {
		t.Run(tt.stmt, func(t *testing.T) {
			if got := Idempotent(tt.stmt); got != tt.want {
				t.Errorf("Idempotent(%q) = %v, want %v", tt.stmt, got, tt.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	ok := &fstest.MapFile{Data: []byte("CREATE TABLE IF NOT EXISTS t (a String) ENGINE = Log;")}
	tests := []struct {
		name    string
		files   fstest.MapFS
		wantErr string // empty: no error
	}{
		{"good", fstest.MapFS{"0002_b.sql": ok, "0001_a.sql": ok, "README.md": ok}, ""},
		{"no number", fstest.MapFS{"feedback.sql": ok}, `migration file "feedback.sql": name must be NNNN_name.sql`},
		{"three digits", fstest.MapFS{"001_a.sql": ok}, `migration file "001_a.sql"`},
		{"upper case", fstest.MapFS{"0001_A.sql": ok}, `migration file "0001_A.sql"`},
		{"duplicate version", fstest.MapFS{"0001_a.sql": ok, "0001_b.sql": ok}, `have the same version 1`},
		{"empty file", fstest.MapFS{"0001_a.sql": {Data: []byte("-- nothing yet;\n")}}, "0001_a.sql has no statements"},
		{"not idempotent", fstest.MapFS{"0001_a.sql": {Data: []byte("CREATE TABLE t (a String) ENGINE = Log")}}, "is not idempotent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			migs, err := parse(tt.files)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parse: error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(migs) != 2 || migs[0].Name != "0001_a.sql" || migs[1].Version != 2 {
				t.Fatalf("parse: got %+v, want 0001_a.sql then version 2", migs)
			}
		})
	}
}

func TestChecksumIgnoresCommentsAndLayout(t *testing.T) {
	a := checksum(Statements("-- v1\nCREATE TABLE IF NOT EXISTS t (a String)\nENGINE = Log;"))
	b := checksum(Statements("/* reworded */ CREATE TABLE IF NOT EXISTS t\n    (a String)\nENGINE  =  Log -- done"))
	c := checksum(Statements("CREATE TABLE IF NOT EXISTS t (a UInt8) ENGINE = Log"))
	if a != b {
		t.Error("comment and whitespace changes altered the checksum")
	}
	if a == c {
		t.Error("a changed column type kept the checksum")
	}
}
