//! The cost of counting one page view, single-threaded, in a release build:
//! `cargo run --release -p zhanqun-tests --bin visit-cost`. tests/bench/visits.sh runs it next to
//! the end-to-end comparison. Prints nanoseconds per call of each part and of the whole count.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::net::IpAddr;

use axum::http::HeaderMap;
use zhanqun_core::SiteId;
use zhanqun_core::visits::{PageKind, Sketch, is_bot, visitor_key};
use zhanqun_web::client::client_ip;
use zhanqun_web::visits::VisitCounter;

const UA: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";
const N: usize = 600_000;

fn time(what: &str, f: &dyn Fn(usize)) {
    let t = std::time::Instant::now();
    for i in 0..N {
        f(i);
    }
    println!("{what}: {:.0} ns", t.elapsed().as_nanos() as f64 / N as f64);
}

fn main() {
    let trusted: Vec<zhanqun_web::client::ProxyNet> = vec!["127.0.0.1".parse().unwrap()];
    let counter = VisitCounter::detached(trusted.clone(), [7; 16]);
    // 60,000 visitors behind a trusted proxy, as in tests/bench/visits.sh.
    let headers: Vec<HeaderMap> = (0..60_000u32)
        .map(|i| {
            let mut h = HeaderMap::new();
            h.insert("user-agent", UA.parse().unwrap());
            h.insert(
                "x-forwarded-for",
                format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255)
                    .parse()
                    .unwrap(),
            );
            h
        })
        .collect();
    let peer = Some("127.0.0.1:4000".parse().unwrap());
    time("is_bot (uncached)", &|_| {
        std::hint::black_box(is_bot(std::hint::black_box(UA)));
    });
    time("client_ip", &|i| {
        std::hint::black_box(client_ip(peer, &headers[i % 60_000], &trusted));
    });
    time("visitor_key", &|i| {
        std::hint::black_box(visitor_key(
            &[7; 16],
            IpAddr::from([10, 0, (i >> 8) as u8, i as u8]),
            UA,
        ));
    });
    time("count (whole)", &|i| {
        counter.count(SiteId(1), PageKind::Home, 0, peer, &headers[i % 60_000]);
    });
    assert_eq!(
        counter.pending_views(),
        N as u64,
        "every call was a counted view"
    );
    let mut s = Sketch::new();
    let t = std::time::Instant::now();
    for i in 0..N as u64 {
        s.insert(i.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    }
    println!(
        "sketch insert: {:.0} ns",
        t.elapsed().as_nanos() as f64 / N as f64
    );
}
