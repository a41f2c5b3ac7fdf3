#!/bin/bash
# Starts the broker of docker-compose.secured.yml. The image's own start
# script formats the storage without SCRAM credentials, and a SASL_SSL-only
# broker needs its users before its first start (KIP-900): so the storage is
# formatted here, once, with a SCRAM-SHA-512 credential for each user whose
# password file compose mounts (/run/secrets/kafka_<user>_password), then the
# broker runs. --ignore-formatted makes later starts leave the storage as it
# is: a password changed afterwards is set with kafka-configs.sh
# --alter --add-config, not here.
set -euo pipefail

props=/opt/servicepulse/server.properties
scram=()
for f in /run/secrets/kafka_*_password; do
  user=${f#/run/secrets/kafka_}
  user=${user%_password}
  # The users are sp_ingest, sp_gen and admin; the files hold hex passwords
  # (make-secrets.sh), which need no quoting in the SCRAM argument. The tool
  # takes them as arguments only: for the seconds the first format takes,
  # they show in this container's process list, where nothing else runs.
  scram+=(--add-scram "SCRAM-SHA-512=[name=${user},password=$(head -n1 "$f")]")
done
/opt/kafka/bin/kafka-storage.sh format --ignore-formatted --cluster-id "$CLUSTER_ID" --config "$props" "${scram[@]}"
exec /opt/kafka/bin/kafka-server-start.sh "$props"
