#!/bin/bash
# Run once by the kafka-setup service of docker-compose.secured.yml, as the
# broker's admin (/run/secrets/kafka_admin_properties): creates servicepulse's
# topics and gives each client user the ACLs its commands need, and nothing
# else (the broker refuses what no ACL allows). Safe to run again.
#
#   sp_ingest  ingest (and lag): reads the two source topics in its consumer
#              group, writes rejected messages to the DLQ topic
#   sp_gen     gen: writes the two source topics
#
# Neither needs Create: this script makes the topics, and servicepulse asks
# to create only topics that metadata reports missing (docs/security.md).
set -euo pipefail

cfg=/run/secrets/kafka_admin_properties
bootstrap=kafka:9092
records=servicepulse.service-records
feedback=servicepulse.feedback
dlq=servicepulse.dlq
group=servicepulse-ingest

for t in "$records" "$feedback" "$dlq"; do
  /opt/kafka/bin/kafka-topics.sh --bootstrap-server "$bootstrap" --command-config "$cfg" \
    --create --if-not-exists --topic "$t" --partitions 4 --replication-factor 1
done

acl() { /opt/kafka/bin/kafka-acls.sh --bootstrap-server "$bootstrap" --command-config "$cfg" --add "$@"; }

# ingest: Read (and so Describe) on the sources and the group, Write on the DLQ.
acl --allow-principal User:sp_ingest --operation Read --operation Describe --topic "$records" --topic "$feedback"
acl --allow-principal User:sp_ingest --operation Read --operation Describe --group "$group"
acl --allow-principal User:sp_ingest --operation Write --operation Describe --topic "$dlq"

# gen: Write on the sources; Describe on the DLQ, which it waits for too.
acl --allow-principal User:sp_gen --operation Write --operation Describe --topic "$records" --topic "$feedback"
acl --allow-principal User:sp_gen --operation Describe --topic "$dlq"

/opt/kafka/bin/kafka-acls.sh --bootstrap-server "$bootstrap" --command-config "$cfg" --list
