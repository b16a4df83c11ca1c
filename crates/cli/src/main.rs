//! `zhanqun`: a thin binary over the library crates. Parses the command line, loads the
//! configuration, and calls into `zhanqun-web`, `zhanqun-sites` and `zhanqun-store`.
//!
//! Exit codes: 0 success; 1 failure (one line on stderr says why); 2 bad command line;
//! 3 invalid input (tenants files, configuration); 4 `sites plan --check` found changes;
//! 5 `audit verify` found the audit log tampered with; 6 `stats check` found a site failing a
//! veto indicator; 7 `check` found the store damaged.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand, ValueEnum};
use zhanqun_core::{Error, PlatformRole, SiteCode, SiteStatus};
use zhanqun_sites::demo;
use zhanqun_store::Store;
use zhanqun_web::server::{Listeners, serve};
use zhanqun_web::{App, Config};

#[derive(Parser)]
#[command(name = "zhanqun", version, about = "zhanqun 站群：一个程序承载全省政府网站", long_about = None)]
struct Cli {
    /// Configuration file (default: ./zhanqun.toml when present).
    #[arg(long, global = true, env = "ZHANQUN_CONFIG")]
    config: Option<PathBuf>,
    #[command(flatten)]
    store: StoreArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct StoreArgs {
    /// sqlite://path or postgres://… (default: sqlite://<data-dir>/zhanqun.db).
    #[arg(long, global = true, env = "ZHANQUN_DATABASE_URL")]
    database_url: Option<String>,
    /// Data directory (database, later uploads and the search index).
    #[arg(long, global = true, env = "ZHANQUN_DATA_DIR")]
    data_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve every site (public listener) and health/metrics (management listener).
    Serve(ServeArgs),
    /// Apply the database migrations and exit.
    Migrate,
    /// Sites as code: plan, apply and list the tenants files.
    #[command(subcommand)]
    Sites(SitesCommand),
    /// (Re)load the demo province (Shaanxi): replaces every site and article in the store
    /// (`--yes` when the store is not empty). Restart running servers afterwards.
    Demo(DemoArgs),
    /// Configuration helpers.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// The audit log: verify its hash chain, purge records past retention.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Back-office accounts.
    #[command(subcommand)]
    Accounts(AccountsCommand),
    /// Reprint (转载): sources, subscriptions, manual items, deliveries and their timeliness.
    #[command(subcommand)]
    Reprint(ReprintCommand),
    /// Statistics: the national check indicators.
    #[command(subcommand)]
    Stats(StatsCommand),
    /// Check the store: the database's own integrity check, foreign keys, the audit log's hash
    /// chain and the content invariants. Exits 7 when something is wrong.
    Check,
    /// Write the canonical content export (one JSON line per site, host, column, article,
    /// placement, uploaded file and account; the audit log has its own check, `audit verify`)
    /// and print its SHA-256: the same content gives the same hash.
    Export {
        /// File to write (default: only the hash is printed).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Online backup while the server runs: a consistent copy of the SQLite database and the
    /// uploaded files into a new directory, with a manifest of hashes. (PostgreSQL: pg_dump,
    /// see ops/README.md.)
    Backup {
        /// A new (or empty) directory.
        #[arg(long)]
        to: PathBuf,
    },
    /// Site search: this node's index.
    #[command(subcommand)]
    Search(SearchCommand),
    /// Restore a backup into an empty data directory (--data-dir), checking every hash.
    Restore {
        /// The backup directory (made by `zhanqun backup`).
        #[arg(long)]
        from: PathBuf,
    },
}

#[derive(Subcommand)]
enum SearchCommand {
    /// Rebuild the index from the store, with a progress bar. The index belongs to one process:
    /// stop the server first (a running server also rebuilds by itself at start when its index
    /// is missing or stale).
    Reindex,
}

#[derive(Subcommand)]
enum StatsCommand {
    /// The check indicators of every site (or one): findings, failing sites first. Exits 6 when
    /// a veto indicator fails, for cron and alerting.
    Check {
        #[arg(long)]
        site: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// A site's annual report (政府网站工作年度报表) for a year, filled from the data: CSV or
    /// HTML to standard output (or --output), XLSX to --output (default
    /// annual-report-CODE-YEAR.xlsx).
    Report {
        #[arg(long)]
        site: String,
        #[arg(long)]
        year: i32,
        #[arg(long, value_enum, default_value_t = ReportFormat::Csv)]
        format: ReportFormat,
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
    /// Page views and unique visitors per day of a site (or, without --site, the province),
    /// from --from to --to (Beijing days, YYYY-MM-DD; both default to today).
    Visits {
        #[arg(long)]
        site: Option<String>,
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Subcommand)]
enum ReprintCommand {
    /// List the sources with their polling state.
    Sources {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Create a source owned by a site (the province portal, usually).
    AddSource {
        #[arg(long)]
        name: String,
        /// feed, manual or site.
        #[arg(long, default_value = "feed")]
        kind: String,
        /// The feed's URL (RSS 2.0, Atom or JSON Feed).
        #[arg(long)]
        url: Option<String>,
        /// Shown as 来源 on every reprint.
        #[arg(long, default_value = "中国政府网")]
        attribution: String,
        /// The owner site's code.
        #[arg(long)]
        owner: String,
        /// The owner's column path for the canonical articles, e.g. zwgk/zcwj.
        #[arg(long)]
        column: String,
        /// Poll interval in seconds.
        #[arg(long)]
        poll: Option<i64>,
        /// CSS selector of the body on item pages, for feeds that carry only summaries.
        #[arg(long)]
        selector: Option<String>,
    },
    /// Subscribe a site (or every site that has the column) to a source.
    Subscribe {
        #[arg(long)]
        source: i64,
        /// The site's code; or --all.
        #[arg(long, required_unless_present = "all")]
        site: Option<String>,
        /// Every site that has the column (and isn't subscribed yet).
        #[arg(long)]
        all: bool,
        /// The column path, e.g. zwgk/zcwj.
        #[arg(long)]
        column: String,
        /// publish (at once) or review (after the site's reviewer).
        #[arg(long, default_value = "publish")]
        mode: String,
        /// Items take the site's home-page slot.
        #[arg(long)]
        home_slot: bool,
    },
    /// Ingest one item by hand and fan it out (the province office's manual entry).
    Ingest {
        #[arg(long)]
        source: i64,
        #[arg(long)]
        title: String,
        /// The body (HTML; sanitised).
        #[arg(long)]
        body: String,
        #[arg(long)]
        summary: Option<String>,
        /// The original page.
        #[arg(long)]
        link: Option<String>,
        /// Unique within the source (default: the link, or a new id).
        #[arg(long)]
        guid: Option<String>,
    },
    /// Deliveries of a site (or all recent ones) with their delays.
    Deliveries {
        #[arg(long)]
        site: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Subcommand)]
enum AccountsCommand {
    /// List the accounts (never their passwords).
    List,
    /// Disable an account and end its sessions (on the server: also the system, security or
    /// audit administrator, whom the console may not disable).
    Disable { username: String },
    /// Enable a disabled account.
    Enable { username: String },
    /// Set an account's platform role: system_admin, security_admin, audit_admin,
    /// province_auditor or none (on the server: how one of the three administrators is
    /// replaced).
    Role { username: String, role: String },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain; exit 5 when a record was changed or deleted.
    Verify,
    /// Delete records older than a date (never less than 180 days old).
    Purge {
        /// YYYY-MM-DD: records before this day (UTC) are deleted.
        #[arg(long)]
        before: chrono::NaiveDate,
    },
    /// Print the newest records.
    List {
        #[arg(long, default_value_t = 20)]
        limit: u64,
    },
}

#[derive(Args)]
struct ServeArgs {
    /// Public address; port 0 picks a free port (logged).
    #[arg(long, env = "ZHANQUN_PUBLIC_ADDR")]
    public_addr: Option<SocketAddr>,
    /// Management address (/healthz, /readyz, /metrics); port 0 picks a free port.
    #[arg(long, env = "ZHANQUN_MANAGE_ADDR")]
    manage_addr: Option<SocketAddr>,
    /// A themes folder on disk overriding the embedded themes.
    #[arg(long, env = "ZHANQUN_THEMES_DIR")]
    themes_dir: Option<PathBuf>,
    /// Do not load the demo province into an empty store.
    #[arg(long)]
    no_demo: bool,
    /// Development: subscribe the demo province to this feed (the stand-in State Council feed,
    /// `cargo run -p zhanqun-tests --bin gov-feed`) and allow it on a local address.
    #[arg(long, env = "ZHANQUN_REPRINT__DEV_FEED")]
    dev_feed: Option<String>,
}

#[derive(Subcommand)]
enum SitesCommand {
    /// Show what `apply` would change in the store.
    Plan {
        #[command(flatten)]
        dir: TenantsDir,
        /// Exit with code 4 when there are changes (for CI).
        #[arg(long)]
        check: bool,
    },
    /// Write the tenants files to the store (idempotent; all or nothing).
    Apply {
        #[command(flatten)]
        dir: TenantsDir,
    },
    /// List the sites in the store.
    List {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Set a site's status: active, suspended (503 maintenance page) or archived (410).
    /// The next `sites apply` sets the status its tenants file declares.
    Status { code: String, status: String },
}

#[derive(Args)]
struct TenantsDir {
    /// Folder of tenants files (default: ./tenants).
    #[arg(long, env = "ZHANQUN_TENANTS_DIR")]
    tenants_dir: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    Csv,
    Xlsx,
    Html,
}

#[derive(Args)]
struct DemoArgs {
    /// Only write the demo tenants files into this folder (no database).
    #[arg(long)]
    write_tenants: Option<PathBuf>,
    /// The date the demo content is anchored to (default: today), YYYY-MM-DD.
    #[arg(long)]
    anchor: Option<chrono::NaiveDate>,
    /// Confirm that every site and article in a non-empty store may be replaced.
    #[arg(long)]
    yes: bool,
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the default configuration, every key documented.
    Default,
    /// Print the effective configuration (passwords redacted).
    Show,
}

/// A failure and the exit code it maps to.
struct Failure(u8, String);

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

type Res<T = ()> = Result<T, Failure>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("zhanqun: 无法启动运行时：{e}");
            return ExitCode::from(1);
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(code, msg)) => {
            eprintln!("zhanqun: {}", msg.replace('\n', " "));
            ExitCode::from(code)
        }
    }
}

fn load_config(cli: &Cli) -> Res<Config> {
    let mut c = Config::load(cli.config.as_deref())?;
    if let Some(u) = &cli.store.database_url {
        c.database_url = u.clone();
    }
    if let Some(d) = &cli.store.data_dir {
        c.data_dir = d.clone();
    }
    Ok(c)
}

fn init_logging(c: &Config) {
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

async fn open_store(c: &Config) -> Res<Store> {
    let store = Store::connect(&c.database_url()).await?;
    store.migrate().await?;
    Ok(store)
}

fn progress_bar(what: &str) -> indicatif::ProgressBar {
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
fn print_demo_accounts(accounts: &[demo::DemoAccount]) {
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

async fn load_demo(store: &Store, anchor: Option<chrono::NaiveDate>) -> Res<demo::Summary> {
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
async fn audit(
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

fn uuid_like() -> String {
    format!(
        "cli-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros()
    )
}

/// Runs a store action and records it in the audit log, whatever its outcome. A record that
/// cannot be written fails the command.
async fn audited<T>(
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

fn tenants_dir(c: &Config, d: &TenantsDir) -> PathBuf {
    d.tenants_dir
        .clone()
        .unwrap_or_else(|| c.tenants_dir.clone())
}

fn load_tenants(dir: &std::path::Path) -> Res<Vec<zhanqun_store::SiteInput>> {
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

async fn run(cli: Cli) -> Res {
    match &cli.command {
        Command::Config(ConfigCommand::Default) => {
            print!("{}", zhanqun_web::config::DEFAULT_TOML);
            Ok(())
        }
        Command::Config(ConfigCommand::Show) => {
            let c = load_config(&cli)?;
            println!("{c:#?}");
            Ok(())
        }
        Command::Demo(DemoArgs {
            write_tenants: Some(dir),
            ..
        }) => {
            let n = demo::write_tenants(dir)
                .map_err(|e| Failure(1, format!("无法写入 {}：{e}", dir.display())))?;
            println!("已写入 {n} 个租户文件到 {}", dir.display());
            Ok(())
        }
        Command::Demo(DemoArgs { anchor, yes, .. }) => {
            let c = load_config(&cli)?;
            let store = open_store(&c).await?;
            let existing = store.site_count().await?;
            if existing > 0 && !yes {
                return Err(Failure(
                    3,
                    format!(
                        "库中已有 {existing} 个网站：zhanqun demo 会删除全部网站和信息后重新载入演示省份。确认请加 --yes"
                    ),
                ));
            }
            let s = load_demo(&store, *anchor).await;
            let s = audited(
                &store,
                "demo.load",
                Some("全部网站".into()),
                s.map_err(|Failure(_, m)| Error::internal(m)),
            )
            .await?;
            println!(
                "已载入演示省份：{} 个网站，{} 篇信息。",
                s.sites, s.articles
            );
            print_demo_accounts(&demo::accounts(&store).await?);
            println!(
                "启动后访问例如 http://6108280001.localhost:{}/ （佳县）",
                c.public_addr.port()
            );
            Ok(())
        }
        Command::Search(SearchCommand::Reindex) => {
            let c = load_config(&cli)?;
            let store = open_store(&c).await?;
            let dir = c.search_dir();
            let app: Arc<App> = App::new(c, store.clone()).await?;
            app.open_search().await?;
            let pb = progress_bar("重建搜索索引");
            let started = std::time::Instant::now();
            let n = app
                .search_rebuild(|done, total| {
                    pb.set_length(total);
                    pb.set_position(done);
                })
                .await?;
            pb.finish_and_clear();
            println!(
                "搜索索引已重建：{n} 篇信息，用时 {:.1} 秒，索引目录 {}",
                started.elapsed().as_secs_f64(),
                dir.display()
            );
            store.close().await;
            Ok(())
        }
        Command::Check => {
            let c = load_config(&cli)?;
            let store = open_store(&c).await?;
            let r = store.integrity().await?;
            if r.ok() {
                println!(
                    "存储完整：{} 篇信息、{} 个栏目位置、{} 条审计记录，检查全部通过。",
                    r.articles, r.placements, r.audit_records
                );
                Ok(())
            } else {
                for p in &r.problems {
                    eprintln!("{p}");
                }
                Err(Failure(
                    7,
                    format!("存储检查发现 {} 处问题（见上）", r.problems.len()),
                ))
            }
        }
        Command::Export { output } => {
            let c = load_config(&cli)?;
            let store = open_store(&c).await?;
            let (sha, lines) = match output {
                Some(path) => {
                    let f = std::fs::File::create(path)
                        .map_err(|e| Failure(1, format!("无法写入 {}：{e}", path.display())))?;
                    let mut w = std::io::BufWriter::new(f);
                    let r = store.export(&mut w).await?;
                    std::io::Write::flush(&mut w)
                        .map_err(|e| Failure(1, format!("无法写入 {}：{e}", path.display())))?;
                    r
                }
                None => store.export(&mut std::io::sink()).await?,
            };
            println!("{sha}  {lines} 行");
            Ok(())
        }
        Command::Backup { to } => {
            let c = load_config(&cli)?;
            let store = open_store(&c).await?;
            let t0 = std::time::Instant::now();
            let r = zhanqun_web::backup::backup(&store, &c.data_dir, to).await;
            let m = audited(&store, "store.backup", Some(to.display().to_string()), r).await?;
            println!(
                "备份完成：{}（数据库 {} 字节，{} 个上传文件，内容导出 {} 行，哈希 {}），用时 {:.1} 秒",
                to.display(),
                m.database.bytes,
                m.files.len(),
                m.export_lines,
                m.export_sha256,
                t0.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Restore { from } => {
            let c = load_config(&cli)?;
            if !c.database_url.trim().is_empty() && !c.database_url.starts_with("sqlite:") {
                return Err(Failure(
                    3,
                    "恢复只用于 SQLite 数据目录；PostgreSQL 请用 pg_restore（见 ops/README.md）"
                        .into(),
                ));
            }
            let m = zhanqun_web::backup::restore(from, &c.data_dir).await?;
            let store = open_store(&c).await?;
            audit(
                &store,
                "store.restore",
                Some(from.display().to_string()),
                zhanqun_store::Outcome::Success,
                Some(format!("backup of {}", m.created_at)),
            )
            .await?;
            println!(
                "已恢复到 {}：{} 个上传文件，内容导出哈希 {} 与备份一致。",
                c.data_dir.display(),
                m.files.len(),
                m.export_sha256
            );
            Ok(())
        }
        Command::Migrate => {
            let c = load_config(&cli)?;
            let store = open_store(&c).await?;
            println!("数据库迁移完成（{:?}）", store.backend());
            Ok(())
        }
        Command::Sites(cmd) => sites(&cli, cmd).await,
        Command::Reprint(cmd) => reprint(&cli, cmd).await,
        Command::Stats(StatsCommand::Check { site, format }) => {
            let c = load_config(&cli)?;
            let store = open_store(&c).await?;
            let one = match site {
                Some(code) => Some(site_id(&store, code).await?),
                None => None,
            };
            let checks = store
                .site_checks(one, zhanqun_store::now(), &c.checks, &c.deadlines())
                .await?;
            match format {
                Format::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&checks).map_err(|e| Failure(1, e.to_string()))?
                ),
                Format::Text => {
                    for s in &checks {
                        let verdict = if s.fails {
                            "不合格"
                        } else if s.findings.is_empty() {
                            "合格"
                        } else {
                            "有问题"
                        };
                        println!("{} {} {verdict}（{} 项）", s.code, s.name, s.findings.len());
                        for f in &s.findings {
                            println!("  {}{}", if f.veto { "【否决】" } else { "" }, f.message);
                        }
                    }
                }
            }
            let failing = checks.iter().filter(|s| s.fails).count();
            if failing > 0 {
                return Err(Failure(6, format!("{failing} 个网站有单项否决指标不合格")));
            }
            Ok(())
        }
        Command::Stats(StatsCommand::Report {
            site,
            year,
            format,
            output,
        }) => {
            let c = load_config(&cli)?;
            let store = open_store(&c).await?;
            let id = site_id(&store, site).await?;
            zhanqun_store::figures::beijing_year(*year)?;
            let report = store.annual_report(id, *year, &c.deadlines()).await?;
            let bytes = match format {
                ReportFormat::Csv => zhanqun_web::report::to_csv(&report)?,
                ReportFormat::Xlsx => zhanqun_web::report::to_xlsx(&report)?,
                ReportFormat::Html => zhanqun_web::report::to_html_document(&report).into_bytes(),
            };
            let output = output.clone().or_else(|| {
                (*format == ReportFormat::Xlsx)
                    .then(|| format!("annual-report-{}-{year}.xlsx", report.code).into())
            });
            match output {
                Some(path) => {
                    std::fs::write(&path, &bytes)
                        .map_err(|e| Failure(1, format!("无法写入 {}：{e}", path.display())))?;
                    eprintln!("已写入 {}（{} 字节）", path.display(), bytes.len());
                }
                None => {
                    use std::io::Write;
                    std::io::stdout()
                        .write_all(&bytes)
                        .map_err(|e| Failure(1, e.to_string()))?;
                }
            }
            Ok(())
        }
        Command::Stats(StatsCommand::Visits {
            site,
            from,
            to,
            format,
        }) => {
            let c = load_config(&cli)?;
            let store = open_store(&c).await?;
            let one = match site {
                Some(code) => Some(site_id(&store, code).await?),
                None => None,
            };
            let today = zhanqun_core::visits::china_day(zhanqun_store::now());
            let (from, to) = (from.unwrap_or(today), to.unwrap_or(today));
            if from > to {
                return Err(Failure(
                    2,
                    format!("起始日期 {from} 晚于结束日期 {to}，请调换后重试"),
                ));
            }
            let days = store.visit_days(one, from, to).await?;
            let totals = store.visit_totals(one, from, to).await?;
            match format {
                Format::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "from": from, "to": to, "views": totals.views,
                        "visitors": totals.visitors, "days": days,
                    }))
                    .map_err(|e| Failure(1, e.to_string()))?
                ),
                Format::Text => {
                    println!("日期        浏览量  访客数（估计）");
                    for d in &days {
                        println!("{}  {:>8}  {:>8}", d.day, d.views, d.visitors);
                    }
                    println!(
                        "{from} 至 {to} 合计：浏览量 {}，访客数 {}（去重合并，非逐日相加）",
                        totals.views, totals.visitors
                    );
                }
            }
            Ok(())
        }
        Command::Accounts(AccountsCommand::List) => {
            let c = load_config(&cli)?;
            let store = open_store(&c).await?;
            for a in store.accounts().await? {
                println!(
                    "{}  {}  {}  {}{}{}",
                    a.id,
                    a.username,
                    a.display_name,
                    a.platform_role.map(|r| r.label()).unwrap_or("—"),
                    if a.disabled { "  已停用" } else { "" },
                    if a.must_change_password {
                        "  须修改密码"
                    } else {
                        ""
                    }
                );
            }
            Ok(())
        }
        Command::Accounts(cmd) => {
            let c = load_config(&cli)?;
            let store = open_store(&c).await?;
            let (username, action) = match cmd {
                AccountsCommand::Disable { username } => (username, "account.disable"),
                AccountsCommand::Enable { username } => (username, "account.enable"),
                AccountsCommand::Role { username, .. } => (username, "account.role"),
                AccountsCommand::List => unreachable!("handled above"),
            };
            let account = store
                .account_for_login(username)
                .await?
                .map(|(a, _)| a)
                .ok_or_else(|| Failure(3, format!("账号 {username} 不存在")))?;
            let object = Some(format!("account:{}", account.id));
            let result = match cmd {
                AccountsCommand::Disable { .. } => {
                    store.set_account_disabled(account.id, true).await
                }
                AccountsCommand::Enable { .. } => {
                    store.set_account_disabled(account.id, false).await
                }
                AccountsCommand::Role { role, .. } => {
                    let role = match role.trim() {
                        "none" | "" => Ok(None),
                        r => PlatformRole::parse(r).map(Some).map_err(|_| {
                            Error::invalid(format!(
                                "平台角色“{r}”无效：可用 system_admin、security_admin、audit_admin、province_auditor 或 none"
                            ))
                        }),
                    };
                    match role {
                        Ok(role) => store.assign_platform_role(account.id, role).await,
                        Err(e) => Err(e),
                    }
                }
                AccountsCommand::List => Ok(()),
            };
            audited(&store, action, object, result).await?;
            println!("{username}: 已完成");
            Ok(())
        }
        Command::Audit(cmd) => {
            let c = load_config(&cli)?;
            let store = open_store(&c).await?;
            match cmd {
                AuditCommand::Verify => {
                    let r = store.audit_verify().await?;
                    if r.ok() {
                        println!(
                            "审计日志完整：第 {}–{} 条，共 {} 条记录，哈希链校验通过。",
                            r.first_seq, r.last_seq, r.rows
                        );
                        Ok(())
                    } else {
                        for p in &r.problems {
                            eprintln!("{p}");
                        }
                        Err(Failure(
                            5,
                            format!("审计日志被篡改：发现 {} 处问题（见上）", r.problems.len()),
                        ))
                    }
                }
                AuditCommand::Purge { before } => {
                    let before_utc = before.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
                    let n = store.audit_purge(before_utc, chrono::Utc::now()).await;
                    let n =
                        audited(&store, "audit.purge", Some(format!("before {before}")), n).await?;
                    println!("已清理 {n} 条 {before} 之前的审计记录。");
                    Ok(())
                }
                AuditCommand::List { limit } => {
                    for r in store.audit_records(*limit, 0).await? {
                        // CR/LF are escaped so that one record is one line.
                        let esc = |s: &str| s.replace('\r', "\\r").replace('\n', "\\n");
                        println!(
                            "{} {} {} {} {} {} {} {}",
                            r.seq,
                            r.at.format("%Y-%m-%dT%H:%M:%SZ"),
                            esc(&r.actor),
                            r.role,
                            esc(&r.action),
                            esc(r.object.as_deref().unwrap_or("-")),
                            r.outcome,
                            esc(r.detail.as_deref().unwrap_or(""))
                        );
                    }
                    Ok(())
                }
            }
        }
        Command::Serve(args) => {
            let mut c = load_config(&cli)?;
            if let Some(a) = args.public_addr {
                c.public_addr = a;
            }
            if let Some(a) = args.manage_addr {
                c.manage_addr = a;
            }
            if let Some(t) = &args.themes_dir {
                c.themes_dir = t.clone();
            }
            if args.no_demo {
                c.demo_on_empty = false;
            }
            if let Some(f) = &args.dev_feed {
                c.reprint.dev_feed = f.clone();
            }
            if !c.reprint.dev_feed.is_empty() {
                // The stand-in feed runs on this machine, over plain http.
                c.reprint.allow_private = true;
                c.reprint.allow_http = true;
            }
            init_logging(&c);
            let store = open_store(&c).await?;
            if c.demo_on_empty && store.site_count().await? == 0 {
                tracing::info!("store is empty: loading the demo province");
                let s = load_demo(&store, None).await?;
                tracing::info!(
                    sites = s.sites,
                    articles = s.articles,
                    "demo province loaded"
                );
                print_demo_accounts(&demo::accounts(&store).await?);
            }
            if !c.reprint.dev_feed.is_empty() {
                let (source, n) = demo::subscribe_reprint(&store, &c.reprint.dev_feed).await?;
                tracing::info!(source, sites = n, feed = %c.reprint.dev_feed, "demo province subscribed to the development feed");
            }
            if let Some((user, password)) = store.ensure_first_admin().await? {
                eprintln!("首次启动：已创建系统管理员账号 {user}，初始密码：{password}");
                eprintln!("该密码只显示这一次，请立即妥善保存；首次登录控制台时须修改。");
            }
            let listeners = Listeners::bind_for(&c).await?;
            let (public, manage) = listeners.addrs()?;
            if let Some(https) = listeners.https_addr() {
                tracing::info!(%https, "HTTPS serving");
            }
            let app: Arc<App> = App::new(c, store.clone()).await?;
            tracing::info!(%public, %manage, backend = ?store.backend(), "zhanqun serving");
            eprintln!(
                "公共站点：http://6108280001.localhost:{}/ （任一网站：http://<网站标识码>.localhost:{}/）",
                public.port(),
                public.port()
            );
            eprintln!(
                "管理后台：http://{manage}/ （JSON API：/api/v1，文档：/api/openapi.json，指标：/metrics）"
            );
            serve(app, listeners, shutdown_signal()).await?;
            store.close().await;
            tracing::info!("stopped");
            Ok(())
        }
    }
}

async fn site_id(store: &Store, code: &str) -> Res<zhanqun_core::SiteId> {
    let code = SiteCode::parse(code)?;
    Ok(store
        .site_by_code(&code)
        .await?
        .ok_or_else(|| Failure(3, format!("网站 {code} 不存在")))?
        .id)
}

async fn column_id(
    store: &Store,
    site: zhanqun_core::SiteId,
    path: &str,
) -> Res<Option<zhanqun_core::ColumnId>> {
    Ok(store.column_by_path(site, path).await?)
}

async fn reprint(cli: &Cli, cmd: &ReprintCommand) -> Res {
    let c = load_config(cli)?;
    let store = open_store(&c).await?;
    match cmd {
        ReprintCommand::Sources { format } => {
            let sources = store.sources().await?;
            match format {
                Format::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&sources)
                        .map_err(|e| Failure(1, e.to_string()))?
                ),
                Format::Text => {
                    for s in sources {
                        println!(
                            "{:>4}  {:<7} {:<24} {:>4} 个网站订阅 {:>5} 条  {}  {}",
                            s.id,
                            s.kind,
                            s.name,
                            s.subscriptions,
                            s.items,
                            s.last_status.as_deref().unwrap_or("-"),
                            s.url.as_deref().unwrap_or("")
                        );
                    }
                }
            }
            Ok(())
        }
        ReprintCommand::AddSource {
            name,
            kind,
            url,
            attribution,
            owner,
            column,
            poll,
            selector,
        } => {
            let site = site_id(&store, owner).await?;
            let col = column_id(&store, site, column)
                .await?
                .ok_or_else(|| Failure(3, format!("网站 {owner} 没有栏目 {column}")))?;
            let id = store
                .create_source(
                    None,
                    &zhanqun_store::NewSource {
                        name: name.clone(),
                        kind: kind.clone(),
                        url: url.clone(),
                        attribution: attribution.clone(),
                        owner: site,
                        owner_column: col,
                        poll_seconds: *poll,
                        extract_selector: selector.clone(),
                    },
                )
                .await?;
            audit(
                &store,
                "reprint.source.create",
                Some(format!("source:{id}")),
                zhanqun_store::Outcome::Success,
                None,
            )
            .await?;
            println!("{id}");
            Ok(())
        }
        ReprintCommand::Subscribe {
            source,
            site,
            all,
            column,
            mode,
            home_slot,
        } => {
            let mode = match mode.as_str() {
                "publish" => zhanqun_store::ReprintMode::Publish,
                "review" => zhanqun_store::ReprintMode::Review,
                other => {
                    return Err(Failure(
                        3,
                        format!(
                            "方式“{other}”无效：可选 publish（立即发布）或 review（本站审核后发布）"
                        ),
                    ));
                }
            };
            let targets: Vec<zhanqun_core::SiteId> = match (site, all) {
                (Some(code), false) => vec![site_id(&store, code).await?],
                (None, true) => {
                    let have: std::collections::HashSet<i64> = store
                        .subscriptions(Some(*source), None)
                        .await?
                        .into_iter()
                        .map(|s| s.site_id)
                        .collect();
                    store
                        .list_sites()
                        .await?
                        .into_iter()
                        .map(|s| s.id)
                        .filter(|s| !have.contains(&s.0))
                        .collect()
                }
                _ => return Err(Failure(2, "请给出 --site 网站标识码 或 --all 之一".into())),
            };
            // Every column at once, then one subscription a site.
            let columns: std::collections::HashMap<(i64, String), zhanqun_core::ColumnId> = store
                .all_columns()
                .await?
                .into_iter()
                .map(|c| ((c.site_id.0, c.path.to_string()), c.id))
                .collect();
            let path = column.trim().trim_matches('/').to_string();
            let mut n = 0;
            for site in &targets {
                let Some(col) = columns.get(&(site.0, path.clone())) else {
                    if targets.len() == 1 {
                        return Err(Failure(3, format!("该网站没有栏目 {path}")));
                    }
                    continue;
                };
                store
                    .subscribe(None, *source, *col, mode, *home_slot)
                    .await?;
                n += 1;
            }
            audit(
                &store,
                "reprint.subscribe",
                Some(format!("source:{source} sites:{n}")),
                zhanqun_store::Outcome::Success,
                None,
            )
            .await?;
            println!("{n}");
            Ok(())
        }
        ReprintCommand::Ingest {
            source,
            title,
            body,
            summary,
            link,
            guid,
        } => {
            let guid = guid
                .clone()
                .or_else(|| link.clone())
                .unwrap_or_else(|| format!("manual-{}", uuid_like()));
            let done = store
                .ingest(
                    None,
                    *source,
                    &zhanqun_store::NewItem {
                        guid,
                        title: title.clone(),
                        summary: summary.clone(),
                        body_html: body.clone(),
                        link: link.clone(),
                        published_at: zhanqun_store::now(),
                        hash: None,
                    },
                )
                .await?;
            println!(
                "{}",
                serde_json::to_string(&done).map_err(|e| Failure(1, e.to_string()))?
            );
            Ok(())
        }
        ReprintCommand::Deliveries { site, format } => {
            let list = match site {
                Some(code) => store.deliveries(site_id(&store, code).await?).await?,
                None => {
                    store
                        .deliveries_since(zhanqun_store::now() - chrono::Duration::days(30))
                        .await?
                }
            };
            match format {
                Format::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&list).map_err(|e| Failure(1, e.to_string()))?
                ),
                Format::Text => {
                    for d in list {
                        let delay = d
                            .placed_at
                            .map(|p| format!("{} 秒", (p - d.source_published_at).num_seconds()))
                            .unwrap_or_else(|| "-".into());
                        println!(
                            "{:>6}  {}  {:<8} {:>10}  {}",
                            d.id, d.site_code, d.state, delay, d.title
                        );
                    }
                }
            }
            Ok(())
        }
    }
}

async fn sites(cli: &Cli, cmd: &SitesCommand) -> Res {
    let c = load_config(cli)?;
    match cmd {
        SitesCommand::Plan { dir, check } => {
            let inputs = load_tenants(&tenants_dir(&c, dir))?;
            let store = open_store(&c).await?;
            let plan = zhanqun_sites::plan(&store, &inputs).await?;
            println!("{plan}");
            if *check && !plan.is_empty() {
                return Err(Failure(4, "有待应用的变更".into()));
            }
            Ok(())
        }
        SitesCommand::Apply { dir } => {
            let inputs = load_tenants(&tenants_dir(&c, dir))?;
            let store = open_store(&c).await?;
            let pb = indicatif::ProgressBar::new_spinner();
            pb.set_message(format!("应用 {} 个租户文件", inputs.len()));
            pb.enable_steady_tick(std::time::Duration::from_millis(120));
            let plan = zhanqun_sites::apply(&store, &inputs).await;
            pb.finish_and_clear();
            let object = Some(format!("{} 个租户文件", inputs.len()));
            let plan = audited(&store, "sites.apply", object, plan).await?;
            println!("{plan}");
            println!(
                "{}",
                if plan.is_empty() {
                    "无需变更。"
                } else {
                    "已应用。"
                }
            );
            Ok(())
        }
        SitesCommand::List { format } => {
            let store = open_store(&c).await?;
            let sites = store.list_sites().await?;
            match format {
                Format::Json => {
                    let v: Vec<serde_json::Value> = sites
                        .iter()
                        .map(|s| {
                            let mut hosts = s.hosts.clone();
                            hosts.push(format!("{}.localhost", s.code));
                            serde_json::json!({
                                "code": s.code.as_str(), "name": s.name, "kind": s.kind.as_str(),
                                "status": s.status.as_str(), "theme": s.theme, "region": s.region_code,
                                "hosts": hosts,
                            })
                        })
                        .collect();
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&v).map_err(|e| Failure(1, e.to_string()))?
                    );
                }
                Format::Text => {
                    for s in &sites {
                        let host = s
                            .hosts
                            .first()
                            .cloned()
                            .unwrap_or_else(|| format!("{}.localhost", s.code));
                        println!(
                            "{}  {:<6} {:<10} {}  {}",
                            s.code,
                            s.status.label(),
                            s.kind.as_str(),
                            s.name,
                            host
                        );
                    }
                    println!("共 {} 个网站", sites.len());
                }
            }
            Ok(())
        }
        SitesCommand::Status { code, status } => {
            let code = SiteCode::parse(code)?;
            let status = SiteStatus::parse(status)?;
            let store = open_store(&c).await?;
            let site = store
                .site_by_code(&code)
                .await?
                .ok_or_else(|| Failure(3, format!("网站 {code} 不存在")))?;
            let done = store.set_site_status(site.id, status).await;
            audited(
                &store,
                "sites.status",
                Some(format!("{code} → {}", status.as_str())),
                done,
            )
            .await?;
            println!("网站 {code}（{}）状态已设为：{}", site.name, status.label());
            Ok(())
        }
    }
}

async fn shutdown_signal() {
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
