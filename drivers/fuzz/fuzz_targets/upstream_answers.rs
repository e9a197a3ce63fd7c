//! Upstream's answers into typed outcomes (a submission's, a case query's, the appointment
//! times, a card holder's violations and a penalty decision), from any status and any body:
//! never panics, nothing grows past the bounds. The modules are the terminal's own files,
//! compiled here as they are.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../../src/sync/replies.rs"]
#[allow(dead_code)]
mod replies;

#[path = "../../../src/sync/violation_replies.rs"]
#[allow(dead_code)]
mod violation_replies;

#[path = "../../../src/vocab/refusal.rs"]
pub mod refusal;

/// `replies.rs` names the refusal by its place in the terminal's crate (`crate::vocab::refusal`).
mod vocab {
    pub use super::refusal;
}

use replies::{SendError, MAX_ITEMS, MAX_TEXT_CHARS};

fn bounded(e: &SendError) {
    let reason = match e {
        SendError::Retryable { reason, .. }
        | SendError::Permanent { reason, .. }
        | SendError::Refused { reason, .. } => reason,
    };
    // "HTTP nnn: " and the platform's reason, itself bounded.
    assert!(reason.chars().count() <= MAX_TEXT_CHARS + 80);
}

fuzz_target!(|data: &[u8]| {
    let (status, body) = match data {
        [a, b, rest @ ..] => (u16::from_le_bytes([*a, *b]) % 600, rest),
        _ => (200, data),
    };
    match replies::submission(status, None, body) {
        Ok(reference) => {
            assert!((200..300).contains(&status));
            assert!(!reference.is_empty() && reference.chars().count() <= MAX_TEXT_CHARS);
        }
        Err(e) => bounded(&e),
    }
    match replies::case_progress(status, body) {
        Ok(Some(steps)) => {
            assert_eq!(status, 200);
            assert!(steps.len() <= MAX_ITEMS);
            for s in steps {
                assert!(s.zh.chars().count() <= MAX_TEXT_CHARS);
                assert!(s.en.chars().count() <= MAX_TEXT_CHARS);
            }
        }
        Ok(None) => assert_eq!(status, 404),
        Err(e) => bounded(&e),
    }
    if let Some(a) = replies::case_acceptance(body) {
        // Printed as the 受理编号: only letters, digits and '-', and short.
        assert!(!a.number.is_empty() && a.number.chars().count() <= replies::MAX_ACCEPTANCE_CHARS);
        assert!(a.number.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        assert!(!a.authority_zh.chars().any(char::is_control));
        assert!(a.authority_zh.chars().count() <= MAX_TEXT_CHARS);
    }
    match replies::slots(status, body) {
        Ok(slots) => {
            assert!(slots.len() <= MAX_ITEMS);
            assert!(slots.iter().all(|s| !s.id.is_empty()));
        }
        Err(e) => bounded(&e),
    }
    // A card holder's violations and a penalty decision: bounded, believable figures, and a
    // decision number and texts a printer can take.
    match violation_replies::violations(status, body) {
        Ok(list) => {
            assert_eq!(status, 200);
            assert!(list.len() <= MAX_ITEMS);
            for v in list {
                assert!(!v.id.is_empty() && !v.act_zh.is_empty());
                assert!(v.fine_yuan <= violation_replies::MAX_FINE_YUAN);
                assert!(v.points <= violation_replies::MAX_POINTS);
                assert!(!v.place.chars().any(char::is_control));
            }
        }
        Err(e) => bounded(&e),
    }
    match violation_replies::decision(status, body) {
        Ok(Some(d)) => {
            assert!(status == 200 || status == 201);
            assert!(d.number.chars().count() <= violation_replies::MAX_NUMBER_CHARS);
            assert!(d.number.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
            assert!(!d.authority_zh.is_empty() && !d.remedy_zh.is_empty());
            for t in [&d.basis_zh, &d.payment_zh, &d.remedy_zh, &d.authority_zh] {
                assert!(!t.chars().any(char::is_control));
                assert!(t.chars().count() <= MAX_TEXT_CHARS);
            }
        }
        Ok(None) => assert!(matches!(status, 404 | 409 | 422)),
        Err(e) => bounded(&e),
    }
});
