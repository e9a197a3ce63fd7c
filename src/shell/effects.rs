//! Carrying out the engine's I/O effects on the tokio half, each without blocking the drive loop
//! (a print job takes seconds): commit a submission, print, ask upstream, write the audit log,
//! and the staff screen's requests. Every answer goes back to the engine as an event.

use std::sync::Arc;

use tokio::sync::{mpsc, watch, Notify};

use super::options::UiSink;
use super::printing::PrintJob;
use super::staff_desk;
use crate::engine::{Effect, Event, QueryOutcome, SlotsOutcome};
use crate::store::{applicant_payload, StoreHandle, StoreVerdict};
use crate::sync::UpstreamClient;
use crate::vocab::help_call::HelpCall;
use crate::vocab::staff_report::StaffRequest;
use crate::vocab::submission::StoredSubmission;
use crate::vocab::violation::{DecisionOutcome, ViolationsOutcome};

/// What effects are carried out with.
pub struct Effects {
    pub terminal_id: String,
    pub store: Option<StoreHandle>,
    pub client: Option<UpstreamClient>,
    pub print_job: PrintJob,
    /// Wakes the delivery worker after a commit or a requeue.
    pub wake: Arc<Notify>,
    /// Failed store writes take the terminal out of service.
    pub store_faults: mpsc::UnboundedSender<StoreVerdict>,
    /// Submissions carry `"test": true` (a technician's burn-in, never a citizen's application).
    pub test_submissions: bool,
    /// The last call for staff: the heartbeat sends it at once, the staff screen shows it.
    pub help: watch::Sender<Option<HelpCall>>,
    pub sink: UiSink,
}

/// One submission's way into the store: its kind and item, and whom to tell.
struct Commit {
    store: Option<StoreHandle>,
    terminal: String,
    kind: &'static str,
    item: String,
    wake: Arc<Notify>,
    faults: mpsc::UnboundedSender<StoreVerdict>,
}

impl Commit {
    /// Commits `payload` (or reports why there is none); a failed write takes the terminal out
    /// of service; the delivery worker is woken either way.
    async fn run(
        self,
        payload: Result<serde_json::Value, String>,
    ) -> Result<StoredSubmission, String> {
        let result = match (self.store, payload) {
            (_, Err(e)) => Err(e),
            (None, _) => Err("store unavailable".into()),
            (Some(store), Ok(payload)) => {
                let (terminal, kind, item) = (self.terminal, self.kind, self.item);
                match store
                    .call(move |s| s.insert_submission(&terminal, kind, &item, &payload))
                    .await
                {
                    Ok(Ok(s)) => Ok(s),
                    Ok(Err(e)) => {
                        let _ = self.faults.send(Err(e.fault()));
                        Err(e.to_string())
                    }
                    Err(e) => Err(e.to_string()),
                }
            }
        };
        match &result {
            Ok(s) => tracing::info!(submission = %s.id, "submission committed"),
            Err(e) => tracing::error!(error = %e, "submission NOT committed"),
        }
        self.wake.notify_one();
        result
    }
}

impl Effects {
    fn commit(&self, store: Option<StoreHandle>, kind: &'static str, item: String) -> Commit {
        Commit {
            store,
            terminal: self.terminal_id.clone(),
            kind,
            item,
            wake: self.wake.clone(),
            faults: self.store_faults.clone(),
        }
    }

    /// Carries out one effect. The staff report is not among them: the drive loop holds the device
    /// states it needs.
    pub fn carry_out(&self, effect: Effect) {
        let sink = self.sink.clone();
        let store = self.store.clone();
        match effect {
            Effect::Submit(submission) => {
                let payload = applicant_payload(&submission, self.test_submissions);
                let commit = self.commit(store, submission.kind, submission.item_code.clone());
                tokio::spawn(async move {
                    sink(Event::Stored(commit.run(Ok(payload)).await));
                });
            }
            Effect::SubmitAnonymousTip(tip) => {
                let commit = self.commit(store, "tip", tip.item_code.clone());
                let test = self.test_submissions;
                tokio::spawn(async move {
                    // Sealed before the store sees it: the answers never reach the disk in clear.
                    // The PIN goes upstream only as its argon2 hash (tens of ms: off this thread).
                    let pin = crate::community::tip::new_pin();
                    let for_hash = pin.clone();
                    let payload = tokio::task::spawn_blocking(move || {
                        let verifier =
                            crate::config::staff_pin::hash(&for_hash).map_err(|e| e.to_string())?;
                        let mut payload = tip.payload(&verifier)?;
                        if test {
                            payload["test"] = serde_json::Value::Bool(true);
                        }
                        Ok(payload)
                    })
                    .await
                    .unwrap_or_else(|e| Err(e.to_string()));
                    let result = commit.run(payload).await.map(|mut stored| {
                        stored.pin = Some(pin);
                        stored
                    });
                    sink(Event::Stored(result));
                });
            }
            Effect::Print(request) => {
                let job = self.print_job.clone();
                tokio::spawn(async move {
                    let result = job.print(&request, store).await;
                    sink(Event::Printed(result));
                });
            }
            Effect::PrintContactCard(panel) => {
                let job = self.print_job.clone();
                tokio::spawn(async move {
                    let result = job.print_contact_card(&panel, store).await;
                    sink(Event::ContactCardPrinted(result));
                });
            }
            Effect::Staff(StaffRequest::Reprint(number)) => {
                let job = self.print_job.clone();
                tokio::spawn(async move {
                    let result = job.reprint(&number, store).await;
                    sink(Event::Reprinted { number, result });
                });
            }
            Effect::Staff(StaffRequest::Requeue(number)) => {
                let wake = self.wake.clone();
                tokio::spawn(async move {
                    let outcome = staff_desk::requeue(store, number.clone()).await;
                    wake.notify_one();
                    sink(Event::Requeued { number, outcome });
                });
            }
            Effect::Staff(StaffRequest::RequeueAllRejected) => {
                let wake = self.wake.clone();
                tokio::spawn(async move {
                    let outcome = staff_desk::requeue_all(store).await;
                    wake.notify_one();
                    // One answer for them all: no single number.
                    sink(Event::Requeued {
                        number: String::new(),
                        outcome,
                    });
                });
            }
            Effect::Staff(StaffRequest::SavePinGuard(state)) => {
                if let Some(store) = &store {
                    staff_desk::keep_pin_guard(store, state);
                }
            }
            Effect::Staff(StaffRequest::PaperReplaced) => {
                if let Some(store) = &store {
                    staff_desk::paper_replaced(store);
                }
            }
            Effect::Staff(StaffRequest::Report) | Effect::WipeSession => {}
            Effect::CallStaff { screen } => {
                tracing::warn!(screen, "a citizen called for staff");
                self.help.send_replace(Some(HelpCall {
                    screen,
                    at_ms: crate::store::now_ms(),
                    seen_at_ms: None,
                }));
            }
            Effect::FetchSlots { item_code } => {
                let client = self.client.clone();
                tokio::spawn(async move {
                    let outcome = match client {
                        None => SlotsOutcome::Offline,
                        Some(client) => match client.appointment_slots(&item_code).await {
                            Ok(offered) => offered,
                            Err(e) => {
                                tracing::warn!(item = %item_code, error = %e, "appointment slots unavailable");
                                SlotsOutcome::Offline
                            }
                        },
                    };
                    sink(Event::Slots(outcome));
                });
            }
            Effect::Query(q) => {
                let client = self.client.clone();
                tokio::spawn(async move {
                    let outcome = match client {
                        None => QueryOutcome::Offline,
                        Some(client) => match client.query_case(&q).await {
                            Ok(outcome) => outcome,
                            Err(e) => {
                                tracing::warn!(item = %q.item_code, error = %e, "case query failed");
                                QueryOutcome::Offline
                            }
                        },
                    };
                    sink(Event::QueryAnswered(q.ticket, outcome));
                });
            }
            Effect::Violations(request) => {
                let client = self.client.clone();
                tokio::spawn(async move {
                    let ticket = request.ticket;
                    let event = match (&request.decide, client) {
                        (None, None) => {
                            Event::ViolationsAnswered(ticket, ViolationsOutcome::Offline)
                        }
                        (Some(_), None) => {
                            Event::DecisionAnswered(ticket, DecisionOutcome::Offline)
                        }
                        (None, Some(client)) => Event::ViolationsAnswered(
                            ticket,
                            match client.violations(&request).await {
                                Ok(list) => ViolationsOutcome::Offered(list),
                                Err(e) => {
                                    tracing::warn!(item = %request.item_code, error = %e, "violations lookup failed");
                                    ViolationsOutcome::Offline
                                }
                            },
                        ),
                        (Some(id), Some(client)) => Event::DecisionAnswered(
                            ticket,
                            match client.decide(&request, id).await {
                                Ok(Some(decision)) => DecisionOutcome::Decided(Box::new(decision)),
                                Ok(None) => DecisionOutcome::Refused,
                                Err(e) => {
                                    tracing::warn!(item = %request.item_code, error = %e, "decision not answered");
                                    DecisionOutcome::Offline
                                }
                            },
                        ),
                    };
                    sink(event);
                });
            }
            Effect::Audit(event) => {
                // Posted at once, on this thread: rows commit in the order the engine emitted them.
                if let Some(store) = store {
                    let faults = self.store_faults.clone();
                    store.post(move |store| {
                        if let Err(e) = store.record(&event) {
                            tracing::error!(error = %e, "audit write failed");
                            let _ = faults.send(Err(e.fault()));
                        }
                    });
                }
            }
        }
    }
}
