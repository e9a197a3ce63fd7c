//! Voice guidance: every screen's prompt is spoken (recorded here, audio off), in English for a
//! foreigner's card, and not at all once the citizen switches it off; espeak-ng really renders
//! the Mandarin prompt.

use crate::common;

use std::time::Duration;

use crate::common::kiosk::{screen_is, tap, text_value, wait_for};
use onetrip::shell::voice::{synthesize_to_file, Speaker};
use onetrip::ui::ScreenKind;

#[test]
fn each_screen_is_announced_and_the_switch_silences_it() {
    let (rt, bench) = common::kiosk::boot();
    let _guard = rt.enter();
    let (ui, kiosk) = common::kiosk::launch(bench.config.clone(), &rt, (1920, 1080));
    let (speaker, said, loudness) = Speaker::recording_loudness();
    kiosk.borrow_mut().set_speaker(speaker);
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    assert_eq!(said.borrow().last().unwrap(), "请将身份证放在读卡区");

    bench.reader.tap(0);
    wait_for(&kiosk, "home", screen_is(ScreenKind::Home));
    assert_eq!(said.borrow().last().unwrap(), "请选择业务类别");
    tap(&ui, "治安");
    assert_eq!(said.borrow().last().unwrap(), "请选择类别");
    tap(&ui, "犯罪记录查询");
    tap(&ui, "无犯罪记录证明（个人）");
    assert_eq!(
        said.borrow().last().unwrap(),
        "无犯罪记录证明（个人）。可以办理，请按开始办理"
    );
    tap(&ui, "开始办理");
    assert_eq!(said.borrow().last().unwrap(), "证明用途");
    // Each screen once: a refresh does not repeat the sentence.
    let n = said.borrow().len();
    kiosk.borrow_mut().pump();
    assert_eq!(said.borrow().len(), n);
    tap(&ui, "首页");
    tap(&ui, "结束办理");
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    bench.reader.remove();
    std::thread::sleep(Duration::from_millis(400));

    // A foreigner: English.
    bench.reader.tap(5);
    wait_for(&kiosk, "home", screen_is(ScreenKind::Home));
    assert_eq!(said.borrow().last().unwrap(), "Choose a service");
    tap(&ui, "Finish");
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    bench.reader.remove();
    std::thread::sleep(Duration::from_millis(400));

    // At the calibrated amplitude (`[ui] voice_amplitude`, 100) by default; a step louder is
    // ×1.4 for this citizen, and the next one hears the default again.
    assert_eq!(*loudness.borrow().last().unwrap(), 100);
    tap(&ui, "音量增大");
    assert_eq!(text_value(&ui, "volume"), "音量 4");
    bench.reader.tap(0);
    wait_for(&kiosk, "home", screen_is(ScreenKind::Home));
    assert_eq!(*loudness.borrow().last().unwrap(), 140);
    tap(&ui, "结束办理");
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    assert_eq!(*loudness.borrow().last().unwrap(), 100);
    bench.reader.remove();
    std::thread::sleep(Duration::from_millis(400));

    // Softer past the lowest step on the attract screen: off, and the next session is silent...
    for _ in 0..3 {
        tap(&ui, "音量减小");
    }
    assert_eq!(text_value(&ui, "volume"), "语音已关");
    let n = said.borrow().len();
    bench.reader.tap(0);
    wait_for(&kiosk, "home", screen_is(ScreenKind::Home));
    tap(&ui, "治安");
    assert_eq!(said.borrow().len(), n, "nothing said with voice off");
    tap(&ui, "首页");
    tap(&ui, "结束办理");
    wait_for(&kiosk, "attract", screen_is(ScreenKind::Attract));
    // ...and the next citizen gets the default (on) again.
    assert_eq!(said.borrow().last().unwrap(), "请将身份证放在读卡区");
}

#[test]
fn espeak_ng_renders_the_mandarin_prompt() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("prompt.wav");
    synthesize_to_file("请将身份证放在读卡区", false, &wav)
        .expect("espeak-ng is installed (the image and CI install it)");
    let bytes = std::fs::read(&wav).unwrap();
    assert_eq!(&bytes[0..4], b"RIFF");
    assert_eq!(&bytes[8..12], b"WAVE");
    // Ten syllables at 150 words a minute: well over a second of 22 kHz 16-bit audio.
    assert!(bytes.len() > 44_100, "{} bytes", bytes.len());
}
