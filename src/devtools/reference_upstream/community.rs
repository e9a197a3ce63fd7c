//! The community feed the reference upstream hands out: the demo village (its people and
//! numbers plainly fictional), signed with the demo authority's key until another is published.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::catalog::{serve_signed, PublishedCatalog};
use super::{authorised, error, App};
use crate::sync::community::SIGNATURE_HEADER;

pub fn sample_published() -> PublishedCatalog {
    let bytes = crate::community::demo_feed().as_bytes().to_vec();
    let sig =
        crate::catalog::signature::sign(&bytes, &crate::catalog::signature::demo_signing_key());
    PublishedCatalog::new(bytes, sig)
}

pub(super) async fn community_get(State(app): State<App>, headers: HeaderMap) -> Response {
    if !authorised(&app, &headers) {
        return error(StatusCode::UNAUTHORIZED, "unknown terminal token");
    }
    let published = app
        .community
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    serve_signed(
        &published,
        &headers,
        SIGNATURE_HEADER,
        "application/json; charset=utf-8",
    )
}

/// Publishes a feed as the authority signed it (checked by the terminals, not here).
pub(super) async fn community_publish(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !authorised(&app, &headers) {
        return error(StatusCode::UNAUTHORIZED, "unknown terminal token");
    }
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let published = PublishedCatalog::new(body.to_vec(), signature);
    let tag = published.etag.clone();
    *app.community.lock().unwrap_or_else(|e| e.into_inner()) = published;
    Json(json!({ "etag": tag })).into_response()
}
