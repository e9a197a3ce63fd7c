//! `onetrip device id-card --port PATH [--baud N] [--timeout SECS] [--json] [--reveal] [--sam]`

use std::path::Path;
use std::time::Duration;

use onetrip_drivers::id_card::reader::{Link, ReadError};
use onetrip_drivers::id_card::{CardType, Identity, Sex};
use onetrip_drivers::port;
use serde_json::json;

use super::Failure;
use crate::vocab::mask;

pub struct Options<'a> {
    pub port: &'a Path,
    pub baud: u32,
    pub timeout: Duration,
    pub json: bool,
    pub reveal: bool,
    pub sam: bool,
}

fn describe(e: &ReadError, port: &Path) -> String {
    format!("{}: {e}", port.display())
}

/// Runs the command; on success returns what to print on stdout.
pub async fn run(o: Options<'_>) -> Result<String, Failure> {
    let stream = port::open(o.port, o.baud).map_err(|e| Failure::device(e.to_string()))?;
    let mut link = Link::new(stream, port::Line::new(o.baud));
    if o.sam {
        link.sam_status()
            .await
            .map_err(|e| Failure::device(describe(&e, o.port)))?;
        let id = link
            .sam_id()
            .await
            .map_err(|e| Failure::device(describe(&e, o.port)))?;
        let hex: String = id.iter().map(|b| format!("{b:02X}")).collect();
        return Ok(if o.json {
            json!({"sam": "ok", "sam_id": hex}).to_string()
        } else {
            format!("SAM ok, id {hex}")
        });
    }
    let deadline = tokio::time::Instant::now() + o.timeout;
    loop {
        match link.find_card().await {
            Ok(true) => {
                let identity = link
                    .read_card()
                    .await
                    .map_err(|e| Failure::device(describe(&e, o.port)))?;
                return Ok(render(&identity, o.json, o.reveal));
            }
            Ok(false) => {}
            Err(e) => return Err(Failure::device(describe(&e, o.port))),
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(Failure::timeout(format!(
                "no card on the reader at {} within {} s",
                o.port.display(),
                o.timeout.as_secs()
            )));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The JSON object (exactly the documented keys) for one identity.
pub fn to_json(id: &Identity, reveal: bool) -> serde_json::Value {
    let (name, id_number, address, birth) = if reveal {
        (
            id.name.clone(),
            id.id_number.clone(),
            id.address.clone(),
            id.birth_date.map(|d| d.to_string()),
        )
    } else {
        (
            mask::name(&id.name),
            mask::id_number(&id.id_number),
            mask::address(&id.address),
            id.birth_date.map(|d| format!("{:04}-**-**", d.year)),
        )
    };
    json!({
        "card_type": match id.card_type {
            CardType::Resident => "resident",
            CardType::HmtResidence => "hmt_residence",
            CardType::ForeignPermanent | CardType::ForeignPermanent2023 => "foreign_permanent",
        },
        "name": name,
        "sex": match id.sex { Sex::Male => "male", Sex::Female => "female", Sex::Unknown => "unknown" },
        "nation": id.nation,
        "birth_date": birth,
        "address": address,
        "id_number": id_number,
        "id_number_valid": id.id_number_valid,
        "issuer": id.issuer,
        "valid_from": id.valid_from.map(|d| d.to_string()),
        "valid_until": id.valid_until.map(|v| v.to_string()),
        "photo_bytes": id.photo.len(),
    })
}

fn render(id: &Identity, json: bool, reveal: bool) -> String {
    let v = to_json(id, reveal);
    if json {
        return v.to_string();
    }
    let field = |k: &str| match &v[k] {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "-".into(),
        other => other.to_string(),
    };
    let mut out = String::new();
    for (label, key) in [
        ("card type", "card_type"),
        ("name", "name"),
        ("sex", "sex"),
        ("nation", "nation"),
        ("birth date", "birth_date"),
        ("address", "address"),
        ("id number", "id_number"),
        ("check digit valid", "id_number_valid"),
        ("issuer", "issuer"),
        ("valid from", "valid_from"),
        ("valid until", "valid_until"),
        ("photo bytes", "photo_bytes"),
    ] {
        out.push_str(&format!("{label:>18}: {}\n", field(key)));
    }
    if !reveal {
        out.push_str("(personal fields masked; --reveal shows them)\n");
    }
    out
}
