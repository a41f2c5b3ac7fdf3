-- Warnings before the breach (docs/warnings.md). A contract version says how
-- long before each deadline its last warning falls (warn_hours; the default 2
-- also fills the versions loaded before this column existed), and every
-- request state carries, beside each deadline, the instants its promise
-- reaches 50% and 75% of its budget and warn_hours before the deadline.
-- Reply and on site count business time on the contract clock minus closed
-- pauses, as their deadlines do; a part line counts elapsed hours, as its
-- calendar-day promise does. *_runs_from/_to are the spans in which the
-- reply and on-site clocks run up to their deadlines (working-day windows
-- minus closed pauses): the business time left at an instant N is
-- Σ max(0, to − max(from, N)), plain SQL, the same number in the CLI, the
-- dashboard and the alert. Epoch 0 means "no such warning" (no deadline,
-- or warn_hours 0). Rows built before this migration have epoch 0 until the
-- refresher rebuilds them (servicepulse refresh --all).
ALTER TABLE contract_terms ADD COLUMN warn_hours Float64 DEFAULT 2;

-- A row built before this migration reads its part_warn_* as epoch 0 per
-- part line (the DEFAULT, which ClickHouse computes on read for parts
-- written without the column): the queries that zip them with part_due
-- (ARRAY JOIN, arrayCount) need arrays of the same length, and an empty
-- one would fail the whole KPI query until `refresh --all`.
-- One ALTER for all of request_state's columns: on a cluster it is one
-- distributed DDL task on request_state_local, not thirteen. ClickHouse
-- 18.16's DDL worker can die on an ON CLUSTER ALTER of a Replicated table
-- (both replicas of a shard take the task: "column already exists", then
-- "Node exists …/executed", then "Unexpected ZooKeeper error", and that node
-- runs no ON CLUSTER statement again until it restarts); seen once under
-- heavy load with thirteen such tasks per migration. docs/cluster.md.
ALTER TABLE request_state
    ADD COLUMN reply_warn_50 DateTime('UTC') AFTER onsite_bh,
    ADD COLUMN reply_warn_75 DateTime('UTC') AFTER reply_warn_50,
    ADD COLUMN reply_warn_hours DateTime('UTC') AFTER reply_warn_75,
    ADD COLUMN onsite_warn_50 DateTime('UTC') AFTER reply_warn_hours,
    ADD COLUMN onsite_warn_75 DateTime('UTC') AFTER onsite_warn_50,
    ADD COLUMN onsite_warn_hours DateTime('UTC') AFTER onsite_warn_75,
    ADD COLUMN reply_runs_from Array(DateTime('UTC')) AFTER onsite_warn_hours,
    ADD COLUMN reply_runs_to Array(DateTime('UTC')) AFTER reply_runs_from,
    ADD COLUMN onsite_runs_from Array(DateTime('UTC')) AFTER reply_runs_to,
    ADD COLUMN onsite_runs_to Array(DateTime('UTC')) AFTER onsite_runs_from,
    ADD COLUMN part_warn_50 Array(DateTime('UTC')) DEFAULT arrayMap(x -> toDateTime(0, 'UTC'), part_due) AFTER part_from_stock,
    ADD COLUMN part_warn_75 Array(DateTime('UTC')) DEFAULT arrayMap(x -> toDateTime(0, 'UTC'), part_due) AFTER part_warn_50,
    ADD COLUMN part_warn_hours Array(DateTime('UTC')) DEFAULT arrayMap(x -> toDateTime(0, 'UTC'), part_due) AFTER part_warn_75
