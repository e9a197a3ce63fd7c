#!/usr/bin/env bash
# A development update PKI: a CA (its certificate goes into the image as RAUC's keyring) and a
# code-signing leaf that signs bundles. For development and CI only: generated fresh in $OUT/pki,
# never committed. A fleet keeps its own CA key offline and passes UPDATE_CA/UPDATE_CERT/UPDATE_KEY.
set -euo pipefail
OUT=${OUT:?OUT must name the output folder}
P="$OUT/pki"
[ -s "$P/signing.key.pem" ] && exit 0
mkdir -p "$P"; chmod 700 "$P"
cat > "$P/ca.ext" <<'X'
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
X
cat > "$P/signing.ext" <<'X'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=critical,codeSigning
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid,issuer
X
openssl ecparam -name prime256v1 -genkey -noout -out "$P/ca.key.pem"
openssl req -new -x509 -key "$P/ca.key.pem" -subj "/O=OneTrip development/CN=OneTrip development update CA" \
  -days 3650 -sha256 -extensions v3_ca -out "$P/ca.cert.pem" -addext basicConstraints=critical,CA:TRUE \
  -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$P/signing.key.pem"
openssl req -new -key "$P/signing.key.pem" -subj "/O=OneTrip development/CN=OneTrip development bundle signer" \
  -out "$P/signing.csr"
openssl x509 -req -in "$P/signing.csr" -CA "$P/ca.cert.pem" -CAkey "$P/ca.key.pem" -CAcreateserial \
  -days 3650 -sha256 -extfile "$P/signing.ext" -out "$P/signing.cert.pem" 2>/dev/null
echo "dev PKI: $P (development only)"
