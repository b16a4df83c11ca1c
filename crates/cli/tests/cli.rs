//! The `zhanqun` binary as scripts and operators use it: exit codes, one-line errors, bad
//! tenants files refused with path, line and field, and nothing half-written.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use common::{GOOD_A, GOOD_B, stderr, stdout, tenants, zhanqun};

#[test]
fn help_config_and_usage() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["sites", "plan", "--help"],
        &["sites", "list", "--help"],
        &["demo", "--help"],
        &["migrate", "--help"],
        &["config", "default", "--help"],
    ] {
        let o = zhanqun(tmp.path(), args);
        assert!(o.status.success(), "{args:?}");
        assert!(stdout(&o).contains("Usage"), "{args:?}");
    }
    let o = zhanqun(tmp.path(), &["config", "default"]);
    assert!(o.status.success() && stdout(&o).contains("public_addr = \"127.0.0.1:8080\""));
    let o = zhanqun(tmp.path(), &["no-such-command"]);
    assert_eq!(o.status.code(), Some(2));
    let o = zhanqun(tmp.path(), &["--database-url", "mysql://x", "migrate"]);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(stderr(&o).lines().count(), 1, "one line: {}", stderr(&o));
    assert!(stderr(&o).starts_with("zhanqun: ") && stderr(&o).contains("sqlite://"));
    let o = zhanqun(
        tmp.path(),
        &["--config", "/nonexistent/zhanqun.toml", "migrate"],
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("配置文件"));
}

#[test]
fn sites_plan_apply_list() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("tenants");
    tenants(
        &dir,
        &[("6108280001.toml", GOOD_A), ("6108270001.toml", GOOD_B)],
    );
    let d = dir.to_str().unwrap();
    let o = zhanqun(
        tmp.path(),
        &["sites", "plan", "--tenants-dir", d, "--check"],
    );
    assert_eq!(
        o.status.code(),
        Some(4),
        "plan --check with changes: {}",
        stderr(&o)
    );
    assert!(stdout(&o).contains("+ 6108280001 佳县人民政府"));
    let o = zhanqun(tmp.path(), &["sites", "apply", "--tenants-dir", d]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = zhanqun(tmp.path(), &["sites", "apply", "--tenants-dir", d]);
    assert!(
        o.status.success() && stdout(&o).contains("无需变更"),
        "apply is idempotent: {}",
        stdout(&o)
    );
    let o = zhanqun(
        tmp.path(),
        &["sites", "plan", "--tenants-dir", d, "--check"],
    );
    assert_eq!(o.status.code(), Some(0));
    let o = zhanqun(tmp.path(), &["sites", "list", "--format", "json"]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 2);
    for key in ["code", "name", "kind", "status", "hosts"] {
        assert!(list.iter().all(|s| s.get(key).is_some()), "{key}");
    }
    let jia = list.iter().find(|s| s["code"] == "6108280001").unwrap();
    assert_eq!(
        jia["hosts"],
        serde_json::json!(["www.jiaxian.gov.cn", "6108280001.localhost"])
    );
    // A change shows in the plan, then applies.
    tenants(
        &dir,
        &[(
            "6108270001.toml",
            &GOOD_B.replace("米脂县人民政府\"", "米脂县人民政府门户\""),
        )],
    );
    let o = zhanqun(tmp.path(), &["sites", "plan", "--tenants-dir", d]);
    assert!(
        stdout(&o).contains("~ 6108270001") && stdout(&o).contains("name:"),
        "{}",
        stdout(&o)
    );
    let o = zhanqun(tmp.path(), &["sites", "status", "6108270001", "suspended"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = zhanqun(tmp.path(), &["sites", "status", "6108270001", "sleeping"]);
    assert_eq!(o.status.code(), Some(3));
    // The demo never wipes a store with sites unless told to.
    let o = zhanqun(tmp.path(), &["demo"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("--yes"));
    let o = zhanqun(tmp.path(), &["sites", "list", "--format", "json"]);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&o.stdout)
            .unwrap()
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

/// 佳县's tenants file with `from` replaced by `to`, as the only file of a case.
fn jiaxian_with(from: &str, to: &str) -> Vec<(&'static str, String)> {
    vec![("6108280001.toml", GOOD_A.replace(from, to))]
}

type Case = (
    &'static str,
    Vec<(&'static str, String)>,
    &'static str,
    &'static str,
);

#[test]
fn bad_tenants_files_are_refused_with_path_line_and_field() {
    // (what, files, expected location, expected message)
    let cases: Vec<Case> = vec![
        (
            "duplicate host",
            vec![
                ("6108280001.toml", GOOD_A.to_string()),
                (
                    "6108270001.toml",
                    GOOD_B.replace("www.mizhi.gov.cn", "www.jiaxian.gov.cn"),
                ),
            ],
            "6108280001.toml:6: 字段 hosts",
            "重复",
        ),
        (
            "duplicate site code",
            vec![
                ("6108280001.toml", GOOD_A.to_string()),
                (
                    "copy.toml",
                    GOOD_A.replace("www.jiaxian.gov.cn", "www.other.gov.cn"),
                ),
            ],
            ":1: 字段 code",
            "网站标识码 6108280001 重复",
        ),
        (
            "unknown field",
            jiaxian_with("hosts =", "colour = \"red\"\nhosts ="),
            "6108280001.toml:6: 字段 colour",
            "不认识的字段",
        ),
        (
            "unknown parent",
            jiaxian_with(
                "kind = \"county\"",
                "kind = \"county\"\nparent = \"6108000001\"",
            ),
            "6108280001.toml:4: 字段 parent",
            "上级网站 6108000001",
        ),
        (
            "unknown template",
            jiaxian_with("template = \"portal\"", "template = \"portel\""),
            "6108280001.toml:5: 字段 template",
            "不存在的栏目模板",
        ),
        (
            "bad code",
            jiaxian_with("\"6108280001\"", "\"61082800\""),
            "6108280001.toml:1: 字段 code",
            "10 位数字",
        ),
        (
            "bad host",
            jiaxian_with("www.jiaxian.gov.cn", "www.佳县.gov.cn"),
            "6108280001.toml:6: 字段 hosts",
            "主机名",
        ),
        (
            "mandatory column excluded",
            jiaxian_with("hosts =", "exclude = [\"xwzx/zwyw\"]\nhosts ="),
            "6108280001.toml:6: 字段 exclude",
            "必设栏目",
        ),
        (
            "not TOML",
            vec![("6108280001.toml", "code = = 1\n".to_string())],
            "6108280001.toml:1:",
            "TOML",
        ),
        (
            "missing field",
            jiaxian_with("region = \"610828\"\n", ""),
            "字段 region",
            "缺少必填字段",
        ),
    ];
    for (what, files, location, message) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("tenants");
        // A good site is applied first; the bad set must leave it exactly as it was.
        tenants(&dir, &[("6108280001.toml", GOOD_A)]);
        let d = dir.to_str().unwrap();
        assert!(
            zhanqun(tmp.path(), &["sites", "apply", "--tenants-dir", d])
                .status
                .success()
        );
        for f in std::fs::read_dir(&dir).unwrap() {
            std::fs::remove_file(f.unwrap().path()).unwrap();
        }
        let files: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
        tenants(&dir, &files);
        for cmd in ["plan", "apply"] {
            let o = zhanqun(tmp.path(), &["sites", cmd, "--tenants-dir", d]);
            let err = stderr(&o);
            assert_eq!(
                o.status.code(),
                Some(3),
                "{what} ({cmd}): exit code, stderr: {err}"
            );
            assert!(
                err.contains(location) && err.contains(message),
                "{what} ({cmd}): expected `{location}` and `{message}` in: {err}"
            );
            assert!(!err.contains("panicked"), "{what}: {err}");
        }
        let o = zhanqun(tmp.path(), &["sites", "list", "--format", "json"]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(
            v.as_array().map(Vec::len),
            Some(1),
            "{what}: nothing half-written"
        );
        assert_eq!(v[0]["name"], "佳县人民政府", "{what}: nothing half-written");
    }
}

#[test]
fn serve_on_port_zero_logs_the_chosen_addresses_and_stops_on_sigterm() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("tenants");
    tenants(&dir, &[("6108280001.toml", GOOD_A)]);
    assert!(
        zhanqun(
            tmp.path(),
            &["sites", "apply", "--tenants-dir", dir.to_str().unwrap()]
        )
        .status
        .success()
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_zhanqun"))
        .args([
            "serve",
            "--public-addr",
            "127.0.0.1:0",
            "--manage-addr",
            "127.0.0.1:0",
            "--no-demo",
        ])
        .env("ZHANQUN_DATA_DIR", tmp.path())
        .env("ZHANQUN_LOG__FORMAT", "json")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::BufRead;
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let mut public = None;
    let mut first_admin = false;
    for line in lines.by_ref() {
        let line = line.unwrap();
        first_admin |= line.contains("初始密码：");
        if line.contains("zhanqun serving") {
            let v: serde_json::Value = serde_json::from_str(&line).unwrap();
            public = v["fields"]["public"].as_str().map(str::to_string);
            break;
        }
    }
    let public = public.expect("serving line with the public address");
    assert!(
        first_admin,
        "the first start prints the generated administrator password once"
    );
    assert!(
        !public.ends_with(":0"),
        "the chosen port is logged: {public}"
    );
    let out = Command::new("curl")
        .args([
            "-s",
            "-H",
            "Host: 6108280001.localhost",
            &format!("http://{public}/"),
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("佳县人民政府"));
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    assert!(status.success(), "exit 0 after SIGTERM: {status:?}");
    let accounts = stdout(&zhanqun(tmp.path(), &["accounts", "list"]));
    assert!(
        accounts.contains("admin")
            && accounts.contains("系统管理员")
            && accounts.contains("须修改密码"),
        "{accounts}"
    );
    assert!(!accounts.contains("$argon2"), "never the hash");
}

#[test]
fn cli_actions_are_audited_and_tampering_is_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("tenants");
    tenants(&dir, &[("6108280001.toml", GOOD_A)]);
    assert!(
        zhanqun(
            tmp.path(),
            &["sites", "apply", "--tenants-dir", dir.to_str().unwrap()]
        )
        .status
        .success()
    );
    assert!(
        zhanqun(tmp.path(), &["sites", "status", "6108280001", "suspended"])
            .status
            .success()
    );
    let o = zhanqun(tmp.path(), &["sites", "status", "6108280001", "archived"]);
    assert!(o.status.success());
    let o = zhanqun(tmp.path(), &["audit", "purge", "--before", "2999-01-01"]);
    assert_eq!(
        o.status.code(),
        Some(3),
        "purge below 180 days is refused: {}",
        stderr(&o)
    );
    let list = stdout(&zhanqun(tmp.path(), &["audit", "list"]));
    assert!(
        list.contains("sites.apply")
            && list.contains("sites.status")
            && list.contains("audit.purge"),
        "{list}"
    );
    assert!(
        list.contains("failure"),
        "the refused purge is recorded as a failure: {list}"
    );
    let o = zhanqun(tmp.path(), &["audit", "verify"]);
    assert!(
        o.status.success() && stdout(&o).contains("哈希链校验通过"),
        "{}",
        stderr(&o)
    );
    // Someone with database access drops the trigger and edits a record.
    let db = tmp.path().join("zhanqun.db");
    let py = format!(
        "import sqlite3; c = sqlite3.connect({:?}); c.execute('DROP TRIGGER audit_log_no_update'); \
         c.execute(\"UPDATE audit_log SET actor = 'os:nobody' WHERE seq = 1\"); c.commit()",
        db.to_str().unwrap()
    );
    let out = Command::new("python3")
        .args(["-c", &py])
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let o = zhanqun(tmp.path(), &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("第 1 条记录的内容被改动"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn demo_prints_its_accounts_once() {
    let tmp = tempfile::tempdir().unwrap();
    let o = zhanqun(tmp.path(), &["demo"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    for user in [
        "jx-admin",
        "jx-yjj",
        "jx-fgw",
        "jx-reviewer",
        "jx-signer",
        "sx-auditor",
        "sysadmin",
        "secadmin",
        "auditadmin",
    ] {
        let line = err
            .lines()
            .find(|l| l.split_whitespace().next() == Some(user))
            .unwrap_or_else(|| panic!("{user} not printed: {err}"));
        let password = line.split_whitespace().nth(1).unwrap();
        assert!(password.chars().count() >= 12, "{line}");
    }
    // A reload keeps the accounts (and their passwords) and grants them again.
    let o = zhanqun(tmp.path(), &["demo", "--yes"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("已存在，密码不变"), "{}", stderr(&o));
    let o = zhanqun(tmp.path(), &["accounts", "list"]);
    let out = stdout(&o);
    assert!(out.contains("jx-yjj") && out.contains("secadmin"), "{out}");

    // One of the three administrators is replaced on the server (the console may not, 三权分立),
    // audited; bad input is one clear line.
    let o = zhanqun(tmp.path(), &["accounts", "disable", "auditadmin"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = zhanqun(tmp.path(), &["accounts", "role", "auditadmin", "none"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = zhanqun(tmp.path(), &["accounts", "role", "jx-yjj", "audit_admin"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("三权分立"), "{}", stderr(&o));
    let o = zhanqun(tmp.path(), &["accounts", "role", "jx-admin", "superuser"]);
    assert!(
        stderr(&o).contains("平台角色“superuser”无效"),
        "{}",
        stderr(&o)
    );
    let o = zhanqun(tmp.path(), &["accounts", "disable", "nobody"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let out = stdout(&zhanqun(tmp.path(), &["accounts", "list"]));
    let line = out.lines().find(|l| l.contains("auditadmin")).unwrap();
    assert!(
        line.contains("已停用") && !line.contains("审计管理员"),
        "{line}"
    );
    let log = stdout(&zhanqun(tmp.path(), &["audit", "list", "--limit", "10"]));
    assert!(
        log.contains("account.disable") && log.contains("account.role"),
        "{log}"
    );
}

#[test]
fn search_reindex_rebuilds_and_refuses_an_index_in_use() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(zhanqun(tmp.path(), &["demo"]).status.success());
    let o = zhanqun(tmp.path(), &["search", "reindex"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let n: u64 = out
        .split("搜索索引已重建：")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!(n > 1000, "{out}");
    assert!(tmp.path().join("search/meta.json").exists());
    // Another process holding the index (a running server): a clear refusal, exit 3.
    let index = zhanqun_search::SearchIndex::open(&tmp.path().join("search"), &[]).unwrap();
    let o = zhanqun(tmp.path(), &["search", "reindex"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("正被另一个进程使用"), "{}", stderr(&o));
    drop(index);
}
