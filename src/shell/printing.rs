//! Printing a receipt: laid out from the request, encoded as ESC/POS, sent to the printer task,
//! then kept (masked) for staff reprints and counted against the paper roll.

use onetrip_drivers::printer::{commands, Block, PaperWidth, PrinterHandle};

use crate::community::panel::Panel;
use crate::config::Config;
use crate::receipt::Receipt;
use crate::store::{Counter, StoreHandle};
use crate::vocab::submission::{ReceiptKind, ReceiptRequest};

/// What every receipt of this terminal shares: the hall, the tracking link, the paper.
#[derive(Clone)]
pub struct PrintJob {
    hall_zh: String,
    hall_en: String,
    slogan_zh: String,
    slogan_en: String,
    tracking: String,
    width: PaperWidth,
    printer: PrinterHandle,
}

impl PrintJob {
    pub fn new(cfg: &Config, printer: &PrinterHandle) -> PrintJob {
        PrintJob {
            hall_zh: cfg.terminal.hall.clone(),
            hall_en: cfg
                .terminal
                .hall_en
                .clone()
                .unwrap_or_else(|| cfg.terminal.hall.clone()),
            slogan_zh: cfg.terminal.slogan.clone(),
            slogan_en: cfg.terminal.slogan_en.clone().unwrap_or_default(),
            tracking: cfg.upstream.tracking_url.clone(),
            width: cfg.paper_width(),
            printer: printer.clone(),
        }
    }

    /// Prints one receipt; keeps it for reprints and counts the paper (with a store).
    pub async fn print(
        &self,
        request: &ReceiptRequest,
        store: Option<StoreHandle>,
    ) -> Result<(), String> {
        let when = chrono::Local::now().format("%Y-%m-%d %H:%M").to_string();
        let (hall, slogan) = if request.english {
            (&self.hall_en, &self.slogan_en)
        } else {
            (&self.hall_zh, &self.slogan_zh)
        };
        let doc = Receipt {
            hall,
            slogan,
            request,
            when: &when,
            tracking_url: &self.tracking,
            width: self.width,
        }
        .layout();
        let lines = text_lines(&doc);
        let result = match commands::encode(&doc) {
            Ok(bytes) => self.printer.print(bytes).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        let id = &request.submission.id;
        match &result {
            Ok(()) => tracing::info!(submission = %id, "receipt printed"),
            Err(e) => tracing::warn!(submission = %id, error = %e, "receipt not printed"),
        }
        if let Some(store) = store {
            let printed = result.is_ok();
            let request = request.clone();
            let _ = store
                .call(move |s| {
                    // A guide has no submission: nothing to keep for a reprint. An anonymous
                    // tip's receipt carries its PIN: kept nowhere, reprinted by nobody. An
                    // acceptance receipt or a decision is upstream's, printed again by asking again.
                    let kept = if request.submission.number.is_empty()
                        || matches!(
                            request.kind,
                            ReceiptKind::AnonymousTip
                                | ReceiptKind::Acceptance
                                | ReceiptKind::Decision
                        ) {
                        Ok(())
                    } else {
                        s.save_receipt(&request, printed)
                    };
                    if let Err(e) = kept {
                        tracing::error!(error = %e, "receipt not kept for reprint");
                    }
                    if printed {
                        count_paper(s, lines);
                    }
                })
                .await;
        }
        result
    }

    /// The community panel's contact card: nothing of the citizen, nothing kept for a reprint;
    /// the paper is counted like a receipt's.
    pub async fn print_contact_card(
        &self,
        panel: &Panel,
        store: Option<StoreHandle>,
    ) -> Result<(), String> {
        let when = chrono::Local::now().format("%Y-%m-%d %H:%M").to_string();
        let hall = if panel.english {
            &self.hall_en
        } else {
            &self.hall_zh
        };
        let doc = crate::community::card::layout(panel, hall, &when, self.width);
        let lines = text_lines(&doc);
        let result = match commands::encode(&doc) {
            Ok(bytes) => self.printer.print(bytes).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match &result {
            Ok(()) => tracing::info!("contact card printed"),
            Err(e) => tracing::warn!(error = %e, "contact card not printed"),
        }
        if let (Some(store), true) = (store, result.is_ok()) {
            let _ = store.call(move |s| count_paper(s, lines)).await;
        }
        result
    }

    /// Staff: the kept receipt of a submission number, printed again.
    pub async fn reprint(&self, number: &str, store: Option<StoreHandle>) -> Result<(), String> {
        let Some(s) = store.clone() else {
            return Err("store unavailable".to_string());
        };
        let n = number.to_string();
        let kept = s
            .call(move |s| s.receipt(&n))
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()));
        match kept {
            Ok(Some(request)) => self.print(&request, store).await,
            Ok(None) => Err(format!("no receipt kept for {number}")),
            Err(e) => Err(e),
        }
    }
}

fn text_lines(doc: &onetrip_drivers::printer::Document) -> i64 {
    doc.blocks
        .iter()
        .filter(|b| matches!(b, Block::Text { .. }))
        .count() as i64
}

/// One more slip out of the roll, for the paper estimate staff see.
fn count_paper(s: &crate::store::Store, lines: i64) {
    let _ = s.bump(&Counter::ReceiptsPrinted, 1);
    let _ = s.bump(&Counter::PaperLines, lines);
    // 24-dot font plus spacing at 8 dots/mm ≈ 3.75 mm a line, plus the QR code and the cut margin.
    let _ = s.bump(&Counter::PaperMm, (lines as f64 * 3.75) as i64 + 45);
}
