//! The command line: every command and its arguments (clap).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "zhanqun", version, about = "zhanqun 站群：一个程序承载全省政府网站", long_about = None)]
pub(crate) struct Cli {
    /// Configuration file (default: ./zhanqun.toml when present).
    #[arg(long, global = true, env = "ZHANQUN_CONFIG")]
    pub(crate) config: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Args)]
pub(crate) struct StoreArgs {
    /// sqlite://path or postgres://… (default: sqlite://<data-dir>/zhanqun.db).
    #[arg(long, global = true, env = "ZHANQUN_DATABASE_URL")]
    pub(crate) database_url: Option<String>,
    /// Data directory (database, later uploads and the search index).
    #[arg(long, global = true, env = "ZHANQUN_DATA_DIR")]
    pub(crate) data_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
pub(crate) enum Command {
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
    /// Letters from the public: the key their writers' personal data is sealed with.
    #[command(subcommand)]
    Letters(LettersCommand),
    /// Restore a backup into an empty data directory (--data-dir), checking every hash.
    Restore {
        /// The backup directory (made by `zhanqun backup`).
        #[arg(long)]
        from: PathBuf,
    },
}

#[derive(Subcommand)]
pub(crate) enum LettersCommand {
    /// Print a new key line (`<id> <64 hex digits>`) to put at the top of the key file
    /// (docs/LETTERS.md, rotating the key).
    NewKey {
        /// The key's name: letters, digits and `-`, at most 16, e.g. k20270101.
        id: String,
    },
    /// Seal again, under the newest key of the key file, every value sealed under an older one.
    Reseal,
}

#[derive(Subcommand)]
pub(crate) enum SearchCommand {
    /// Rebuild the index from the store, with a progress bar. The index belongs to one process:
    /// stop the server first (a running server also rebuilds by itself at start when its index
    /// is missing or stale).
    Reindex,
}

#[derive(Subcommand)]
pub(crate) enum StatsCommand {
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
pub(crate) enum ReprintCommand {
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
pub(crate) enum AccountsCommand {
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
pub(crate) enum AuditCommand {
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
pub(crate) struct ServeArgs {
    /// Public address; port 0 picks a free port (logged).
    #[arg(long, env = "ZHANQUN_PUBLIC_ADDR")]
    pub(crate) public_addr: Option<SocketAddr>,
    /// Management address (/healthz, /readyz, /metrics); port 0 picks a free port.
    #[arg(long, env = "ZHANQUN_MANAGE_ADDR")]
    pub(crate) manage_addr: Option<SocketAddr>,
    /// A themes folder on disk overriding the embedded themes.
    #[arg(long, env = "ZHANQUN_THEMES_DIR")]
    pub(crate) themes_dir: Option<PathBuf>,
    /// Do not load the demo province into an empty store.
    #[arg(long)]
    pub(crate) no_demo: bool,
    /// Development: subscribe the demo province to this feed (the stand-in State Council feed,
    /// `cargo run -p zhanqun-tests --bin gov-feed`) and allow it on a local address.
    #[arg(long, env = "ZHANQUN_REPRINT__DEV_FEED")]
    pub(crate) dev_feed: Option<String>,
}

#[derive(Subcommand)]
pub(crate) enum SitesCommand {
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
pub(crate) struct TenantsDir {
    /// Folder of tenants files (default: ./tenants).
    #[arg(long, env = "ZHANQUN_TENANTS_DIR")]
    pub(crate) tenants_dir: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReportFormat {
    Csv,
    Xlsx,
    Html,
}

#[derive(Args)]
pub(crate) struct DemoArgs {
    /// Only write the demo tenants files into this folder (no database).
    #[arg(long)]
    pub(crate) write_tenants: Option<PathBuf>,
    /// The date the demo content is anchored to (default: today), YYYY-MM-DD.
    #[arg(long)]
    pub(crate) anchor: Option<chrono::NaiveDate>,
    /// Confirm that every site and article in a non-empty store may be replaced.
    #[arg(long)]
    pub(crate) yes: bool,
}

#[derive(Subcommand)]
pub(crate) enum ConfigCommand {
    /// Print the default configuration, every key documented.
    Default,
    /// Print the effective configuration (passwords redacted).
    Show,
}
