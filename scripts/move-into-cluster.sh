#!/usr/bin/env bash
# Copies a single-node servicepulse database into a ClickHouse cluster
# database, table by table, with INSERT … SELECT FROM remote(…) run once on
# one node of the cluster (docs/cluster.md, "Moving in").
#
#   scripts/move-into-cluster.sh SINGLE_HOST:PORT SINGLE_DB CLUSTER_HOST:PORT CLUSTER_DB CLUSTER
#
# Before: stop ingest and the refresher on the single node, and migrate the
# cluster database (servicepulse migrate --clickhouse clickhouse://NODES/CLUSTER_DB
# --cluster CLUSTER). clickhouse-client connects to both servers, and the
# cluster node to SINGLE_HOST:PORT (remote() runs there), as the default user
# without a password; for other users, copy by hand as docs/cluster.md shows,
# with remote(addr, db, table, user, password).
#
# Sharded tables are written through their Distributed table, which sends
# each row to the shard of its key; insert_distributed_sync=1 makes each
# INSERT return once its rows are on their shard. The other tables are
# Replicated with every node as a replica: written on one node, replication
# carries them to the others. schema_migrations is the cluster's own (the
# migration wrote it), and the servicepulse_owner marker stays behind.
#
# It refuses a cluster table that already has rows: MergeTree tables would
# keep a second copy. After a failed run, drop and recreate the cluster
# database, migrate it again and rerun. It prints each table's rows on both
# sides (after FINAL where the engine collapses versions) and fails when they
# differ.
set -euo pipefail

if [ $# -ne 5 ]; then
  echo "usage: $0 SINGLE_HOST:PORT SINGLE_DB CLUSTER_HOST:PORT CLUSTER_DB CLUSTER" >&2
  exit 2
fi
src_addr=$1 src_db=$2 dst_addr=$3 dst_db=$4 cluster=$5
for name in "$src_db" "$dst_db" "$cluster"; do
  [[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || { echo "$name: want a name of letters, digits and underscores" >&2; exit 2; }
done

# ch ADDR QUERY [SETTING…]: one query through clickhouse-client, TSV out.
ch() {
  local addr=$1 query=$2
  shift 2
  clickhouse-client --host "${addr%:*}" --port "${addr##*:}" "$@" --query "$query"
}

# The tables materialized views fill from the facts (sql.FedByViews): the
# copy of service_events and feedback through the cluster's views refills
# them, so they and the views are not copied (their rows would arrive twice).
fed_by_views="'request_changes', 'request_serials'"

# describe ADDR DB: "table engine col,col,…" lines of the tables that move
# (insertable columns, in table order).
describe() {
  ch "$1" "SELECT name AS table, engine, arrayStringConcat(cols, ',') FROM system.tables ANY LEFT JOIN (
      SELECT table, groupArray(name) AS cols FROM system.columns
      WHERE database = '$2' AND default_kind NOT IN ('MATERIALIZED', 'ALIAS') GROUP BY table) USING table
    WHERE database = '$2' AND name NOT IN ('schema_migrations', 'servicepulse_owner', $fed_by_views)
      AND engine != 'MaterializedView' ORDER BY table"
}

# counts ADDR DB: "table rows" lines for the tables of $tables, as queries
# see them (after FINAL where the engine collapses versions).
counts() {
  local q="" t final
  for t in $tables; do
    final=""
    [[ ${src_engine[$t]} == *Replacing* ]] && final=" FINAL"
    q+="${q:+ UNION ALL }SELECT '$t', count() FROM $2.$t$final"
  done
  ch "$1" "$q"
}

engine=$(ch "$dst_addr" "SELECT engine_full FROM system.tables WHERE database = '$dst_db' AND name = 'service_events'")
if [[ $engine != "Distributed($cluster,"* ]]; then
  echo "$dst_addr: $dst_db.service_events is not distributed over $cluster (engine: ${engine:-none});" \
    "migrate it first: servicepulse migrate --clickhouse clickhouse://$dst_addr/$dst_db --cluster $cluster" >&2
  exit 1
fi

declare -A src_engine src_cols dst_engine dst_cols before want got
tables=""
while IFS=$'\t' read -r t e c; do
  tables+=" $t" src_engine[$t]=$e src_cols[$t]=$c
done < <(describe "$src_addr" "$src_db")
[ -n "$tables" ] || { echo "$src_addr: database $src_db has no tables" >&2; exit 1; }
while IFS=$'\t' read -r t e c; do
  dst_engine[$t]=$e dst_cols[$t]=$c
done < <(describe "$dst_addr" "$dst_db")

# First check every table, so that nothing is copied into a cluster
# database that cannot take all of it.
for t in $tables; do
  [ -n "${dst_engine[$t]:-}" ] || { echo "$dst_db.$t is missing on the cluster: migrate it with this servicepulse version" >&2; exit 1; }
  for c in ${src_cols[$t]//,/ }; do
    [[ ,${dst_cols[$t]}, == *,$c,* ]] || { echo "$dst_db.$t has no column $c: migrate both with the same version" >&2; exit 1; }
  done
done
while IFS=$'\t' read -r t n; do before[$t]=$n; done < <(counts "$dst_addr" "$dst_db")
for t in $tables; do
  [ "${before[$t]}" = 0 ] || { echo "$dst_db.$t already has ${before[$t]} rows: copy into a freshly migrated database" >&2; exit 1; }
done

for t in $tables; do
  # The columns by name on both sides, so their order does not matter.
  ch "$dst_addr" "INSERT INTO $dst_db.$t (${src_cols[$t]}) SELECT ${src_cols[$t]} FROM remote('$src_addr', $src_db, $t)" \
    --insert_distributed_sync=1
done

while IFS=$'\t' read -r t n; do want[$t]=$n; done < <(counts "$src_addr" "$src_db")
while IFS=$'\t' read -r t n; do got[$t]=$n; done < <(counts "$dst_addr" "$dst_db")
status=0
printf '%-22s %-42s %12s %12s\n' table "written to" "$src_db" "$dst_db"
for t in $tables; do
  where="${dst_engine[$t]} (every node)"
  if [ "${dst_engine[$t]}" = Distributed ]; then where="Distributed (sharded)"; fi
  printf '%-22s %-42s %12s %12s\n' "$t" "$where" "${want[$t]}" "${got[$t]}"
  [ "${want[$t]}" = "${got[$t]}" ] || { echo "  $t: ${got[$t]} rows on the cluster, ${want[$t]} on the single node" >&2; status=1; }
done
exit $status
