package sql

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

//go:embed *.sql
var files embed.FS

// Migration is one numbered file of this folder, split into statements.
type Migration struct {
	Version    int      // the NNNN of NNNN_name.sql
	Name       string   // the file name, e.g. "0002_feedback.sql"
	Statements []string // as returned by Statements
	// Checksum is the SHA-256 of the statements, so editing a comment or
	// re-indenting a file does not count as a change, but editing SQL does.
	Checksum string
}

// Migrations returns the migrations shipped in this binary, in version order.
// It fails on a file not named NNNN_name.sql, on two files with the same
// version, on a file without statements, and on a statement that is not of an
// idempotent form (see Idempotent): Migrate relies on all of them.
func Migrations() ([]Migration, error) {
	return parse(files)
}

var fileName = regexp.MustCompile(`^(\d{4})_[a-z0-9_]+\.sql$`)

func parse(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	var out []Migration
	seen := map[int]string{}
	for _, name := range names {
		m := fileName.FindStringSubmatch(name)
		if m == nil {
			return nil, fmt.Errorf("migration file %q: name must be NNNN_name.sql (four digits, an underscore, a lowercase name)", name)
		}
		version, _ := strconv.Atoi(m[1])
		if other, ok := seen[version]; ok {
			return nil, fmt.Errorf("migration files %q and %q have the same version %d; renumber one", other, name, version)
		}
		seen[version] = name

		text, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		stmts := Statements(string(text))
		if len(stmts) == 0 {
			return nil, fmt.Errorf("migration %s has no statements", name)
		}
		for _, s := range stmts {
			if !Idempotent(s) {
				return nil, fmt.Errorf("migration %s: statement %q is not idempotent; use one of: %s", name, abbreviate(s), idempotentHelp)
			}
		}
		out = append(out, Migration{Version: version, Name: name, Statements: stmts, Checksum: checksum(stmts)})
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	return out, nil
}

func checksum(stmts []string) string {
	sum := sha256.Sum256([]byte(strings.Join(stmts, ";\n")))
	return hex.EncodeToString(sum[:])
}

// Every migration statement must be safe to run twice, because ClickHouse
// has no lock that would stop two processes from migrating at the same time:
// both run every pending statement, and schema_migrations collapses their two
// records into one. These are the forms that are idempotent on ClickHouse
// 18.16 and on current ClickHouse alike. 18.16 has no
// "ADD COLUMN IF NOT EXISTS", so Migrate makes a plain ADD COLUMN idempotent
// itself (see addColumn).
var idempotentForms = []*regexp.Regexp{
	regexp.MustCompile(`(?i)^CREATE (TABLE|VIEW|MATERIALIZED VIEW|DATABASE) IF NOT EXISTS `),
	// Not DROP DATABASE: migrations run in the user's own database, which
	// servicepulse did not create (docs/ownership.md).
	regexp.MustCompile(`(?i)^DROP (TABLE|VIEW) IF EXISTS `),
	regexp.MustCompile(`(?i)^ALTER TABLE \S+ MODIFY COLUMN `),
}

// backfill matches "INSERT INTO t (columns…) SELECT …", which copies what a
// new materialized view would have seen had it existed. It runs twice with
// the same outcome only into a table whose readers do not mind a row twice,
// those of duplicatesHarmless.
var backfill = regexp.MustCompile(`(?i)^INSERT INTO (\w+) \([^)]*\) SELECT `)

// duplicatesHarmless lists the tables a backfill may write: indexes whose
// every reader asks DISTINCT questions (which requests, which serials).
// They are exactly the tables materialized views fill (FedByViews).
var duplicatesHarmless = map[string]bool{"request_serials": true, "request_changes": true}

// FedByViews reports whether materialized views fill table from the fact
// tables (sql/0010_change_log.sql): moving a database copies the facts and
// lets the views refill such a table, never the table itself, or its rows
// would arrive twice.
func FedByViews(table string) bool { return duplicatesHarmless[table] }

const idempotentHelp = "CREATE TABLE|VIEW|MATERIALIZED VIEW|DATABASE IF NOT EXISTS …, " +
	"DROP TABLE|VIEW IF EXISTS …, ALTER TABLE t MODIFY COLUMN …, " +
	"ALTER TABLE t ADD COLUMN c …[, ADD COLUMN d …] (one change per ALTER, or only ADD COLUMNs; no IF NOT EXISTS, which 18.16 cannot parse), " +
	"INSERT INTO t (columns…) SELECT … into a table whose readers tolerate duplicates (duplicatesHarmless)"

// addColumn matches "ALTER TABLE t ADD COLUMN c …" with an unqualified table
// and a plain column name, so Migrate can look the column up first; one
// action of a several-column ALTER matches addAction.
var (
	addColumn = regexp.MustCompile(`(?i)^ALTER TABLE (\w+) (ADD COLUMN .*)$`)
	addAction = regexp.MustCompile(`(?i)^ADD COLUMN (\w+) `)
)

// addedColumns returns the table and the columns of an ALTER whose every
// action is ADD COLUMN (ok false otherwise). Several columns in one ALTER
// are one change to ClickHouse (a node applies all or none), and on a
// cluster one distributed DDL task instead of one per column.
func addedColumns(stmt string) (table string, cols []string, ok bool) {
	m := addColumn.FindStringSubmatch(stmt)
	if m == nil {
		return "", nil, false
	}
	for _, action := range topLevelSplit(m[2]) {
		a := addAction.FindStringSubmatch(strings.TrimSpace(action))
		if a == nil || strings.EqualFold(a[1], "IF") {
			return "", nil, false
		}
		cols = append(cols, a[1])
	}
	return m[1], cols, true
}

// topLevelSplit cuts s at its commas outside parentheses and quotes.
func topLevelSplit(s string) []string {
	var parts []string
	start := 0
	outsideQuotes(s, func(i int, c byte, depth int) bool {
		if c == ',' && depth == 0 {
			parts = append(parts, s[start:i])
			start = i + 1
		}
		return true
	})
	return append(parts, s[start:])
}

// Idempotent reports whether stmt, as returned by Statements, has one of the
// forms that can run twice with the same outcome. An ALTER must make exactly
// one change, or add columns only: Migrate checks ADD COLUMNs first.
func Idempotent(stmt string) bool {
	if _, _, ok := addedColumns(stmt); ok {
		return true
	}
	if m := backfill.FindStringSubmatch(stmt); m != nil {
		return duplicatesHarmless[m[1]]
	}
	if strings.HasPrefix(strings.ToUpper(stmt), "ALTER ") && hasTopLevelComma(stmt) {
		return false
	}
	for _, re := range idempotentForms {
		if re.MatchString(stmt) {
			return true
		}
	}
	return false
}

// hasTopLevelComma reports a comma outside parentheses and quotes, that is
// one between two ALTER actions, not one inside a type such as Decimal(18, 2).
func hasTopLevelComma(s string) bool {
	found := false
	outsideQuotes(s, func(_ int, c byte, depth int) bool {
		found = c == ',' && depth == 0
		return !found
	})
	return found
}

// outsideQuotes calls visit for each byte of s that is not in quoted text,
// with the depth of parentheses after that byte, until visit returns false.
func outsideQuotes(s string, visit func(i int, c byte, depth int) bool) {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case '\'', '"', '`':
			i += quotedLen(s[i:]) - 1
			continue
		}
		if !visit(i, s[i], depth) {
			return
		}
	}
}

func abbreviate(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}
