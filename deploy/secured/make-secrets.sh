#!/bin/sh
# Makes, with openssl, every secret docker-compose.secured.yml mounts, in DIR
# (default: deploy/secured/secrets, next to this script; git ignores it):
#
#   ca.pem ca-key.pem                   a private certificate authority
#   clickhouse.pem clickhouse-key.pem   ClickHouse's certificate, for clickhouse, localhost, 127.0.0.1
#   kafka.pem kafka-key.pem             the broker's certificate, for kafka, localhost, 127.0.0.1
#   kafka-keystore.pem                  the broker's key and certificate in one file (Kafka's PEM keystore)
#   clickhouse-<user>.password          default (admin, inside the container only), sp_migrate, sp_ingest, sp_reader
#   kafka-<user>.password               admin (broker and setup), sp_ingest, sp_gen
#   grafana-admin.password              Grafana's admin user
#   pii.key                             the HMAC key of personal data (ingest)
#   clickhouse-passwords.xml            users.d file: each ClickHouse user's password_sha256_hex
#   kafka-jaas.conf                     the broker's own SCRAM login (inter-broker)
#   kafka-admin.properties              client settings of Kafka's tools as admin (health check, setup)
#
# Run it once before `docker compose -f docker-compose.secured.yml up`.
# Running it again keeps what exists (a new password would no longer match
# the SCRAM credentials Kafka stored when it formatted its storage) and
# rewrites only the files derived from the passwords. Delete DIR, and the
# stack's volumes, to start over.
#
# The directory is 0700: only you reach it. Its files are 0644, because
# Compose mounts a file secret as it is on the host, and the containers read
# them as their own users (clickhouse, appuser, grafana).
set -eu

dir=${1:-$(dirname "$0")/secrets}
mkdir -p "$dir"
chmod 700 "$dir"
cd "$dir"

# password NAME: a random password in NAME.password unless it exists.
password() {
  [ -s "$1.password" ] || openssl rand -hex 24 >"$1.password"
}

# cert NAME HOST: a key and a certificate for HOST (and localhost,
# 127.0.0.1) signed by the CA, unless they exist.
cert() {
  [ -s "$1.pem" ] && [ -s "$1-key.pem" ] && return
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$2" -keyout "$1-key.pem" -out "$1.csr" 2>/dev/null
  printf 'subjectAltName=DNS:%s,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' "$2" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 825 \
    -extfile "$1.ext" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}

# sha256 NAME: the hex SHA-256 of NAME.password, as ClickHouse's
# password_sha256_hex wants it (the password without its newline).
sha256() {
  tr -d '\n' <"$1.password" | openssl dgst -sha256 -r | cut -d' ' -f1
}

if [ ! -s ca.pem ] || [ ! -s ca-key.pem ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=servicepulse compose CA" \
    -keyout ca-key.pem -out ca.pem 2>/dev/null
fi
cert clickhouse clickhouse
cert kafka kafka
cat kafka-key.pem kafka.pem >kafka-keystore.pem

for u in default sp_migrate sp_ingest sp_reader; do password "clickhouse-$u"; done
for u in admin sp_ingest sp_gen; do password "kafka-$u"; done
password grafana-admin
[ -s pii.key ] || openssl rand -hex 32 >pii.key

{
  echo '<clickhouse>'
  echo '    <!-- Made by deploy/secured/make-secrets.sh from the clickhouse-*.password files. -->'
  echo '    <users>'
  for u in default sp_migrate sp_ingest sp_reader; do
    echo "        <$u><password_sha256_hex>$(sha256 "clickhouse-$u")</password_sha256_hex></$u>"
  done
  echo '    </users>'
  echo '</clickhouse>'
} >clickhouse-passwords.xml

admin=$(cat kafka-admin.password)
cat >kafka-jaas.conf <<JAAS
KafkaServer {
    org.apache.kafka.common.security.scram.ScramLoginModule required
    username="admin"
    password="$admin";
};
JAAS
cat >kafka-admin.properties <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$admin";
ssl.truststore.type=PEM
ssl.truststore.location=/run/secrets/ca
PROPS

chmod 644 ./*.pem ./*.password pii.key clickhouse-passwords.xml kafka-jaas.conf kafka-admin.properties
chmod 600 ca-key.pem
echo "secrets in $(pwd)"
