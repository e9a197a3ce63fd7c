//! The screenshots' tour: the real engine driven through a session, from the idle screen to the
//! staff screen, with a view kept at every step worth a picture.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use onetrip_drivers::device::{DeviceKind, DeviceState, DeviceStatus, PaperLevel};
use onetrip_drivers::id_card::identity::parse;
use onetrip_drivers::id_card::sim::SimCard;

use super::card_services;
use super::decision_tour;
use super::TRACKING_URL;
use crate::engine::{
    Action, Availability, Engine, EngineConfig, Event, Harness, Outage, StoredSubmission, View,
};
use crate::engine::{ProgressStep, QueryOutcome, Slot, SlotsOutcome};
use crate::vocab::staff_report::{
    CatalogInForce, DeliveryPaused, DeviceLine, RejectedSubmission, StaffReport,
};

/// The views worth a picture: every screen, each outcome of Done, a card that cannot apply, and the
/// countdown. They are taken from the real engine driven through a session, so a screenshot shows
/// exactly what a citizen would see at that step.
pub fn catalogue(english: bool, elderly: bool) -> Vec<(String, View)> {
    let t0 = Instant::now();
    let mut config = EngineConfig::new(Duration::from_secs(60));
    config.staff_pin = Some(crate::config::staff_pin::hash("2580").expect("a valid PIN"));
    config.tracking_url = TRACKING_URL.into();
    // The engine's own fixture (the shipped catalog, on the tests' day), driven here at `t0`.
    let mut e = Harness::starting_with(config.clone(), t0).into_engine();
    let mut shots: Vec<(String, View)> = Vec::new();
    let touch = |e: &mut Engine, a: Action| e.handle(Event::Touch(a), t0);
    let card = |c: SimCard| Event::CardPresented(Box::new(parse(&c.text, c.photo)));
    // Language and elderly mode are chosen on the attract screen, as a citizen would.
    let prepare = |e: &mut Engine| {
        if e.view().english != english {
            e.handle(Event::Touch(Action::ToggleLanguage), t0);
        }
        if e.view().elderly != elderly {
            e.handle(Event::Touch(Action::ToggleElderly), t0);
        }
    };
    let stored = |n: u32| {
        Event::Stored(Ok(StoredSubmission {
            id: format!("shot-{n}"),
            number: format!("HZXH-0001-00000{n}"),
            verification_code: None,
            pin: None,
        }))
    };

    // The demo village's feed, as upstream signs it (read as of its issue: the tests' day is
    // before it).
    let feed = crate::community::Feed::parse(crate::community::demo_feed().as_bytes())
        .expect("the demo feed is valid");
    e.handle(Event::CommunityUpdated(std::sync::Arc::new(feed)), t0);
    // The card reader's cable pulled: nobody can be served.
    e.handle(
        Event::Availability(Availability::OutOfService(vec![Outage::Device {
            kind: DeviceKind::IdCard,
            status: Some(DeviceStatus::new(DeviceState::Offline)),
        }])),
        t0,
    );
    prepare(&mut e);
    shots.push(("out_of_service".into(), e.view()));
    touch(&mut e, Action::CallStaff);
    shots.push(("out_of_service_staff_called".into(), e.view()));
    // A terminal booted before a technician provisioned it.
    e.handle(
        Event::Availability(Availability::OutOfService(vec![Outage::NotConfigured {
            found: false,
            hardware_id: "52:54:00:12:34:56".into(),
        }])),
        t0,
    );
    prepare(&mut e);
    shots.push(("not_configured".into(), e.view()));
    e.handle(Event::Availability(Availability::Available), t0);
    e.handle(
        Event::UsageCounts(HashMap::from([
            ("ZA-FZJL-01".to_string(), 12),
            ("CRJ-QZ-01".to_string(), 9),
            ("JG-WF-01".to_string(), 5),
            ("HZ-SFZ-02".to_string(), 3),
        ])),
        t0,
    );
    prepare(&mut e);
    shots.push(("attract".into(), e.view()));
    touch(&mut e, Action::OpenCommunity);
    shots.push(("community".into(), e.view()));
    touch(&mut e, Action::PrintContactCard);
    e.handle(Event::ContactCardPrinted(Ok(())), t0);
    shots.push(("community_printed".into(), e.view()));
    touch(&mut e, Action::OpenNotices);
    shots.push(("notices".into(), e.view()));
    touch(&mut e, Action::Back);
    // What to ask the officer for; mediation, up to a risk of violence (it stops at 110).
    touch(&mut e, Action::CommunityRequests);
    shots.push(("community_requests".into(), e.view()));
    touch(&mut e, Action::SelectItem("ZA-SQJW-02".into()));
    e.handle(card(SimCard::resident_sample()), t0);
    for choice in ["land", "neighbour", "yes"] {
        touch(&mut e, Action::FormChoose(choice.into()));
    }
    shots.push(("form_violence_stop".into(), e.view()));
    touch(&mut e, Action::Home);
    touch(&mut e, Action::Finish);
    // An anonymous tip: the area's places by name, then its number and PIN on the Done screen.
    prepare(&mut e);
    touch(&mut e, Action::OpenCommunity);
    touch(&mut e, Action::CommunityRequests);
    touch(&mut e, Action::SelectItem("ZA-SQJW-04".into()));
    touch(&mut e, Action::Start);
    for choice in ["no", "drugs"] {
        touch(&mut e, Action::FormChoose(choice.into()));
    }
    shots.push(("form_tip_places".into(), e.view()));
    for choice in ["east_village", "today", "yes"] {
        touch(&mut e, Action::FormChoose(choice.into()));
    }
    // Nobody's: no applicant rows, whatever card was read before.
    shots.push(("confirm_anonymous_tip".into(), e.view()));
    touch(&mut e, Action::Confirm);
    e.handle(
        Event::Stored(Ok(StoredSubmission {
            id: "shot-tip".into(),
            number: "HZXH-0001-000031".into(),
            verification_code: None,
            pin: Some("482913".into()),
        })),
        t0,
    );
    e.handle(Event::Printed(Ok(())), t0);
    shots.push(("done_anonymous_tip".into(), e.view()));
    touch(&mut e, Action::Finish);
    // Past the feed's expiry: nobody is shown, the duty phone and 110 are.
    e.handle(
        Event::Today(onetrip_drivers::id_card::Date {
            year: 2028,
            month: 1,
            day: 1,
        }),
        t0,
    );
    prepare(&mut e);
    touch(&mut e, Action::OpenCommunity);
    shots.push(("community_expired".into(), e.view()));
    touch(&mut e, Action::Back);
    e.handle(Event::Today(crate::engine::harness::TODAY), t0);
    prepare(&mut e);
    e.handle(Event::CardDetected, t0);
    shots.push(("reading_card".into(), e.view()));
    e.handle(Event::CardReadFailed("SW3 41".into()), t0);
    shots.push(("attract_read_failed".into(), e.view()));

    e.handle(card(SimCard::resident_sample()), t0);
    shots.push(("home".into(), e.view()));
    touch(&mut e, Action::ChoosePoliceType("ZA".into()));
    shots.push(("categories".into(), e.view()));
    touch(&mut e, Action::ChooseCategory("ZA-TZHY".into()));
    shots.push(("items".into(), e.view()));
    touch(&mut e, Action::Home);
    touch(&mut e, Action::OpenSearch);
    shots.push(("search_empty".into(), e.view()));
    for k in ['w', 'f', 'z'] {
        touch(&mut e, Action::SearchKey(k));
    }
    shots.push(("search".into(), e.view()));
    touch(&mut e, Action::SelectItem("ZA-FZJL-01".into()));
    shots.push(("item_detail".into(), e.view()));
    touch(&mut e, Action::Start);
    shots.push(("form_choice".into(), e.view()));
    touch(&mut e, Action::FormChoose("employment".into()));
    for c in "1381234".chars() {
        touch(&mut e, Action::FormKey(c));
    }
    touch(&mut e, Action::FormNext);
    shots.push(("form_phone_error".into(), e.view()));
    for c in "5678".chars() {
        touch(&mut e, Action::FormKey(c));
    }
    touch(&mut e, Action::FormNext);
    shots.push(("confirm".into(), e.view()));
    let warn_at = e.next_deadline().unwrap_or(t0);
    e.handle(Event::Tick, warn_at + Duration::from_secs(3));
    shots.push(("timeout_warning".into(), e.view()));
    e.handle(
        Event::Touch(Action::StillHere),
        warn_at + Duration::from_secs(3),
    );
    // The card was taken away: Confirm asks for the same card back.
    e.handle(Event::CardRemoved, warn_at + Duration::from_secs(3));
    touch(&mut e, Action::Confirm);
    shots.push(("confirm_card_again".into(), e.view()));
    // The same card back on the reader submits.
    e.handle(
        card(SimCard::resident_sample()),
        warn_at + Duration::from_secs(3),
    );
    shots.push(("submitting".into(), e.view()));
    e.handle(stored(7), t0);
    shots.push(("printing".into(), e.view()));
    e.handle(Event::Printed(Ok(())), t0);
    shots.push(("done".into(), e.view()));
    touch(&mut e, Action::Finish);

    for (name, outcome) in [
        ("done_print_failed", Some(Err("paper out".to_string()))),
        ("done_not_saved", None),
    ] {
        prepare(&mut e);
        e.handle(card(SimCard::resident_sample()), t0);
        touch(&mut e, Action::SelectItem("ZA-FZJL-01".into()));
        touch(&mut e, Action::Start);
        touch(&mut e, Action::FormChoose("employment".into()));
        for c in "13812345678".chars() {
            touch(&mut e, Action::FormKey(c));
        }
        touch(&mut e, Action::FormNext);
        touch(&mut e, Action::Confirm);
        match outcome {
            Some(result) => {
                e.handle(stored(8), t0);
                e.handle(Event::Printed(result), t0);
            }
            None => e.handle(Event::Stored(Err("disk full".into())), t0),
        }
        shots.push((name.into(), e.view()));
        touch(&mut e, Action::Finish);
    }

    // A case-progress query: the number on the letter keypad, the timeline, offline, a rating.
    prepare(&mut e);
    e.handle(card(SimCard::resident_sample()), t0);
    touch(&mut e, Action::SelectItem("FZ-ZFGK-02".into()));
    touch(&mut e, Action::Start);
    for c in "DEMO-0001-00".chars() {
        touch(&mut e, Action::FormKey(c));
    }
    shots.push(("form_letters".into(), e.view()));
    for c in "0001".chars() {
        touch(&mut e, Action::FormKey(c));
    }
    touch(&mut e, Action::FormNext);
    shots.push(("query_waiting".into(), e.view()));
    e.handle(Event::QueryResult(QueryOutcome::Offline), t0);
    shots.push(("query_offline".into(), e.view()));
    touch(&mut e, Action::Back);
    touch(&mut e, Action::FormNext);
    e.handle(
        Event::QueryResult(QueryOutcome::Found(
            vec![
                ProgressStep {
                    when: "2026-11-27 10:02".into(),
                    zh: "已收到申请".into(),
                    en: "Application received".into(),
                },
                ProgressStep {
                    when: "2026-11-28 15:40".into(),
                    zh: "调查取证中".into(),
                    en: "Under investigation".into(),
                },
            ],
            None,
        )),
        t0,
    );
    shots.push(("query_found".into(), e.view()));
    touch(&mut e, Action::RateCase);
    shots.push(("rating".into(), e.view()));
    touch(&mut e, Action::FormChoose("dissatisfied".into()));
    shots.push(("rating_reason".into(), e.view()));
    touch(&mut e, Action::Home);
    touch(&mut e, Action::Finish);

    // An appointment: the times upstream offers, and what offline looks like.
    prepare(&mut e);
    e.handle(card(SimCard::resident_sample()), t0);
    touch(&mut e, Action::SelectItem("CRJ-JF-03".into()));
    touch(&mut e, Action::Start);
    for c in "13812345678".chars() {
        touch(&mut e, Action::FormKey(c));
    }
    touch(&mut e, Action::FormNext);
    e.handle(Event::Slots(SlotsOutcome::Offline), t0);
    shots.push(("slots_offline".into(), e.view()));
    touch(&mut e, Action::Back);
    touch(&mut e, Action::FormNext);
    let slots = (1..=4)
        .flat_map(|d| {
            // Worded as the terminal words upstream's start times (weekday and all).
            [(9, 0), (10, 0), (14, 0)].map(|(h, m)| {
                let start = chrono::NaiveDate::from_ymd_opt(2026, 12, d)
                    .and_then(|day| day.and_hms_opt(h, m, 0))
                    .expect("a real time");
                Slot::starting(format!("202612{d:02}T{h:02}{m:02}"), start)
            })
        })
        .collect();
    e.handle(Event::Slots(SlotsOutcome::Offered(slots)), t0);
    shots.push(("slots".into(), e.view()));
    touch(&mut e, Action::ChooseSlot("20261201T0900".into()));
    shots.push(("confirm_appointment".into(), e.view()));
    touch(&mut e, Action::Home);
    touch(&mut e, Action::Finish);

    // A guide: printing at once.
    prepare(&mut e);
    e.handle(card(SimCard::resident_sample()), t0);
    touch(&mut e, Action::SelectItem("HZ-HKDJ-01".into()));
    touch(&mut e, Action::Start);
    shots.push(("guide_printing".into(), e.view()));
    e.handle(Event::Printed(Ok(())), t0);
    shots.push(("guide_done".into(), e.view()));
    touch(&mut e, Action::Finish);

    // No card with them: the catalog to browse, an application asking for the card, and the
    // province of a plate on a lookup.
    prepare(&mut e);
    touch(&mut e, Action::BrowseWithoutCard);
    if e.view().english != english {
        touch(&mut e, Action::ToggleLanguage);
    }
    shots.push(("home_without_card".into(), e.view()));
    touch(&mut e, Action::SelectItem("ZA-FZJL-01".into()));
    shots.push(("item_card_needed".into(), e.view()));
    touch(&mut e, Action::Home);
    touch(&mut e, Action::Finish);
    prepare(&mut e);
    e.handle(card(SimCard::resident_sample()), t0);
    touch(&mut e, Action::SelectItem("JG-WF-03".into()));
    touch(&mut e, Action::Start);
    shots.push(("form_province".into(), e.view()));
    touch(&mut e, Action::Home);
    touch(&mut e, Action::Finish);

    card_services::shots(&mut e, &mut shots, t0, &prepare);
    decision_tour::shots(&mut e, &mut shots, t0, &prepare);

    // A foreigner's card and an item only mainland residents can apply for.
    prepare(&mut e);
    e.handle(card(SimCard::foreign_2023_sample()), t0);
    if e.view().english != english {
        touch(&mut e, Action::ToggleLanguage);
    }
    touch(&mut e, Action::SelectItem("CRJ-QZ-01".into()));
    shots.push(("item_not_eligible".into(), e.view()));
    touch(&mut e, Action::Home);
    touch(&mut e, Action::Finish);

    // Staff: the PIN pad with a wrong try, and the staff screen with figures in it, in the
    // language the idle screen shows (elderly mode is a citizen's, so it is off).
    if e.view().english != english {
        touch(&mut e, Action::ToggleLanguage);
    }
    touch(&mut e, Action::StaffEntry);
    for d in "1111".chars() {
        touch(&mut e, Action::PinDigit(d));
    }
    touch(&mut e, Action::PinEnter);
    shots.push(("staff_pin".into(), e.view()));
    for d in "2580".chars() {
        touch(&mut e, Action::PinDigit(d));
    }
    touch(&mut e, Action::PinEnter);
    e.handle(Event::StaffReport(Box::new(sample_staff_report())), t0);
    shots.push(("staff".into(), e.view()));
    // Upstream refuses the terminal's token: the queue is paused, staff are told in words.
    let mut paused = sample_staff_report();
    paused.pending = 104;
    paused.expiring = 3;
    paused.delivery_paused = Some(DeliveryPaused {
        refusal: crate::sync::Refusal::Credentials,
        detail: "HTTP 401: unknown terminal token".into(),
    });
    // …on an image signed with development keys, which staff must not take for a real terminal.
    paused.firmware.dev_keys = true;
    e.handle(Event::StaffReport(Box::new(paused)), t0);
    shots.push(("staff_delivery_paused".into(), e.view()));
    // A terminal with no usage of its own yet (new or reset): the catalog's featured items.
    let mut fresh = Harness::shipped_with(config, t0).into_engine();
    prepare(&mut fresh);
    fresh.handle(card(SimCard::resident_sample()), t0);
    shots.push(("home_featured".into(), fresh.view()));
    // Out of paper: the terminal still serves; what prints waits, and says so.
    let paper_out = Outage::Device {
        kind: DeviceKind::Printer,
        status: Some(DeviceStatus {
            paper: Some(PaperLevel::Out),
            ..DeviceStatus::new(DeviceState::Online)
        }),
    };
    fresh.handle(
        Event::Availability(Availability::PrintingPaused(vec![paper_out])),
        t0,
    );
    shots.push(("home_printing_paused".into(), fresh.view()));
    touch(&mut fresh, Action::SelectItem("ZA-FZJL-01".into()));
    shots.push(("item_printing_paused".into(), fresh.view()));
    touch(&mut fresh, Action::Home);
    touch(&mut fresh, Action::Finish);
    prepare(&mut fresh);
    shots.push(("attract_printing_paused".into(), fresh.view()));
    shots
}

fn sample_staff_report() -> StaffReport {
    StaffReport {
        devices: vec![
            DeviceLine {
                kind: DeviceKind::IdCard,
                required: true,
                status: Some(DeviceStatus::new(DeviceState::Online)),
            },
            DeviceLine {
                kind: DeviceKind::Printer,
                required: true,
                status: Some(DeviceStatus {
                    paper: Some(PaperLevel::Low),
                    ..DeviceStatus::new(DeviceState::Online)
                }),
            },
            DeviceLine {
                kind: DeviceKind::Scanner,
                required: false,
                status: Some(DeviceStatus::new(DeviceState::Offline)),
            },
        ],
        store_problem: None,
        pending: 3,
        rejected: 1,
        accepted: 128,
        expiring: 0,
        rejected_list: vec![RejectedSubmission {
            number: "HZXH-0001-000042".into(),
            item_code: "HZ-HJZM-03".into(),
            reason: "HTTP 422: item not offered at this hall".into(),
            at: "11-29 09:12".into(),
        }],
        unprinted: vec!["HZXH-0001-000051".into()],
        receipts_printed: 131,
        paper_mm: 41_250,
        catalog: CatalogInForce {
            version: "2026.12.03-1".into(),
            updated: false,
        },
        firmware: crate::vocab::firmware::Firmware {
            image: Some("2026.12.1".into()),
            slot: Some("B".into()),
            ..Default::default()
        },
        help_call: Some(("done", "14:05".into())),
        ..StaffReport::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{DoneOutcome, Screen};

    /// Every picture shows the screen its name promises (a flow change that stops the scripted
    /// session short would otherwise silently photograph the wrong screen).
    #[test]
    fn each_shot_is_the_screen_it_names() {
        for english in [false, true] {
            for elderly in [false, true] {
                let shots = catalogue(english, elderly);
                for (name, view) in &shots {
                    let expected = match name.as_str() {
                        "out_of_service" | "out_of_service_staff_called" | "not_configured" => {
                            Screen::OutOfService
                        }
                        "attract" | "attract_read_failed" | "attract_printing_paused" => {
                            Screen::Attract
                        }
                        "reading_card" => Screen::ReadingCard,
                        "home" | "home_featured" | "home_without_card" | "home_printing_paused" => {
                            Screen::Home
                        }
                        "categories" => Screen::Categories,
                        "items" => Screen::Items,
                        "search" | "search_empty" => Screen::Search,
                        "item_detail"
                        | "item_not_eligible"
                        | "item_card_needed"
                        | "item_hmt_renewal"
                        | "item_printing_paused" => Screen::ItemDetail,
                        "confirm"
                        | "timeout_warning"
                        | "confirm_appointment"
                        | "confirm_card_again"
                        | "confirm_anonymous_tip" => Screen::Confirm,
                        "slots" | "slots_offline" => Screen::Slots,
                        "violations" | "violations_offline" => Screen::Violations,
                        "confirm_violation" => Screen::Confirm,
                        "decision_printing" => Screen::Printing,
                        n if n.starts_with("decision") => Screen::Decision,
                        "submitting" => Screen::Submitting,
                        "printing" | "guide_printing" => Screen::Printing,
                        n if n.starts_with("done") || n == "guide_done" => Screen::Done,
                        n if n.starts_with("form") || n.starts_with("rating") => Screen::Form,
                        n if n.starts_with("query") => Screen::QueryResult,
                        "community_requests" => Screen::Items,
                        "notices" => Screen::Notices,
                        n if n.starts_with("community") => Screen::Community,
                        "staff_pin" => Screen::StaffPin,
                        "staff" | "staff_delivery_paused" => Screen::Staff,
                        other => panic!("no expectation for {other}"),
                    };
                    assert_eq!(
                        view.screen, expected,
                        "{name} (english {english}, elderly {elderly})"
                    );
                    // Staff screens are in the idle screen's language; elderly mode is a
                    // citizen's, outside any session.
                    assert_eq!(view.english, english, "{name}");
                    if !name.starts_with("staff") {
                        assert_eq!(view.elderly, elderly, "{name}");
                    }
                }
                let get = |n: &str| &shots.iter().find(|(name, _)| name == n).unwrap().1;
                assert_eq!(get("done").outcome, Some(DoneOutcome::Printed));
                assert_eq!(
                    get("done_print_failed").outcome,
                    Some(DoneOutcome::PrintFailed)
                );
                assert_eq!(get("done_not_saved").outcome, Some(DoneOutcome::NotSaved));
                assert!(get("timeout_warning").countdown.is_some());
                assert_eq!(get("form_letters").form.as_ref().unwrap().kind, "letters");
                assert!(!get("item_not_eligible").detail.as_ref().unwrap().eligible);
                let paused = get("item_printing_paused");
                assert!(!paused.detail.as_ref().unwrap().paused.is_empty());
                assert!(paused.help_offered);
                assert!(get("attract_printing_paused").printing_paused);
                // A decision made but not printed: its number on screen, and staff to call.
                let unprinted = get("decision_print_failed");
                assert_eq!(unprinted.decision.as_ref().unwrap().printed, Some(false));
                assert!(unprinted.help_offered);
            }
        }
    }
}
