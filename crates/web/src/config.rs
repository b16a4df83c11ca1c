//! Typed configuration: defaults → file (`zhanqun.toml` or `--config`) → `ZHANQUN_*` variables →
//! command-line flags. Every key is documented in [`DEFAULT_TOML`], which `zhanqun config default`
//! prints and a test keeps equal to `Config::default()`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use zhanqun_core::Error;

#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Public listener: the sites.
    pub public_addr: SocketAddr,
    /// Management listener: health, readiness, metrics (and later the console and API).
    pub manage_addr: SocketAddr,
    /// Where the SQLite database (and later uploads and the search index) live.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; empty means `sqlite://<data_dir>/zhanqun.db`.
    pub database_url: String,
    /// The folder of tenants files (`sites plan|apply`).
    pub tenants_dir: PathBuf,
    /// A themes folder on disk that overrides the embedded themes; empty means embedded only.
    pub themes_dir: PathBuf,
    /// Load the demo province when the store holds no site.
    pub demo_on_empty: bool,
    /// Scheme used in absolute URLs (feeds, sitemaps).
    pub public_scheme: String,
    /// Reverse proxies (load balancers) whose `X-Forwarded-For` names the client: for visit
    /// counting, the login throttle and the audit log. From any other peer the header is
    /// ignored.
    pub trusted_proxies: Vec<crate::client::ProxyNet>,
    pub cache: CacheConfig,
    pub console: ConsoleConfig,
    pub reprint: ReprintConfig,
    pub visits: VisitsConfig,
    pub jobs: JobsConfig,
    pub search: SearchConfig,
    pub tls: TlsConfig,
    pub connections: ConnectionsConfig,
    pub metrics: MetricsConfig,
    pub letters: crate::desk::LettersConfig,
    /// Time limit of one public request, in seconds (answered 408 when exceeded).
    pub request_timeout_seconds: u64,
    /// Time limit of one console or API request (uploads included), in seconds.
    pub console_timeout_seconds: u64,
    /// Run on a PostgreSQL database whose durability settings are off (`fsync`,
    /// `synchronous_commit`, `full_page_writes`). Only for throwaway test databases.
    pub allow_nondurable_database: bool,
    /// On SIGTERM: stop accepting, then give requests in flight this many seconds to finish.
    pub shutdown_grace_seconds: u64,
    /// The national check indicators' limits.
    pub checks: zhanqun_core::checks::Thresholds,
    pub log: LogConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReprintConfig {
    /// Poll feed sources from this node (a lease in the store makes each poll happen once).
    pub poll: bool,
    /// Allow fetching from loopback, private and link-local addresses: tests and the demo's
    /// stand-in feed only, never in production (server-side request forgery).
    pub allow_private: bool,
    /// Internal addresses that feeds may nevertheless be fetched from (a feed server inside the
    /// government network), each exactly; everything else internal stays refused.
    pub allow_ips: Vec<std::net::IpAddr>,
    /// Fetch feeds over plain http too. Off by default: what a feed brings is fanned out to
    /// every subscribing site, and plain http can be altered on the way.
    pub allow_http: bool,
    /// Largest feed or item page fetched, in bytes.
    pub max_fetch_bytes: u64,
    /// Time limit of one fetch, in seconds.
    pub fetch_timeout_secs: u64,
    /// The reprint target, in minutes after the source published the item.
    pub deadline_minutes: i64,
    /// A pending approval raises an alert this many minutes after the source published it.
    pub alert_minutes: i64,
    /// Public holidays (`YYYY-MM-DD`) that are not working days.
    pub holidays: Vec<chrono::NaiveDate>,
    /// Weekend days that are working days (调休上班).
    pub workdays: Vec<chrono::NaiveDate>,
    /// Development: the URL of a stand-in State Council feed to subscribe the demo province to.
    pub dev_feed: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitsConfig {
    /// Count page views and unique visitors on the public listener.
    pub count: bool,
    /// Seconds between two flushes of the counts to the store: at most this much counting is
    /// lost when the process is killed (a graceful stop flushes).
    pub flush_seconds: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// Serve the sites over HTTPS too, on `https_addr`.
    pub enabled: bool,
    pub https_addr: SocketAddr,
    /// The folder relative certificate file names are in (`default_*`, tenants files' `[tls]`).
    pub dir: PathBuf,
    /// The certificate (PEM chain) and key for names no site has its own certificate for.
    pub default_cert: String,
    pub default_key: String,
    /// Answer plain-HTTP requests to a site with a redirect to HTTPS (308), except ACME
    /// http-01 challenges.
    pub redirect_http: bool,
    /// The HTTPS port visitors reach, in redirect addresses (443 is left out).
    pub public_port: u16,
    /// `Strict-Transport-Security: max-age` on HTTPS answers, in seconds; 0 sends none.
    pub hsts_max_age: u64,
    /// Seconds between checks of the certificate files for changes.
    pub reload_seconds: u64,
    /// Serve the management listener (console, API) over HTTPS only, with the same
    /// certificates (the default one, or a site's whose host name the console is reached by).
    pub manage: bool,
}

/// How long a connection may keep a listener busy, and how many may (both listeners).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionsConfig {
    /// A new or kept-alive connection must send a request's headers within this many seconds
    /// (HTTP/1.1 and HTTP/2 alike; against slowloris).
    pub header_read_timeout_seconds: u64,
    /// A connection with no request in flight is closed after this many seconds.
    pub idle_timeout_seconds: u64,
    /// A response the client stops reading is abandoned after this many seconds without
    /// progress.
    pub stall_timeout_seconds: u64,
    /// Open connections at most on the public listener (HTTP and HTTPS each); more wait in the
    /// kernel's accept queue.
    pub max_public: usize,
    /// Open connections at most on the management listener.
    pub max_manage: usize,
}

/// Who may read `/metrics`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    /// When set, a scrape must send `Authorization: Bearer <token>`.
    pub token: String,
    /// When not empty, only these addresses or networks may scrape (the connection's own
    /// address: a forwarded one is not believed here).
    pub allow: Vec<crate::client::ProxyNet>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobsConfig {
    /// Background jobs that run once across nodes (scheduled publishing, reprint alerts) run on
    /// the node holding their lease, renewed once a third of it has run (other nodes ask every
    /// second); when the holder dies another node takes over after at most this many seconds.
    pub lease_seconds: u64,
    /// How often the change log is read (milliseconds). On PostgreSQL every commit also wakes
    /// the other nodes at once (LISTEN/NOTIFY); the poll is the fallback.
    pub change_poll_ms: u64,
    /// The check indicators of every site (统计概览, 检查指标 and their API) are those of the
    /// last run of the check, every five minutes; a page that finds them older than this many
    /// seconds runs the check itself. 0: every page runs it (seconds at province scale).
    pub checks_max_age_seconds: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchConfig {
    /// Site search (the `/search` page of every site, the province-wide search, the console's).
    pub enabled: bool,
    /// Where this node keeps its search index; empty means `<data_dir>/search`. Each node needs
    /// its own (the index is rebuilt from the store when missing).
    pub dir: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleConfig {
    /// Require the TOTP second factor of every back-office account (等保 level 3: yes).
    pub require_totp: bool,
    /// Largest upload to the media library, in bytes.
    pub max_upload_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheConfig {
    /// Upper bound of the rendered-page cache, in bytes (bodies and their compressed forms).
    pub max_bytes: u64,
    /// `max-age` sent to browsers and CDNs for public pages, in seconds.
    pub max_age: u32,
    /// Template fuel: an upper bound of the work one render may do (site templates are data).
    pub render_fuel: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// `text` or `json`.
    pub format: String,
    /// A tracing filter, e.g. `info,zhanqun_web=debug`. `RUST_LOG` overrides it.
    pub filter: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            public_addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            manage_addr: SocketAddr::from(([127, 0, 0, 1], 8081)),
            data_dir: PathBuf::from("data"),
            database_url: String::new(),
            tenants_dir: PathBuf::from("tenants"),
            themes_dir: PathBuf::new(),
            demo_on_empty: true,
            public_scheme: "http".into(),
            trusted_proxies: Vec::new(),
            cache: CacheConfig {
                max_bytes: 256 * 1024 * 1024,
                max_age: 60,
                render_fuel: 5_000_000,
            },
            console: ConsoleConfig {
                require_totp: true,
                max_upload_bytes: 20 * 1024 * 1024,
            },
            reprint: ReprintConfig {
                poll: true,
                allow_private: false,
                allow_ips: Vec::new(),
                allow_http: false,
                max_fetch_bytes: 5 * 1024 * 1024,
                fetch_timeout_secs: 20,
                deadline_minutes: 60,
                alert_minutes: 45,
                holidays: Vec::new(),
                workdays: Vec::new(),
                dev_feed: String::new(),
            },
            visits: VisitsConfig {
                count: true,
                flush_seconds: 5,
            },
            jobs: JobsConfig {
                lease_seconds: 15,
                change_poll_ms: 1000,
                checks_max_age_seconds: 330,
            },
            search: SearchConfig {
                enabled: true,
                dir: PathBuf::new(),
            },
            tls: TlsConfig {
                enabled: false,
                https_addr: SocketAddr::from(([127, 0, 0, 1], 8443)),
                dir: PathBuf::from("certs"),
                default_cert: "default.crt".into(),
                default_key: "default.key".into(),
                redirect_http: true,
                public_port: 443,
                hsts_max_age: 31_536_000,
                reload_seconds: 5,
                manage: false,
            },
            connections: ConnectionsConfig {
                header_read_timeout_seconds: 10,
                idle_timeout_seconds: 60,
                stall_timeout_seconds: 60,
                max_public: 4096,
                max_manage: 256,
            },
            letters: crate::desk::LettersConfig {
                key_file: PathBuf::new(),
                days_mailbox: 15,
                days_consultation: 5,
                days_complaint: 15,
                days_suggestion: 15,
                days_site_error: 3,
                per_address_per_hour: 5,
                per_site_per_hour: 300,
                lookups_per_address_per_hour: 60,
                attachment_max_bytes: 2 * 1024 * 1024,
            },
            metrics: MetricsConfig {
                token: String::new(),
                allow: Vec::new(),
            },
            shutdown_grace_seconds: 20,
            allow_nondurable_database: false,
            request_timeout_seconds: 30,
            console_timeout_seconds: 300,
            checks: zhanqun_core::checks::Thresholds::default(),
            log: LogConfig {
                format: "text".into(),
                filter: "info".into(),
            },
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The database URL may carry a password: never print it.
        f.debug_struct("Config")
            .field("public_addr", &self.public_addr)
            .field("manage_addr", &self.manage_addr)
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact_url(&self.database_url))
            .field("tenants_dir", &self.tenants_dir)
            .field("themes_dir", &self.themes_dir)
            .field("demo_on_empty", &self.demo_on_empty)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("cache", &self.cache)
            .field("console", &self.console)
            .field("reprint", &self.reprint)
            .field("visits", &self.visits)
            .field("jobs", &self.jobs)
            .field("tls", &self.tls)
            .field("connections", &self.connections)
            .field(
                "metrics",
                &format_args!(
                    "token: {}, allow: {:?}",
                    if self.metrics.token.is_empty() {
                        "none"
                    } else {
                        "***"
                    },
                    self.metrics.allow
                ),
            )
            .field("shutdown_grace_seconds", &self.shutdown_grace_seconds)
            .field("allow_nondurable_database", &self.allow_nondurable_database)
            .field("request_timeout_seconds", &self.request_timeout_seconds)
            .field("console_timeout_seconds", &self.console_timeout_seconds)
            .field("checks", &self.checks)
            .field("log", &self.log)
            .finish()
    }
}

/// Hides the password of a URL such as `postgres://user:secret@host/db`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let cred = &url[s + 3..at];
            match cred.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The documented default configuration, as `zhanqun config default` prints it.
pub const DEFAULT_TOML: &str = r#"# zhanqun configuration. Every key is optional; shown are the defaults.
# Precedence: defaults < this file < ZHANQUN_* environment variables < command-line flags.
# Nested keys in the environment use a double underscore: ZHANQUN_CACHE__MAX_BYTES=1000000.

# Public listener (the sites). Port 0 picks a free port; the chosen address is logged.
public_addr = "127.0.0.1:8080"
# Management listener: the console (/), the JSON API (/api), /healthz, /readyz, /metrics.
manage_addr = "127.0.0.1:8081"
# Data directory: the SQLite database lives here.
data_dir = "data"
# sqlite://path or postgres://user:password@host/database. Empty: sqlite://<data_dir>/zhanqun.db
database_url = ""
# Folder of tenants files (one TOML file a site) for `zhanqun sites plan|apply`.
tenants_dir = "tenants"
# A themes folder on disk that overrides the embedded themes (for theme development). Empty: none.
themes_dir = ""
# Load the demo province (Shaanxi) on start when the store holds no site.
demo_on_empty = true
# Scheme of absolute URLs in feeds and sitemaps.
public_scheme = "http"
# Reverse proxies (load balancers) whose X-Forwarded-For header names the client, for visit
# counting, the login throttle and the audit log: addresses or networks, e.g.
# trusted_proxies = ["10.0.0.2", "10.244.0.0/16"]. From any other peer the header is ignored
# (anyone can send it). Behind a proxy that is not listed, every client has the proxy's address:
# five wrong passwords from anyone lock the login for everyone.
trusted_proxies = []
# On SIGTERM: stop accepting connections, then give requests in flight this many seconds to
# finish before exiting; visit counts are flushed and job leases given up either way.
shutdown_grace_seconds = 20
# Refuse to run on a PostgreSQL database with fsync, synchronous_commit or full_page_writes off
# (committed writes could be lost in a crash) unless this is true: throwaway test databases only.
allow_nondurable_database = false
# Time limit of one public request, in seconds: a request still running then is answered 408.
request_timeout_seconds = 30
# Time limit of one console or API request (uploads included), in seconds.
console_timeout_seconds = 300

[cache]
# Upper bound of the rendered-page cache in bytes.
max_bytes = 268435456
# Cache-Control max-age of public pages, in seconds.
max_age = 60
# Upper bound of the work one template render may do.
render_fuel = 5000000

[console]
# Require a TOTP second factor (authenticator app) of every back-office account.
require_totp = true
# Largest upload to the media library, in bytes.
max_upload_bytes = 20971520

[reprint]
# Poll feed sources from this node. With several nodes, a lease in the store makes each poll
# happen once.
poll = true
# Allow feeds on loopback, private and link-local addresses. Only for tests and the demo's
# stand-in feed: in production this would let a source URL reach internal services.
allow_private = false
# Internal addresses feeds may nevertheless come from (e.g. a feed server inside the government
# network), each listed exactly: allow_ips = ["10.12.0.8"]. Every other internal address stays refused.
allow_ips = []
# Fetch feeds over plain http too. Off: a feed's items go to every subscribing site, and plain
# http can be altered on the way. Turn on only for a feed server that offers no https.
allow_http = false
# Largest feed or item page fetched, in bytes.
max_fetch_bytes = 5242880
# Time limit of one fetch, in seconds.
fetch_timeout_secs = 20
# The reprint target (seed 004: within one hour), in minutes after the source published it.
# The hard limit is one working day.
deadline_minutes = 60
# A pending approval alerts (log, metric, console) this many minutes after the source published it.
alert_minutes = 45
# The working-day calendar: weekends are days off; list public holidays and make-up working
# days (调休上班) as "YYYY-MM-DD".
holidays = []
workdays = []
# Development: a stand-in State Council feed (tests/feed) the demo province subscribes to.
dev_feed = ""

[visits]
# Count page views (per site, column and article and day) and unique visitors (per site and day,
# a HyperLogLog sketch of daily-salted hashes: no address or user agent is stored). Crawlers and
# tools (by user agent) are not counted.
count = true
# Seconds between flushes of the counts to the store. A killed process loses at most this much
# counting; a graceful stop flushes first.
flush_seconds = 5

[jobs]
# Jobs that must run once across nodes (scheduled publishing, reprint alerts) run on the node
# holding their lease in the store, renewed once a third of it has run (the others ask every
# second). When that node dies, another takes over within this many seconds.
lease_seconds = 15
# How often the change log (what other nodes and the CLI changed) is read, in milliseconds. On
# PostgreSQL every commit also wakes the other nodes at once (LISTEN/NOTIFY).
change_poll_ms = 1000
# The check indicators of every site (统计概览, 检查指标 and their API) are those of the last run
# of the check, every five minutes (seconds of work at province scale). A page that finds them
# older than this many seconds runs the check itself; 0 runs it for every page.
checks_max_age_seconds = 330

[search]
# Site search: every site's /search page, the province-wide search of the province portal and
# the console's. Each node keeps its own index, fed from the store's change log; a missing or
# stale index is rebuilt from the store at start (`zhanqun search reindex` does it by hand).
enabled = true
# Where the index lives; empty means <data_dir>/search.
dir = ""

[tls]
# Serve the sites over HTTPS too (rustls: TLS 1.2 and 1.3, HTTP/2 and HTTP/1.1), each site host
# with its own certificate chosen by SNI: the PEM files named in the site's tenants file
# ([tls] cert = "jiaxian.crt", key = "jiaxian.key"); other names get the default certificate.
enabled = false
https_addr = "127.0.0.1:8443"
# The folder relative certificate file names are in.
dir = "certs"
default_cert = "default.crt"
default_key = "default.key"
# Redirect plain-HTTP requests to a site to HTTPS (308), except ACME http-01 challenges.
redirect_http = true
# The HTTPS port visitors reach (behind a load balancer: its port), used in redirect addresses.
public_port = 443
# Strict-Transport-Security max-age on HTTPS answers, in seconds (0: no header).
hsts_max_age = 31536000
# Seconds between checks of the certificate files: a renewed certificate written to disk is
# served from the next handshake, without a restart.
reload_seconds = 5
# Serve the management listener (console, API) over HTTPS only, with the same certificates (the
# default one, or the site certificate of the name the console is reached by). The session
# cookie is Secure only on HTTPS (here, or from a trusted proxy saying X-Forwarded-Proto: https).
manage = false

[connections]
# Both listeners, HTTP/1.1 and HTTP/2. A connection must send a request's headers within this
# many seconds of opening (or of its last answer); a silent connection is closed then.
header_read_timeout_seconds = 10
# A connection with no request in flight is closed after this many seconds.
idle_timeout_seconds = 60
# A response the client stops reading is abandoned after this many seconds without progress.
stall_timeout_seconds = 60
# Open connections at most on the public listener (and on HTTPS), and on the management listener;
# more wait in the kernel's accept queue. Keep them below the open-files limit (LimitNOFILE).
max_public = 4096
max_manage = 256

[metrics]
# Who may read /metrics on the management listener. A token: scrapes must send
# Authorization: Bearer <token> (set it with ZHANQUN_METRICS__TOKEN rather than in this file).
token = ""
# Addresses or networks allowed to scrape, e.g. ["10.0.0.5", "10.244.0.0/16"]; empty: any.
allow = []

[letters]
# 互动交流: letters from the public. The writers' name, phone, e-mail, ID number and address are
# encrypted per field with the keys of this file (one "<id> <64 hex digits>" a line, newest first;
# docs/LETTERS.md says how to rotate). Keep it out of the database and its backups. Empty:
# <data_dir>/letters.key, made with a new key on first start when missing.
key_file = ""
# Working days to answer, by kind (the national check fails a site with a valid message left
# unanswered for more than three months; these are the province's own, shorter targets).
days_mailbox = 15
days_consultation = 5
days_complaint = 15
days_suggestion = 15
days_site_error = 3
# Letters one client address may send in an hour (and answers to one survey, questions to one
# interview); letters one site takes in an hour; 查询码 lookups and ratings one address may make
# in an hour. Past a limit the form says to wait.
per_address_per_hour = 5
per_site_per_hour = 300
lookups_per_address_per_hour = 60
# The largest photo or document (JPG, PNG, PDF, Word) a writer may send with a letter, in bytes;
# at most three go with one letter. They are sealed like the personal data.
attachment_max_bytes = 2097152

[checks]
# The national check indicators (国办秘函〔2019〕19号). The home page must change within this many
# days (veto); news columns within news_days; notice and policy columns within notice_months;
# personnel and plan columns within personnel_months. This many overdue or blank columns fail the
# site (veto).
home_days = 14
news_days = 14
notice_months = 6
personnel_months = 12
overdue_veto = 5
blank_veto = 5
# 服务不实用: what a service item's guide must have before it is sent for review or published,
# and whose lack fails the site. Default: the national check's ten key elements (the words are
# in docs/SERVICES.md).
service_elements = ["name", "basis", "conditions", "materials", "place", "agency", "fee", "hours", "consult_phone", "process"]

[log]
# text or json
format = "text"
# tracing filter; RUST_LOG overrides it
filter = "info"
"#;

impl Config {
    /// Loads defaults, then `file` (or `./zhanqun.toml` when present), then `ZHANQUN_*`.
    pub fn load(file: Option<&Path>) -> Result<Config, Error> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(f) => {
                if !f.is_file() {
                    return Err(Error::invalid(format!("配置文件 {} 不存在", f.display())));
                }
                fig = fig.merge(Toml::file(f));
            }
            None => {
                if Path::new("zhanqun.toml").is_file() {
                    fig = fig.merge(Toml::file("zhanqun.toml"));
                }
            }
        }
        fig = fig.merge(
            Env::prefixed("ZHANQUN_")
                .split("__")
                .ignore(&["test_database_url", "failpoint"]),
        );
        fig.extract()
            .map_err(|e| Error::invalid(format!("配置错误：{e}")))
    }

    /// Checks what the types can't: values that make no sense together.
    pub fn check(&self) -> Result<(), Error> {
        let r = &self.reprint;
        if r.deadline_minutes < 1 {
            return Err(Error::invalid(
                "配置错误：reprint.deadline_minutes 须至少为 1 分钟",
            ));
        }
        if r.alert_minutes < 0 || r.alert_minutes >= r.deadline_minutes {
            return Err(Error::invalid(format!(
                "配置错误：reprint.alert_minutes（{}）须在 0 到 deadline_minutes（{}）之间，预警须早于时限",
                r.alert_minutes, r.deadline_minutes
            )));
        }
        if r.fetch_timeout_secs == 0 || r.max_fetch_bytes == 0 {
            return Err(Error::invalid(
                "配置错误：reprint.fetch_timeout_secs 和 reprint.max_fetch_bytes 须大于 0",
            ));
        }
        if self.visits.flush_seconds == 0 || self.visits.flush_seconds > 3600 {
            return Err(Error::invalid(
                "配置错误：visits.flush_seconds 须在 1 到 3600 秒之间",
            ));
        }
        if self.jobs.lease_seconds < 3 || self.jobs.lease_seconds > 3600 {
            return Err(Error::invalid(
                "配置错误：jobs.lease_seconds 须在 3 到 3600 秒之间（租约过三分之一即续，至少留两次续约的余量）",
            ));
        }
        let c = &self.connections;
        if [
            c.header_read_timeout_seconds,
            c.idle_timeout_seconds,
            c.stall_timeout_seconds,
        ]
        .contains(&0)
            || c.max_public == 0
            || c.max_manage == 0
        {
            return Err(Error::invalid(
                "配置错误：connections 的各项超时和连接上限须大于 0",
            ));
        }
        if (self.tls.enabled || self.tls.manage) && self.tls.reload_seconds == 0 {
            return Err(Error::invalid("配置错误：tls.reload_seconds 须至少为 1 秒"));
        }
        if self.tls.enabled
            && self.tls.https_addr == self.public_addr
            && self.public_addr.port() != 0
        {
            return Err(Error::invalid(
                "配置错误：tls.https_addr 不能与 public_addr 相同",
            ));
        }
        if self.request_timeout_seconds == 0 || self.console_timeout_seconds == 0 {
            return Err(Error::invalid(
                "配置错误：request_timeout_seconds 和 console_timeout_seconds 须大于 0",
            ));
        }
        if self.jobs.change_poll_ms < 10 {
            return Err(Error::invalid(
                "配置错误：jobs.change_poll_ms 须至少为 10 毫秒",
            ));
        }
        if let Some(d) = r.holidays.iter().find(|d| r.workdays.contains(d)) {
            return Err(Error::invalid(format!(
                "配置错误：{d} 同时列在 reprint.holidays 和 reprint.workdays 中"
            )));
        }
        let l = &self.letters;
        if zhanqun_core::letters::LetterKind::ALL
            .iter()
            .any(|k| !(1..=60).contains(&l.days(*k)))
        {
            return Err(Error::invalid(
                "配置错误：letters.days_* 应为 1 至 60 个工作日",
            ));
        }
        if l.per_address_per_hour == 0
            || l.per_site_per_hour == 0
            || l.lookups_per_address_per_hour == 0
        {
            return Err(Error::invalid("配置错误：letters 的每小时限额须大于 0"));
        }
        if !(1024..=20 * 1024 * 1024).contains(&l.attachment_max_bytes) {
            return Err(Error::invalid(
                "配置错误：letters.attachment_max_bytes 应在 1024（1 KB）至 20971520（20 MB）之间",
            ));
        }
        Ok(())
    }

    /// The reprint deadlines with the configured calendar.
    pub fn deadlines(&self) -> zhanqun_core::timeliness::Deadlines {
        let r = &self.reprint;
        zhanqun_core::timeliness::Deadlines {
            target: chrono::Duration::minutes(r.deadline_minutes),
            alert: chrono::Duration::minutes(r.alert_minutes),
            calendar: self.calendar(),
        }
    }

    /// The working-day calendar (weekends, holidays and make-up days of `[reprint]`): reprint
    /// and letter deadlines alike.
    pub fn calendar(&self) -> zhanqun_core::timeliness::WorkCalendar {
        let r = &self.reprint;
        zhanqun_core::timeliness::WorkCalendar::new(
            r.holidays.iter().copied(),
            r.workdays.iter().copied(),
        )
    }

    /// Where the letters' key file is.
    pub fn letters_key_file(&self) -> PathBuf {
        if self.letters.key_file.as_os_str().is_empty() {
            self.data_dir.join("letters.key")
        } else {
            self.letters.key_file.clone()
        }
    }

    /// The effective database URL.
    /// Where this node's search index lives.
    pub fn search_dir(&self) -> PathBuf {
        if self.search.dir.as_os_str().is_empty() {
            self.data_dir.join("search")
        } else {
            self.search.dir.clone()
        }
    }

    pub fn database_url(&self) -> String {
        if self.database_url.trim().is_empty() {
            zhanqun_store::Store::sqlite_url(&self.data_dir)
        } else {
            self.database_url.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_defaults_are_the_defaults() {
        let parsed: Result<Config, _> = toml::from_str(DEFAULT_TOML);
        assert!(
            parsed.as_ref().is_ok_and(|c| *c == Config::default()),
            "{:?}",
            parsed.err()
        );
    }

    #[test]
    fn contradictory_reprint_settings_are_refused() {
        assert!(Config::default().check().is_ok());
        let mut c = Config::default();
        c.reprint.alert_minutes = 60;
        assert!(c.check().is_err());
        let mut c = Config::default();
        c.reprint.holidays = vec![chrono::NaiveDate::default()];
        c.reprint.workdays = vec![chrono::NaiveDate::default()];
        assert!(c.check().is_err());
    }

    /// The shipped Kubernetes configuration is a valid configuration and trusts the ingress
    /// controller's pod network (issue 18: with no trusted proxy, all console users behind the
    /// ingress shared one address and one login lockout).
    #[test]
    fn the_kubernetes_config_parses_and_trusts_the_ingress() {
        let yaml = include_str!("../../../deploy/kubernetes/configmap.yaml");
        let toml_text: String = yaml
            .split_once("zhanqun.toml: |\n")
            .map(|(_, t)| t)
            .unwrap_or_default()
            .lines()
            .map(|l| l.strip_prefix("    ").unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        let fig =
            Figment::from(Serialized::defaults(Config::default())).merge(Toml::string(&toml_text));
        let c: Config = fig.extract().unwrap_or_else(|e| panic!("{e}"));
        assert!(c.check().is_ok());
        let pod: std::net::IpAddr = "10.244.3.7"
            .parse()
            .unwrap_or(std::net::IpAddr::from([0; 4]));
        assert!(c.trusted_proxies.iter().any(|n| n.contains(&pod)));
        assert!(c.metrics.allow.iter().any(|n| n.contains(&pod)));
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://zq:s3cret@db:5432/zq"),
            "postgres://zq:***@db:5432/zq"
        );
        assert_eq!(
            redact_url("sqlite://data/zhanqun.db"),
            "sqlite://data/zhanqun.db"
        );
        let c = Config {
            database_url: "postgres://a:b@c/d".into(),
            ..Config::default()
        };
        assert!(!format!("{c:?}").contains(":b@"));
    }
}
