# Sourced by servers.sh: makes, with openssl, what the tests of secured
# connections need, in $1 (kept between runs; made again when missing):
#   ca.crt ca.key          a test certificate authority
#   server.crt server.key  a server certificate it signed, for 127.0.0.1 and localhost
#   other-ca.crt           another authority, which signed nothing here (bad-CA tests)
#   writer.password reader.password   random passwords of the ClickHouse users
#   users.xml              a users.d file: sp_writer (default profile) and
#                          sp_reader (readonly=2, the Grafana user), with those passwords
make_test_tls() {
  local d=$1
  mkdir -p "$d"
  chmod 700 "$d"
  if [ ! -f "$d/server.crt" ] || [ ! -f "$d/other-ca.crt" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=servicepulse test CA" \
      -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$d/san.ext"
    openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 365 \
      -extfile "$d/san.ext" -out "$d/server.crt" 2>/dev/null
    openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=another CA" \
      -keyout "$d/other-ca.key" -out "$d/other-ca.crt" 2>/dev/null
  fi
  for u in writer reader; do
    [ -f "$d/$u.password" ] || (umask 077 && openssl rand -hex 16 >"$d/$u.password")
  done
  local wh rh
  wh=$(tr -d '\n' <"$d/writer.password" | sha256sum | cut -d' ' -f1)
  rh=$(tr -d '\n' <"$d/reader.password" | sha256sum | cut -d' ' -f1)
  (umask 077 && cat >"$d/users.xml" <<XML
<yandex>
    <profiles>
        <servicepulse_reader>
            <readonly>2</readonly>
        </servicepulse_reader>
    </profiles>
    <users>
        <sp_writer>
            <password_sha256_hex>$wh</password_sha256_hex>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </sp_writer>
        <sp_reader>
            <password_sha256_hex>$rh</password_sha256_hex>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>servicepulse_reader</profile>
            <quota>default</quota>
        </sp_reader>
    </users>
</yandex>
XML
  )
}
