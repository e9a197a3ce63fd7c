#!/usr/bin/env bash
# A development update PKI: a CA (its certificate goes into the image as RAUC's keyring), a
# code-signing leaf that signs bundles, and a technician's leaf (S/MIME signing, not code signing:
# it arms log sticks, it cannot sign firmware). For development and CI only: generated fresh in
# $OUT/pki, never committed. A fleet keeps its own CA key offline and passes UPDATE_CA/UPDATE_CERT/
# UPDATE_KEY, and issues its technicians' certificates the same way (README, "Logs").
set -euo pipefail
OUT=${OUT:?OUT must name the output folder}
P="$OUT/pki"
technician() { # a leaf for arming log sticks, under the CA made below (or before)
  [ -s "$P/technician.key.pem" ] && return 0
  cat > "$P/technician.ext" <<'X'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=critical,emailProtection
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid,issuer
X
  openssl ecparam -name prime256v1 -genkey -noout -out "$P/technician.key.pem"
  openssl req -new -key "$P/technician.key.pem" -subj "/O=OneTrip development/CN=OneTrip development technician" \
    -out "$P/technician.csr"
  openssl x509 -req -in "$P/technician.csr" -CA "$P/ca.cert.pem" -CAkey "$P/ca.key.pem" -CAcreateserial \
    -days 3650 -sha256 -extfile "$P/technician.ext" -out "$P/technician.cert.pem" 2>/dev/null
}
if [ -s "$P/signing.key.pem" ]; then technician; exit 0; fi
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
technician
echo "dev PKI: $P (development only)"
