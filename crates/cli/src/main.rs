//! `zhanqun`: a thin binary over the library crates. Parses the command line, loads the
//! configuration, and calls into `zhanqun-web`, `zhanqun-sites` and `zhanqun-store`.
//!
//! Exit codes: 0 success; 1 failure (one line on stderr says why); 2 bad command line;
//! 3 invalid input (tenants files, configuration); 4 `sites plan --check` found changes;
//! 5 `audit verify` found the audit log tampered with; 6 `stats check` found a site failing a
//! veto indicator; 7 `check` found the store damaged.

mod args;
mod common;
mod reprint;
mod sites;

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use zhanqun_core::{Error, PlatformRole};
use zhanqun_server::{Listeners, serve};
use zhanqun_sites::demo;
use zhanqun_web::App;

use crate::args::*;
use crate::common::*;

/// mimalloc, not the system allocator: see the workspace Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    let result = rt.block_on(async {
        let result = run(cli).await;
        close_stores().await;
        result
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(code, msg)) => {
            eprintln!("zhanqun: {}", msg.replace('\n', " "));
            ExitCode::from(code)
        }
    }
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
            let accounts = demo::accounts(&store).await?;
            let key_file = c.letters_key_file();
            let desk = zhanqun_web::desk::Desk::open(
                &key_file,
                c.letters.key_file.as_os_str().is_empty(),
            )?;
            let letters =
                zhanqun_sites::demo_letters::load(&store, desk.keys(), &c.calendar()).await?;
            zhanqun_sites::demo_data::load(&store, &c.data_dir.join("media")).await?;
            println!(
                "已载入演示省份：{} 个网站，{} 篇信息，{letters} 封公众留言。",
                s.sites, s.articles
            );
            print_demo_accounts(&accounts);
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
        Command::Letters(LettersCommand::NewKey { id }) => {
            zhanqun_core::pii::check_key_id(id)?;
            println!("{}", zhanqun_core::pii::Keyring::new_key_line(id));
            Ok(())
        }
        Command::Letters(LettersCommand::Reseal) => {
            let c = load_config(&cli)?;
            let store = open_store(&c).await?;
            let path = c.letters_key_file();
            let desk = zhanqun_web::desk::Desk::open(&path, false)?;
            let n = store.reseal_letters(desk.keys(), i64::MAX).await?;
            println!(
                "已用最新密钥重新加密 {n} 项（留言、依申请公开和网上申请的个人信息，留言附件和申请材料；密钥文件 {}）",
                path.display()
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
            let r = zhanqun_store::backup::backup(&store, &c.data_dir, to).await;
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
            let m = zhanqun_store::backup::restore(from, &c.data_dir).await?;
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
        Command::Sites(cmd) => sites::sites(&cli, cmd).await,
        Command::Reprint(cmd) => reprint::reprint(&cli, cmd).await,
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
                ReportFormat::Csv => zhanqun_report::annual::to_csv(&report)?,
                ReportFormat::Xlsx => zhanqun_report::annual::to_xlsx(&report)?,
                ReportFormat::Html => {
                    zhanqun_report::annual::to_html_document(&report).into_bytes()
                }
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
            let demo_now = c.demo_on_empty && store.site_count().await? == 0;
            if demo_now {
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
            if demo_now {
                let cal = app.config().calendar();
                let n =
                    zhanqun_sites::demo_letters::load(&store, app.letters().keys(), &cal).await?;
                zhanqun_sites::demo_data::load(&store, &app.config().data_dir.join("media"))
                    .await?;
                tracing::info!(letters = n, "demo letters loaded");
            }
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
