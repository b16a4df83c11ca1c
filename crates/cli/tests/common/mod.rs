//! What every test of the binary shares: running it on a data directory, its output as text,
//! tenants files written to a folder.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

pub fn zhanqun(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zhanqun"))
        .args(args)
        .env("ZHANQUN_DATA_DIR", data)
        .env_remove("ZHANQUN_DATABASE_URL")
        .env_remove("RUST_LOG")
        .output()
        .expect("run zhanqun")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

pub fn tenants(dir: &Path, files: &[(&str, &str)]) {
    std::fs::create_dir_all(dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

/// A good tenants file: 佳县.
pub const GOOD_A: &str = r#"code = "6108280001"
name = "佳县人民政府"
kind = "county"
region = "610828"
template = "portal"
hosts = ["www.jiaxian.gov.cn"]

[footer]
organiser = "佳县人民政府办公室"
"#;

/// A good tenants file: 米脂县.
pub const GOOD_B: &str = r#"code = "6108270001"
name = "米脂县人民政府"
kind = "county"
region = "610827"
template = "portal"
hosts = ["www.mizhi.gov.cn"]

[footer]
organiser = "米脂县人民政府办公室"
"#;
