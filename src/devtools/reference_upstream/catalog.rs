//! The catalog the reference upstream hands out: the shipped one signed with the demo authority's
//! key until another is published to it, with a strong ETag for `If-None-Match`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::{authorised, error, App};

/// The catalog document upstream hands out, with its signature and ETag.
#[derive(Debug, Clone)]
pub struct PublishedCatalog {
    pub bytes: Vec<u8>,
    pub signature: String,
    pub etag: String,
}

impl PublishedCatalog {
    pub fn new(bytes: Vec<u8>, signature: String) -> PublishedCatalog {
        let etag = etag(&bytes, &signature);
        PublishedCatalog {
            bytes,
            signature,
            etag,
        }
    }
}

/// What the reference server hands out until a catalog is published to it: the shipped catalog as
/// one document, signed with the demo authority's key.
pub fn sample_catalog() -> Vec<u8> {
    crate::catalog::bundle(&crate::catalog::shipped_files()).into_bytes()
}

pub fn sample_published() -> PublishedCatalog {
    let bytes = sample_catalog();
    let sig =
        crate::catalog::signature::sign(&bytes, &crate::catalog::signature::demo_signing_key());
    PublishedCatalog::new(bytes, sig)
}

/// A strong ETag: FNV-1a 64 of the exact bytes and their signature. The signature is part of what
/// is published: a terminal remembers the ETag of a document it refused (a bad signature among the
/// reasons) and asks with it, so the same bytes signed again must come under a new ETag.
pub fn etag(bytes: &[u8], signature: &str) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bytes.iter().chain([0u8].iter()).chain(signature.as_bytes()) {
        h ^= *b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("\"{h:016x}\"")
}

/// Publishes a catalog document as the authority signed it (the server does not check it: the
/// terminals do, which is the point).
pub(super) async fn catalog_publish(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !authorised(&app, &headers) {
        return error(StatusCode::UNAUTHORIZED, "unknown terminal token");
    }
    let signature = headers
        .get(crate::sync::catalog::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let published = PublishedCatalog::new(body.to_vec(), signature);
    let tag = published.etag.clone();
    *app.catalog.lock().unwrap_or_else(|e| e.into_inner()) = published;
    Json(json!({ "etag": tag })).into_response()
}

pub(super) async fn catalog_get(State(app): State<App>, headers: HeaderMap) -> Response {
    if !authorised(&app, &headers) {
        return error(StatusCode::UNAUTHORIZED, "unknown terminal token");
    }
    let published = app
        .catalog
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let r = serve_signed(
        &published,
        &headers,
        crate::sync::catalog::SIGNATURE_HEADER,
        "application/toml; charset=utf-8",
    );
    if r.status() == StatusCode::OK {
        app.catalog_served
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
    r
}

/// The catalog published now (its ETag) and how many times a catalog was handed out whole.
pub(super) async fn catalog_status(State(app): State<App>, headers: HeaderMap) -> Response {
    if !authorised(&app, &headers) {
        return error(StatusCode::UNAUTHORIZED, "unknown terminal token");
    }
    let etag = app
        .catalog
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .etag
        .clone();
    let served = app.catalog_served.load(std::sync::atomic::Ordering::SeqCst);
    Json(json!({ "etag": etag, "served": served })).into_response()
}

/// A signed document with its signature header and ETag, or 304 for a matching
/// `If-None-Match`.
pub(super) fn serve_signed(
    published: &PublishedCatalog,
    headers: &HeaderMap,
    signature_header: &'static str,
    content_type: &'static str,
) -> Response {
    let (bytes, tag) = (&published.bytes, &published.etag);
    let matches = headers
        .get("if-none-match")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    let mut r = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            StatusCode::OK,
            [
                (axum::http::header::CONTENT_TYPE, content_type),
                (
                    axum::http::header::HeaderName::from_static(signature_header),
                    published.signature.as_str(),
                ),
            ],
            bytes.clone(),
        )
            .into_response()
    };
    if let Ok(v) = HeaderValue::from_str(tag) {
        r.headers_mut().insert("etag", v);
    }
    r
}
