//! What the commands share: failures and exit codes, configuration, logging, the store, the
//! audit records of command-line actions, tenants files, ids by code, the stop signal.

use std::path::PathBuf;

use zhanqun_core::{Error, SiteCode};
use zhanqun_sites::demo;
use zhanqun_store::Store;
use zhanqun_web::Config;

use crate::args::*;

/// A failure and the exit code it maps to.
pub(crate) struct Failure(pub(crate) u8, pub(crate) String);

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        let code = match e {
            Error::InvalidInput(_) | Error::Conflict(_) => 3,
            _ => 1,
        };
        let msg = match &e {
            Error::Internal(detail) => format!("内部错误：{detail}"),
            other => other.to_string(),
        };
        Failure(code, msg)
    }
}

pub(crate) type Res<T = ()> = Result<T, Failure>;

pub(crate) fn load_config(cli: &Cli) -> Res<Config> {
    let mut c = Config::load(cli.config.as_deref())?;
    if let Some(u) = &cli.store.database_url {
        c.database_url = u.clone();
    }
    if let Some(d) = &cli.store.data_dir {
        c.data_dir = d.clone();
    }
    Ok(c)
}

pub(crate) fn init_logging(c: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&c.log.filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if c.log.format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Every store a command opened, closed by [`close_stores`] before the process exits: a SQLite
/// store's commits leave their pages in the write-ahead log for the store's own task to copy
/// into the database file, and the last connection to close copies what is left.
static OPENED: std::sync::Mutex<Vec<Store>> = std::sync::Mutex::new(Vec::new());

pub(crate) async fn open_store(c: &Config) -> Res<Store> {
    let store = Store::connect(&c.database_url()).await?;
    if let Ok(mut opened) = OPENED.lock() {
        opened.push(store.clone());
    }
    store.migrate().await?;
    Ok(store
        .with_service_elements(&c.checks.service_elements)
        .with_media_root(&c.data_dir.join("media")))
}

/// Closes every store [`open_store`] opened (closing one twice is harmless).
pub(crate) async fn close_stores() {
    let opened = OPENED
        .lock()
        .map(|mut o| std::mem::take(&mut *o))
        .unwrap_or_default();
    for store in opened {
        store.close().await;
    }
}

pub(crate) fn progress_bar(what: &str) -> indicatif::ProgressBar {
    let pb = indicatif::ProgressBar::new(0);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} {elapsed}")
    {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_message(what.to_string());
    pb
}

/// Shows the demo accounts and their passwords, once.
pub(crate) fn print_demo_accounts(accounts: &[demo::DemoAccount]) {
    eprintln!("演示账号（密码只显示这一次；首次登录须用手机验证器绑定动态口令）：");
    for a in accounts {
        match &a.password {
            Some(p) => eprintln!("  {:<12} {:<10} {}", a.username, p, a.what),
            None => eprintln!(
                "  {:<12} {:<10} {}",
                a.username, "（已存在，密码不变）", a.what
            ),
        }
    }
}

pub(crate) async fn load_demo(
    store: &Store,
    anchor: Option<chrono::NaiveDate>,
) -> Res<demo::Summary> {
    let anchor = anchor.unwrap_or_else(|| chrono::Local::now().date_naive());
    let pb = progress_bar("载入演示省份（陕西）");
    let summary = demo::load(store, anchor, &|done, total| {
        pb.set_length(total as u64);
        pb.set_position(done as u64);
    })
    .await?;
    pb.finish_and_clear();
    Ok(summary)
}

/// Records a back-office action done from the command line. The actor is the operating-system
/// user; the CLI acts with the system administrator's powers.
pub(crate) async fn audit(
    store: &Store,
    action: &str,
    object: Option<String>,
    outcome: zhanqun_store::Outcome,
    detail: Option<String>,
) -> Res {
    let user = std::env::var("SUDO_USER")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "unknown".into());
    let entry = zhanqun_store::AuditEntry {
        actor: format!("os:{user}"),
        role: "system_admin".into(),
        site_code: None,
        client: Some("cli".into()),
        action: action.into(),
        object,
        outcome,
        request_id: Some(uuid_like()),
        detail,
    };
    store.audit(&entry).await?;
    Ok(())
}

pub(crate) fn uuid_like() -> String {
    format!(
        "cli-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros()
    )
}

/// Runs a store action and records it in the audit log, whatever its outcome. A record that
/// cannot be written fails the command.
pub(crate) async fn audited<T>(
    store: &Store,
    action: &str,
    object: Option<String>,
    result: Result<T, Error>,
) -> Res<T> {
    match result {
        Ok(v) => {
            audit(store, action, object, zhanqun_store::Outcome::Success, None).await?;
            Ok(v)
        }
        Err(e) => {
            audit(
                store,
                action,
                object,
                zhanqun_store::Outcome::Failure,
                Some(e.to_string()),
            )
            .await?;
            Err(e.into())
        }
    }
}

pub(crate) fn tenants_dir(c: &Config, d: &TenantsDir) -> PathBuf {
    d.tenants_dir
        .clone()
        .unwrap_or_else(|| c.tenants_dir.clone())
}

pub(crate) fn load_tenants(dir: &std::path::Path) -> Res<Vec<zhanqun_store::SiteInput>> {
    if !dir.is_dir() {
        return Err(Failure(
            3,
            format!("租户目录 {} 不存在：请用 --tenants-dir 指定", dir.display()),
        ));
    }
    zhanqun_sites::load_dir(dir).map_err(|errs| {
        let n = errs.len();
        for e in errs.iter().skip(1) {
            eprintln!("{e}");
        }
        let first = errs.first().map(ToString::to_string).unwrap_or_default();
        Failure(
            3,
            if n > 1 {
                format!("{first}（另有 {} 处错误，见上）", n - 1)
            } else {
                first
            },
        )
    })
}

pub(crate) async fn site_id(store: &Store, code: &str) -> Res<zhanqun_core::SiteId> {
    let code = SiteCode::parse(code)?;
    Ok(store
        .site_by_code(&code)
        .await?
        .ok_or_else(|| Failure(3, format!("网站 {code} 不存在")))?
        .id)
}

pub(crate) async fn column_id(
    store: &Store,
    site: zhanqun_core::SiteId,
    path: &str,
) -> Res<Option<zhanqun_core::ColumnId>> {
    Ok(store.column_by_path(site, path).await?)
}

pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown requested: finishing in-flight requests");
}
