#!/usr/bin/env bash
# Makes a throwaway CA, a server certificate (localhost, 127.0.0.1) and a
# client certificate signed by it, plus a second, untrusted CA, in $1.
set -euo pipefail
dir=$1
mkdir -p "$dir"
cd "$dir"
quiet() { "$@" >/dev/null 2>&1; }
quiet openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=reco-test-ca
quiet openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem -days 2 -subj /CN=reco-other-ca
for who in server client; do
  quiet openssl req -newkey rsa:2048 -nodes -keyout "$who.key" -out "$who.csr" -subj "/CN=reco-$who"
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$who.ext"
  quiet openssl x509 -req -in "$who.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$who.pem" -days 2 -extfile "$who.ext"
done
echo ok
