//! What the terminal counts (receipts, paper, how often each item was started): typed names, the
//! same strings in the `counters` table as before they were typed.

use std::borrow::Cow;
use std::collections::HashMap;

use rusqlite::{params, OptionalExtension};

use super::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Counter {
    ReceiptsPrinted,
    /// Text lines printed (the paper estimate's input).
    PaperLines,
    /// Millimetres of paper used since staff last replaced the roll.
    PaperMm,
    /// How often an item was started here ("most used here").
    ItemStarted(String),
}

/// Prefix of the per-item counters in the table.
const ITEM_STARTED: &str = "item:";

impl Counter {
    fn name(&self) -> Cow<'static, str> {
        match self {
            Counter::ReceiptsPrinted => "receipts_printed".into(),
            Counter::PaperLines => "paper_lines".into(),
            Counter::PaperMm => "paper_mm".into(),
            Counter::ItemStarted(code) => format!("{ITEM_STARTED}{code}").into(),
        }
    }
}

impl Store {
    pub fn bump(&self, counter: &Counter, by: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO counters (name, value) VALUES (?1, ?2)
             ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
            params![counter.name(), by],
        )?;
        Ok(())
    }

    pub fn reset(&self, counter: &Counter) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO counters (name, value) VALUES (?1, 0)
             ON CONFLICT(name) DO UPDATE SET value = 0",
            params![counter.name()],
        )?;
        Ok(())
    }

    /// The counter's value; 0 when it never counted.
    pub fn count(&self, counter: &Counter) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT value FROM counters WHERE name = ?1",
                [counter.name()],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0))
    }

    /// How often each item was started here, by item code.
    pub fn item_starts(&self) -> Result<HashMap<String, u64>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, value FROM counters WHERE substr(name, 1, length(?1)) = ?1")?;
        let rows = stmt.query_map([ITEM_STARTED], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        let mut out = HashMap::new();
        for row in rows {
            let (name, value) = row?;
            out.insert(name[ITEM_STARTED.len()..].to_string(), value.max(0) as u64);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_count_reset_and_keep_their_names() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        s.bump(&Counter::ReceiptsPrinted, 1).unwrap();
        s.bump(&Counter::ReceiptsPrinted, 2).unwrap();
        assert_eq!(s.count(&Counter::ReceiptsPrinted).unwrap(), 3);
        assert_eq!(s.count(&Counter::PaperMm).unwrap(), 0);
        s.bump(&Counter::PaperMm, 120).unwrap();
        s.reset(&Counter::PaperMm).unwrap();
        assert_eq!(s.count(&Counter::PaperMm).unwrap(), 0);
        s.bump(&Counter::ItemStarted("ZA-FZJL-01".into()), 2)
            .unwrap();
        s.bump(&Counter::ItemStarted("HZ-SFZ-02".into()), 1)
            .unwrap();
        let starts = s.item_starts().unwrap();
        assert_eq!(starts.get("ZA-FZJL-01"), Some(&2));
        assert_eq!(starts.len(), 2);
        // The table's names are what firmware before the typed counters wrote.
        let names: Vec<String> = s
            .connection()
            .prepare("SELECT name FROM counters ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            names,
            [
                "item:HZ-SFZ-02",
                "item:ZA-FZJL-01",
                "paper_mm",
                "receipts_printed"
            ]
        );
    }
}
