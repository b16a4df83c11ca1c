//! `zhanqun reprint …`: sources, subscriptions, items and deliveries from the shell.

use crate::args::*;
use crate::common::*;
use zhanqun_core::SourceId;

pub(crate) async fn reprint(cli: &Cli, cmd: &ReprintCommand) -> Res {
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
                    .subscribe(None, SourceId(*source), *col, mode, *home_slot)
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
                    SourceId(*source),
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
