//! Decode cost of a full read reply (1295 bytes), next to its time on the wire at 115200 baud
//! (1295 × 10 bits ≈ 112 ms): the codec must be negligible.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use onetrip_drivers::id_card::codec::{Decoder, Response, Sw3};
use onetrip_drivers::id_card::reader::parse_read_reply;
use onetrip_drivers::id_card::sim::SimCard;

fn read_reply() -> Vec<u8> {
    let card = SimCard::resident_sample();
    let mut data = vec![0x01, 0x00, 0x04, 0x00];
    data.extend_from_slice(&card.text);
    data.extend_from_slice(&card.photo);
    Response {
        sw1: 0,
        sw2: 0,
        sw3: Sw3::SUCCESS,
        data,
    }
    .encode()
}

fn bench(c: &mut Criterion) {
    let frame = read_reply();
    assert_eq!(frame.len(), 1295);
    let mut g = c.benchmark_group("id_card");
    g.throughput(Throughput::Bytes(frame.len() as u64));
    g.bench_function("decode_1295_byte_reply_whole", |b| {
        b.iter(|| {
            let mut d = Decoder::new();
            d.push(std::hint::black_box(&frame));
            d.next_response().unwrap().unwrap()
        })
    });
    g.bench_function("decode_1295_byte_reply_in_64_byte_reads", |b| {
        b.iter(|| {
            let mut d = Decoder::new();
            let mut out = None;
            for chunk in frame.chunks(64) {
                d.push(std::hint::black_box(chunk));
                if let Some(r) = d.next_response() {
                    out = Some(r);
                }
            }
            out.unwrap().unwrap()
        })
    });
    g.bench_function("decode_and_parse_identity", |b| {
        b.iter(|| {
            let mut d = Decoder::new();
            d.push(std::hint::black_box(&frame));
            let r = d.next_response().unwrap().unwrap();
            parse_read_reply(&r.data, false).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
