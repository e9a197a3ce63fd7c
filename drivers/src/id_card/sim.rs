//! A SAM ID card reader emulator on a pseudo-terminal: answers every command of the protocol
//! byte-exactly from a deck of synthetic cards, and injects faults on request.

use std::path::Path;
use std::time::Duration;

use tokio::io::AsyncReadExt;

use super::codec::{Command, Decoder, FrameError, Response, Sw3};
use super::identity::{check_char, ucs2_field, PHOTO_LEN, TEXT_LEN};
use crate::pty::{PtyMaster, Replies, ReplyLine, Shared, SimHandle};

/// One synthetic card: the 256-byte text block and a 1024-byte stand-in for the WLT photo.
#[derive(Clone)]
pub struct SimCard {
    /// Shown on the demo's device panel; never a real person.
    pub label: String,
    pub text: Vec<u8>,
    pub photo: Vec<u8>,
    pub extra_address: Option<String>,
}

struct Fields<'a> {
    name: &'a str,
    sex: &'a str,
    nation: &'a str,
    birth: &'a str,
    address: &'a str,
    id17: &'a str,
    issuer: &'a str,
    from: &'a str,
    until: &'a str,
}

fn photo_for(seed: u8) -> Vec<u8> {
    (0..PHOTO_LEN)
        .map(|i| (i as u8).wrapping_mul(31) ^ seed)
        .collect()
}

impl SimCard {
    fn resident_like(label: &str, f: Fields, marker: u8, permit: &str) -> SimCard {
        let id = format!("{}{}", f.id17, check_char(f.id17).unwrap_or('0'));
        let mut t = Vec::with_capacity(TEXT_LEN);
        t.extend(ucs2_field(f.name, 30));
        t.extend(ucs2_field(f.sex, 2));
        t.extend(ucs2_field(f.nation, 4));
        t.extend(ucs2_field(f.birth, 16));
        t.extend(ucs2_field(f.address, 70));
        t.extend(ucs2_field(&id, 36));
        t.extend(ucs2_field(f.issuer, 30));
        t.extend(ucs2_field(f.from, 16));
        t.extend(ucs2_field(f.until, 16));
        if marker == b'J' {
            t.extend(ucs2_field(permit, 18));
            t.extend(ucs2_field("01", 4));
            t.extend(ucs2_field("", 6));
            t.extend(ucs2_field("J", 2));
            t.extend(ucs2_field("", 6));
        } else {
            t.extend(ucs2_field("", 36));
        }
        debug_assert_eq!(t.len(), TEXT_LEN);
        SimCard {
            label: label.to_string(),
            text: t,
            photo: photo_for(f.id17.as_bytes()[16]),
            extra_address: None,
        }
    }

    /// A resident card with every field set.
    pub fn resident_sample() -> SimCard {
        SimCard::resident_like(
            "居民身份证 · 男 · 1985",
            Fields {
                name: "张晓明",
                sex: "1",
                nation: "01",
                birth: "19850312",
                address: "浙江省杭州市西湖区文三路100号",
                id17: "33010619850312123",
                issuer: "杭州市公安局西湖分局",
                from: "20150601",
                until: "20350601",
            },
            b' ',
            "",
        )
    }

    /// An elderly citizen of a minority nation whose card is valid for life (长期).
    pub fn elderly_long_term_sample() -> SimCard {
        SimCard::resident_like(
            "居民身份证 · 长期 · 维吾尔族 · 1948",
            Fields {
                name: "阿依古丽·买买提",
                sex: "2",
                nation: "05",
                birth: "19480705",
                address: "新疆乌鲁木齐市天山区解放南路8号",
                id17: "65010219480705002",
                issuer: "乌鲁木齐市公安局天山区分局",
                from: "20100301",
                until: "长期",
            },
            b' ',
            "",
        )
    }

    /// A HK/Macau/Taiwan residence permit ('J').
    pub fn hmt_sample() -> SimCard {
        SimCard::resident_like(
            "港澳台居民居住证",
            Fields {
                name: "陈家明",
                sex: "1",
                nation: "",
                birth: "19900101",
                address: "浙江省杭州市上城区解放路1号",
                id17: "81000019900101001",
                issuer: "杭州市公安局上城区分局",
                from: "20200101",
                until: "20250101",
            },
            b'J',
            "H60123456",
        )
    }

    /// A name with a private-use code point and a rare CJK Extension A character.
    pub fn rare_character_sample() -> SimCard {
        SimCard::resident_like(
            "居民身份证 · 生僻字姓名",
            Fields {
                name: "王\u{E000}䶮",
                sex: "2",
                nation: "01",
                birth: "19600203",
                address: "北京市海淀区中关村大街1号",
                id17: "11010819600203456",
                issuer: "北京市公安局海淀分局",
                from: "20180101",
                until: "20380101",
            },
            b' ',
            "",
        )
    }

    /// The old foreigner's permanent residence card ('I').
    pub fn foreign_old_sample() -> SimCard {
        let mut t = Vec::with_capacity(TEXT_LEN);
        t.extend(ucs2_field("SMITH, JOHN", 120));
        t.extend(ucs2_field("1", 2));
        t.extend(ucs2_field("GBR310075060711", 30));
        t.extend(ucs2_field("GBR", 6));
        t.extend(ucs2_field("史密斯", 30));
        t.extend(ucs2_field("20160101", 16));
        t.extend(ucs2_field("20260101", 16));
        t.extend(ucs2_field("19750607", 16));
        t.extend(ucs2_field("01", 4));
        t.extend(ucs2_field("1100", 8));
        t.extend(ucs2_field("I", 2));
        t.extend(ucs2_field("", 6));
        SimCard {
            label: "外国人永久居留证（旧版）".into(),
            text: t,
            photo: photo_for(7),
            extra_address: None,
        }
    }

    /// The 2023 foreigner's permanent residence card ('Y').
    pub fn foreign_2023_sample() -> SimCard {
        let mut t = Vec::with_capacity(TEXT_LEN);
        t.extend(ucs2_field("安娜", 30));
        t.extend(ucs2_field("2", 2));
        t.extend(ucs2_field("", 4));
        t.extend(ucs2_field("19880415", 16));
        t.extend(ucs2_field("MUELLER, ANNA", 70));
        t.extend(ucs2_field("933276198804150028", 36));
        t.extend(ucs2_field("", 30));
        t.extend(ucs2_field("20230601", 16));
        t.extend(ucs2_field("20330601", 16));
        t.extend(ucs2_field("", 22));
        t.extend(ucs2_field("DEU", 6));
        t.extend(ucs2_field("Y", 2));
        t.extend(ucs2_field("", 6));
        SimCard {
            label: "外国人永久居留身份证（2023版）".into(),
            text: t,
            photo: photo_for(9),
            extra_address: None,
        }
    }

    /// The deck every simulator starts with, one card of each kind.
    pub fn sample_deck() -> Vec<SimCard> {
        vec![
            SimCard::resident_sample(),
            SimCard::elderly_long_term_sample(),
            SimCard::hmt_sample(),
            SimCard::rare_character_sample(),
            SimCard::foreign_old_sample(),
            SimCard::foreign_2023_sample(),
        ]
    }
}

/// Faults the simulator can inject, applied to every reply until cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The reader says nothing.
    NoReply,
    /// Every reply comes late.
    SlowReply(Duration),
    /// Card read replies (the long frames) carry a wrong checksum.
    CorruptChecksum,
    /// Card reads answer with this SW3 status.
    ReadStatus(u8),
    /// The SAM fails its self-test (SW3 60).
    SamFailure,
    /// The card leaves the field halfway through the read reply.
    PulledMidRead,
}

/// Replies held back ([`IdCardSim::hold_replies`]): while held, every reply waits; once let go,
/// they all leave at once, just before the answer to the next command — the late replies of a
/// reader that stalled, arriving while the host waits for something else.
#[derive(Default)]
enum Held {
    #[default]
    No,
    Holding(Vec<u8>),
    LetGo(Vec<u8>),
}

/// The simulated reader: its deck, the card on it, the fault it plays and what it heard.
#[derive(Default)]
pub struct SimReader {
    deck: Vec<SimCard>,
    on_reader: Option<usize>,
    fault: Option<Fault>,
    commands: Vec<Command>,
    noise: Option<crate::noise::Noise>,
    held: Held,
    line: ReplyLine,
}

/// Handle to a running reader simulator.
pub type IdCardSim = SimHandle<SimReader>;

impl IdCardSim {
    /// Starts the simulator behind `link`, with `deck`. Needs a tokio runtime.
    pub fn start(link: &Path, deck: Vec<SimCard>) -> std::io::Result<IdCardSim> {
        let reader = SimReader {
            deck,
            ..SimReader::default()
        };
        SimHandle::plug_in(link, reader, serve)
    }

    /// Labels of the cards in the deck, in order.
    pub fn deck_labels(&self) -> Vec<String> {
        self.state().deck.iter().map(|c| c.label.clone()).collect()
    }

    /// Puts card `index` of the deck on the reader (replacing any other).
    pub fn tap(&self, index: usize) {
        let mut s = self.state();
        if index < s.deck.len() {
            s.on_reader = Some(index);
        }
    }

    pub fn remove(&self) {
        self.state().on_reader = None;
    }

    pub fn card_on_reader(&self) -> Option<usize> {
        self.state().on_reader
    }

    pub fn set_fault(&self, fault: Option<Fault>) {
        self.state().fault = fault;
    }

    /// The line sends junk by itself (`None`: quiet again).
    pub fn set_noise(&self, noise: Option<crate::noise::Noise>) {
        self.state().noise = noise;
    }

    /// Every command received so far, in order.
    pub fn commands(&self) -> Vec<Command> {
        self.state().commands.clone()
    }

    /// `true`: the reader answers nothing for now, keeping every reply; `false`: the kept replies
    /// all leave at once just before the answer to the next command (late answers to earlier
    /// commands, as a stalled reader or a host that read its port late delivers them).
    pub fn hold_replies(&self, hold: bool) {
        let mut s = self.state();
        s.held = match (std::mem::take(&mut s.held), hold) {
            (Held::No, true) => Held::Holding(Vec::new()),
            (Held::Holding(kept) | Held::LetGo(kept), true) => Held::Holding(kept),
            (Held::Holding(kept) | Held::LetGo(kept), false) => Held::LetGo(kept),
            (Held::No, false) => Held::No,
        };
    }

    /// How the replies travel back: late by a delay, or paced at a slow line's speed.
    pub fn set_line(&self, line: ReplyLine) {
        self.state().line = line;
    }
}

/// What to send back for one decoded command body.
enum Reply {
    Frame(Vec<u8>),
    /// Only the first bytes of a frame (card pulled mid-read).
    Truncated(Vec<u8>),
    Nothing,
}

fn answer(state: &Shared<SimReader>, body: Result<Vec<u8>, FrameError>) -> (Reply, Duration) {
    let mut s = state.lock();
    let fault = s.fault;
    let delay = match fault {
        Some(Fault::SlowReply(d)) => d,
        _ => Duration::ZERO,
    };
    let response = match body {
        Err(FrameError::Checksum { .. }) => Response::status(Sw3(0x10)),
        Err(_) => Response::status(Sw3(0x11)),
        Ok(body) => match Command::from_body(&body) {
            None => Response::status(Sw3(0x21)),
            Some(cmd) => {
                s.commands.push(cmd);
                let card = s.on_reader.and_then(|i| s.deck.get(i)).cloned();
                let is_read = matches!(cmd, Command::ReadText | Command::ReadTextWithFingerprint);
                match (cmd, fault) {
                    (_, Some(Fault::NoReply)) => return (Reply::Nothing, delay),
                    (Command::SamStatus | Command::ResetSam, Some(Fault::SamFailure)) => {
                        Response::status(Sw3::SAM_SELF_TEST_FAILED)
                    }
                    (Command::ResetSam | Command::SamStatus | Command::SetMaxRfFrame(_), _) => {
                        Response::status(Sw3::SUCCESS)
                    }
                    (Command::ReadSamId, _) => Response {
                        data: b"05.01-20260101-0000000001".to_vec()[..16].to_vec(),
                        ..Response::status(Sw3::SUCCESS)
                    },
                    (Command::FindCard, _) => match card {
                        Some(_) => Response {
                            data: vec![0; 4],
                            ..Response::status(Sw3::CARD_FOUND)
                        },
                        None => Response::status(Sw3::FIND_FAILED),
                    },
                    (Command::SelectCard, _) => match card {
                        Some(_) => Response {
                            data: vec![0; 8],
                            ..Response::status(Sw3::SUCCESS)
                        },
                        None => Response::status(Sw3::SELECT_FAILED),
                    },
                    (_, Some(Fault::ReadStatus(code))) if is_read => Response::status(Sw3(code)),
                    (_, _) if is_read && card.is_none() => Response::status(Sw3::READ_FAILED),
                    (Command::ReadText, _) | (Command::ReadTextWithFingerprint, _) => {
                        let card = card.expect("checked above");
                        let mut data = Vec::with_capacity(1290);
                        data.extend_from_slice(&(card.text.len() as u16).to_be_bytes());
                        data.extend_from_slice(&(card.photo.len() as u16).to_be_bytes());
                        if cmd == Command::ReadTextWithFingerprint {
                            // Synthetic cards carry no fingerprint: length 0.
                            data.extend_from_slice(&0u16.to_be_bytes());
                        }
                        data.extend_from_slice(&card.text);
                        data.extend_from_slice(&card.photo);
                        let frame = Response {
                            data,
                            ..Response::status(Sw3::SUCCESS)
                        }
                        .encode();
                        if fault == Some(Fault::PulledMidRead) {
                            s.on_reader = None;
                            let half = frame.len() / 2;
                            return (Reply::Truncated(frame[..half].to_vec()), delay);
                        }
                        return (Reply::Frame(corrupt(frame, fault)), delay);
                    }
                    (Command::ReadAdditionalAddress, _) => match card.and_then(|c| c.extra_address)
                    {
                        Some(addr) => Response {
                            data: ucs2_field(&addr, 70),
                            ..Response::status(Sw3::SUCCESS)
                        },
                        None => Response::status(Sw3::NO_CONTENT),
                    },
                    (Command::ReadPhysicalId, _) => match card {
                        Some(c) => Response {
                            data: c.photo[..8].to_vec(),
                            ..Response::status(Sw3::SUCCESS)
                        },
                        None => Response::status(Sw3::READ_FAILED),
                    },
                }
            }
        },
    };
    (Reply::Frame(response.encode()), delay)
}

fn corrupt(mut frame: Vec<u8>, fault: Option<Fault>) -> Vec<u8> {
    if fault == Some(Fault::CorruptChecksum) {
        if let Some(last) = frame.last_mut() {
            *last ^= 0x5A;
        }
    }
    frame
}

async fn serve(mut pty: PtyMaster, state: Shared<SimReader>) {
    let mut decoder = Decoder::new();
    let mut buf = [0u8; 512];
    let noise_state = state.clone();
    let _noise = crate::noise::start(&pty, move || noise_state.lock().noise);
    let line_state = state.clone();
    let Ok(replies) = Replies::start(&pty, move || line_state.lock().line) else {
        return;
    };
    loop {
        let read = pty.read(&mut buf).await;
        let n = match read {
            Ok(0) | Err(_) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
            Ok(n) => n,
        };
        decoder.push(&buf[..n]);
        while let Some(body) = decoder.next_body() {
            let (reply, delay) = answer(&state, body);
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let bytes = match reply {
                Reply::Frame(b) | Reply::Truncated(b) => b,
                Reply::Nothing => continue,
            };
            let (out, line) = {
                let mut s = state.lock();
                let out = match std::mem::take(&mut s.held) {
                    Held::Holding(mut kept) => {
                        kept.extend_from_slice(&bytes);
                        s.held = Held::Holding(kept);
                        continue;
                    }
                    Held::LetGo(mut kept) => {
                        kept.extend_from_slice(&bytes);
                        kept
                    }
                    Held::No => bytes,
                };
                (out, s.line)
            };
            replies.send(out, line.delay);
        }
    }
}
