-- A column added to a sharded table: on a cluster it goes to feedback_local
-- on every shard, then the Distributed table feedback is made again over it.
ALTER TABLE feedback ADD COLUMN x UInt8;
