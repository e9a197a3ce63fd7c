//! Catalog signatures: ed25519 over the exact bytes of the catalog document. Keys and signatures
//! travel as standard base64 (a key is 32 bytes, a signature 64).

use base64::Engine as _;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("the public key is not 32 bytes of base64")]
    BadPublicKey,
    #[error("the signing key is not 32 bytes of base64")]
    BadSigningKey,
    #[error("the signature is not 64 bytes of base64")]
    Malformed,
    #[error("the signature does not match the catalog (tampered, or signed with another key)")]
    Mismatch,
}

pub fn public_key(b64: &str) -> Result<VerifyingKey, SignatureError> {
    let bytes: [u8; 32] = B64
        .decode(b64.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(SignatureError::BadPublicKey)?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| SignatureError::BadPublicKey)
}

pub fn signing_key(b64: &str) -> Result<SigningKey, SignatureError> {
    let bytes: [u8; 32] = B64
        .decode(b64.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(SignatureError::BadSigningKey)?;
    Ok(SigningKey::from_bytes(&bytes))
}

/// A new key pair from the operating system's random source: (signing key, public key), base64.
pub fn generate() -> std::io::Result<(String, String)> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| std::io::Error::other(e.to_string()))?;
    let key = SigningKey::from_bytes(&seed);
    Ok((
        B64.encode(key.to_bytes()),
        B64.encode(key.verifying_key().to_bytes()),
    ))
}

pub fn public_of(key: &SigningKey) -> String {
    B64.encode(key.verifying_key().to_bytes())
}

pub fn sign(bytes: &[u8], key: &SigningKey) -> String {
    B64.encode(key.sign(bytes).to_bytes())
}

pub fn verify(bytes: &[u8], signature_b64: &str, key: &VerifyingKey) -> Result<(), SignatureError> {
    let raw: [u8; 64] = B64
        .decode(signature_b64.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(SignatureError::Malformed)?;
    // Strict: rejects small-order keys and non-canonical signatures (no malleability).
    key.verify_strict(bytes, &Signature::from_bytes(&raw))
        .map_err(|_| SignatureError::Mismatch)
}

/// The public half of the demo authority's key. Every build knows it, so a terminal configured
/// with it can refuse to start (its private half is published with the developer's tools).
pub const DEMO_PUBLIC_KEY: &str = "xNZ/2/Zdbef7eu259eUjTbWwkYJbPi/J5s/5klN/rJA=";

/// The demo authority's key: public on purpose, so the demo and tests can sign catalogs. A real
/// terminal's configuration names the city's own public key; this one must never be trusted there,
/// and the terminal's build does not contain it.
#[cfg(feature = "dev-tools")]
pub const DEMO_SIGNING_KEY: &str = "T25lVHJpcCBkZW1vIGNhdGFsb2cga2V5LCBub3Qgc2U=";

#[cfg(feature = "dev-tools")]
pub fn demo_signing_key() -> SigningKey {
    signing_key(DEMO_SIGNING_KEY).expect("the demo key is 32 bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_and_tamper() {
        let (sk, pk) = generate().unwrap();
        let key = signing_key(&sk).unwrap();
        let public = public_key(&pk).unwrap();
        let doc = "version = \"1\"\n".as_bytes();
        let sig = sign(doc, &key);
        assert_eq!(verify(doc, &sig, &public), Ok(()));
        assert_eq!(
            verify(b"version = \"2\"\n", &sig, &public),
            Err(SignatureError::Mismatch)
        );
        let other = public_key(&generate().unwrap().1).unwrap();
        assert_eq!(verify(doc, &sig, &other), Err(SignatureError::Mismatch));
        assert_eq!(verify(doc, "abc", &public), Err(SignatureError::Malformed));
        assert_eq!(
            public_key("short").unwrap_err(),
            SignatureError::BadPublicKey
        );
        assert_eq!(public_of(&demo_signing_key()), DEMO_PUBLIC_KEY);
    }
}
