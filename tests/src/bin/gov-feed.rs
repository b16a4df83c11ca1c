//! The stand-in State Council feed on its own, for the demo:
//!
//!     cargo run -p zhanqun-tests --bin gov-feed -- 127.0.0.1:8090
//!     zhanqun serve --dev-feed http://127.0.0.1:8090/rss.xml
//!
//! Add an item while the demo runs:
//!
//!     curl -X POST -H 'content-type: application/json' http://127.0.0.1:8090/admin/items \
//!          -d '{"title":"国务院关于……的通知","summary":"……","body_html":"<p>……</p>"}'

use std::net::SocketAddr;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8090".into());
    let Ok(addr) = addr.parse::<SocketAddr>() else {
        eprintln!("地址无效：{addr}（例如 127.0.0.1:8090）");
        return std::process::ExitCode::from(2);
    };
    let items = zhanqun_tests::feed::sample_items(chrono::Utc::now());
    match zhanqun_tests::feed::FeedServer::bind(addr, items).await {
        Ok(server) => {
            println!("stand-in State Council feed: {}", server.url);
            println!("add items: POST {}/admin/items", server.base);
            let _ = tokio::signal::ctrl_c().await;
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("无法监听 {addr}：{e}");
            std::process::ExitCode::from(1)
        }
    }
}
