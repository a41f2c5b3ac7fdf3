package sql

import (
	"fmt"
	"regexp"
	"strings"
)

// Where each table lives on a cluster. Migration files are written for one
// node; Render turns each statement into its cluster form. Every table of
// the schema is in exactly one of the two maps (TestEveryTablePlaced), so a
// new table cannot reach a cluster without a decision.
//
// Sharded tables are the facts and the request states: a Replicated table
// t_local on every node, one ZooKeeper path per shard, and a Distributed
// table t over them, under the name the code reads and writes. The key
// keeps every copy of an event and every version of a request's state on
// one shard, so FINAL, which collapses only within a shard, stays right.
// Rejects are keyed by their source position, like their sort key, so a
// re-delivered reject lands on the shard of its first copy.
var shardKeys = map[string]string{
	"service_events": "cityHash64(request_id)",
	"feedback":       "cityHash64(request_id)",
	"request_state":  "cityHash64(request_id)",
	"rejects":        "cityHash64(src_topic, src_partition, src_offset)",
	// Fed by materialized views on each node's service_events_local and
	// feedback_local (createView), so their rows sit on the shard of the
	// request's facts; the key places a backfill's rows there too.
	"request_serials": "cityHash64(request_id)",
	"request_changes": "cityHash64(request_id)",
}

// Everywhere tables are small and read whole: dimensions, contract terms,
// reports, the refresh log and the migration log. Each is one Replicated
// table with all nodes as its replicas (one ZooKeeper path for the cluster),
// so every node reads its own full copy: a KPI query that looks up contract
// terms on a shard finds them there, and no Distributed table could count
// a row twice.
var everywhere = map[string]bool{
	"partners": true, "products": true, "contracts": true, "contract_terms": true,
	"state_refreshes": true, "report_values": true, "improvement_actions": true,
	"schema_migrations": true,
	// The daily rollup is built on one node only (metrics.Rollups): on a
	// cluster these stay empty, and every query reads request_state.
	"kpi_rollup": true, "kpi_rollups": true, "open_requests": true,
}

// LocalSuffix names the per-node table under a sharded table's Distributed
// table: service_events_local under service_events.
const LocalSuffix = "_local"

// Sharded reports whether table is split across shards on a cluster (then
// ALTER … DELETE and other per-node statements go to table+LocalSuffix).
func Sharded(table string) bool { _, ok := shardKeys[table]; return ok }

// Target is where the schema is built: one node (Cluster empty) or every
// node of a cluster.
type Target struct {
	// Cluster is the name in the servers' remote_servers; empty for one node.
	Cluster string
	// Database holds the tables; on a cluster it names the ZooKeeper paths
	// and the Distributed tables' targets, so it cannot be left implicit.
	Database string
}

var (
	createTable = regexp.MustCompile(`(?i)^CREATE TABLE IF NOT EXISTS (\w+) \(`)
	engineAt    = regexp.MustCompile(`(?i)\) ENGINE = (\w+)`)
	dropTable   = regexp.MustCompile(`(?i)^DROP TABLE IF EXISTS (\w+)$`)
	alterTable  = regexp.MustCompile(`(?i)^ALTER TABLE (\w+) (.*)$`)
	createDB    = regexp.MustCompile(`(?i)^CREATE DATABASE IF NOT EXISTS (\w+)$`)
	createView  = regexp.MustCompile(`(?i)^CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+) TO (\w+) AS (SELECT .*? FROM )(\w+)(.*)$`)
)

// Render returns the statements that apply stmt (one statement of a
// migration, as Statements returns it) to t. On one node that is stmt itself.
// On a cluster:
//
//   - CREATE TABLE of a sharded table becomes t_local ON CLUSTER with the
//     Replicated engine, path /clickhouse/tables/{shard}/<db>/<table> and
//     replica {replica}, then the Distributed table ON CLUSTER, sharded by
//     its key;
//   - CREATE TABLE of an everywhere table becomes one Replicated table ON
//     CLUSTER with path /clickhouse/tables/all/<db>/<table> and replica
//     {shard}_{replica}, which is unique on the cluster;
//   - ALTER of a sharded table is an ALTER of t_local without ON CLUSTER,
//     which the migrator runs on one replica of each shard (Replicated
//     tables carry it to the others; ON CLUSTER could kill 18.16's DDL
//     worker, see migrator.onEachShard), then the
//     Distributed table is created again so it has the new columns: 18.16
//     cannot ALTER a Distributed table ON CLUSTER when shards replicate
//     themselves (code 371);
//   - ALTER of an everywhere table runs on the node Migrate is connected
//     to, without ON CLUSTER: the Replicated table carries it to every node,
//     where ON CLUSTER would apply it once per shard to the same table;
//   - DROP TABLE drops both tables of a sharded table, ON CLUSTER;
//   - CREATE MATERIALIZED VIEW v TO t AS SELECT … FROM s, both sharded,
//     becomes a view ON CLUSTER from s_local to t_local: a view fires on
//     the node an INSERT reaches (a Distributed table's insert reaches one
//     replica of a shard), and t_local's replication carries its rows;
//   - INSERT … SELECT (a backfill) runs once, on the node Migrate is
//     connected to, through the Distributed tables.
//
// Other views and statements have no cluster form yet and are an error.
func Render(stmt string, t Target) ([]string, error) {
	if t.Cluster == "" {
		return []string{stmt}, nil
	}
	if t.Database == "" {
		return nil, fmt.Errorf("render for cluster %s: no database", t.Cluster)
	}
	on := " ON CLUSTER " + t.Cluster
	q := func(table string) string { return t.Database + "." + table }
	if m := createTable.FindStringSubmatch(stmt); m != nil {
		return renderCreate(stmt, m[1], t)
	}
	if m := createDB.FindStringSubmatch(stmt); m != nil {
		return []string{stmt + on}, nil
	}
	if m := createView.FindStringSubmatch(stmt); m != nil {
		for _, table := range []string{m[2], m[4]} {
			if !Sharded(table) {
				return nil, fmt.Errorf("materialized view %s: table %s is not sharded; cluster mode renders views between sharded tables", m[1], table)
			}
		}
		return []string{"CREATE MATERIALIZED VIEW IF NOT EXISTS " + q(m[1]) + on + " TO " + q(m[2]+LocalSuffix) +
			" AS " + m[3] + q(m[4]+LocalSuffix) + m[5]}, nil
	}
	if m := backfill.FindStringSubmatch(stmt); m != nil {
		if _, err := placed(m[1]); err != nil {
			return nil, err
		}
		return []string{stmt}, nil
	}
	if m := dropTable.FindStringSubmatch(stmt); m != nil {
		table, err := placed(m[1])
		if err != nil {
			return nil, err
		}
		if !Sharded(table) {
			return []string{"DROP TABLE IF EXISTS " + q(table) + on}, nil
		}
		return []string{"DROP TABLE IF EXISTS " + q(table) + on, "DROP TABLE IF EXISTS " + q(table+LocalSuffix) + on}, nil
	}
	if m := alterTable.FindStringSubmatch(stmt); m != nil {
		table, err := placed(m[1])
		if err != nil {
			return nil, err
		}
		if !Sharded(table) {
			return []string{"ALTER TABLE " + q(table) + " " + m[2]}, nil
		}
		return append([]string{"ALTER TABLE " + q(table+LocalSuffix) + " " + m[2]}, distributed(table, t, true)...), nil
	}
	return nil, fmt.Errorf("statement %q has no cluster form; cluster mode renders CREATE TABLE, ALTER TABLE, DROP TABLE, CREATE DATABASE, CREATE MATERIALIZED VIEW … TO and INSERT … SELECT", abbreviate(stmt))
}

func renderCreate(stmt, table string, t Target) ([]string, error) {
	if _, err := placed(table); err != nil {
		return nil, err
	}
	loc := engineAt.FindAllStringSubmatchIndex(stmt, -1)
	if loc == nil {
		return nil, fmt.Errorf("table %s: no ENGINE = …; cluster mode needs one to replicate", table)
	}
	last := loc[len(loc)-1]
	engine := stmt[last[2]:last[3]]
	if !strings.HasSuffix(engine, "MergeTree") || strings.HasPrefix(engine, "Replicated") {
		return nil, fmt.Errorf("table %s: engine %s has no Replicated form; cluster mode replicates MergeTree engines", table, engine)
	}
	args, rest := "", stmt[last[3]:]
	if strings.HasPrefix(rest, "(") {
		n := closing(rest)
		args, rest = rest[1:n], rest[n+1:]
	}
	path, replica, name := "/clickhouse/tables/all/"+t.Database+"/"+table, "{shard}_{replica}", table
	if Sharded(table) {
		path, replica, name = "/clickhouse/tables/{shard}/"+t.Database+"/"+table, "{replica}", table+LocalSuffix
	}
	params := quote(path) + ", " + quote(replica)
	if args != "" {
		params += ", " + args
	}
	columns := stmt[len("CREATE TABLE IF NOT EXISTS ")+len(table) : last[0]+1]
	out := []string{"CREATE TABLE IF NOT EXISTS " + t.Database + "." + name + " ON CLUSTER " + t.Cluster + columns +
		" ENGINE = Replicated" + engine + "(" + params + ")" + rest}
	if Sharded(table) {
		out = append(out, distributed(table, t, false)...)
	}
	return out, nil
}

// distributed creates the Distributed table of a sharded table; again
// drops it first, so that it takes the local table's new columns. It holds
// no rows: servicepulse inserts synchronously (insert_distributed_sync).
func distributed(table string, t Target, again bool) []string {
	on := " ON CLUSTER " + t.Cluster
	create := "CREATE TABLE IF NOT EXISTS " + t.Database + "." + table + on + " AS " + t.Database + "." + table + LocalSuffix +
		" ENGINE = Distributed(" + t.Cluster + ", " + t.Database + ", " + table + LocalSuffix + ", " + shardKeys[table] + ")"
	if !again {
		return []string{create}
	}
	return []string{"DROP TABLE IF EXISTS " + t.Database + "." + table + on, create}
}

func placed(table string) (string, error) {
	if Sharded(table) || everywhere[table] {
		return table, nil
	}
	return "", fmt.Errorf("table %s is neither sharded nor on every node; add it to shardKeys or everywhere in sql/cluster.go", table)
}

// closing returns the index of the parenthesis that closes the one at s[0].
func closing(s string) int {
	end := len(s) - 1
	outsideQuotes(s, func(i int, c byte, depth int) bool {
		if c == ')' && depth == 0 {
			end = i
			return false
		}
		return true
	})
	return end
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }
