//! `zhanqun sites …`: sites as code (plan, apply) and site status.

use zhanqun_core::{SiteCode, SiteStatus};

use crate::args::*;
use crate::common::*;

pub(crate) async fn sites(cli: &Cli, cmd: &SitesCommand) -> Res {
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
