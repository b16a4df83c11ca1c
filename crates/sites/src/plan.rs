//! What `sites plan` shows and `sites apply` does.

use std::collections::{HashMap, HashSet};
use std::fmt;

use zhanqun_core::*;
use zhanqun_store::{ColumnInput, SiteInput, SiteRecord, Store};

/// The change one site needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteChange {
    Create {
        code: SiteCode,
        name: String,
        columns: usize,
    },
    Update {
        code: SiteCode,
        name: String,
        details: Vec<String>,
    },
    Unchanged {
        code: SiteCode,
    },
}

/// The difference between the declared sites and the store.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub changes: Vec<SiteChange>,
    /// Sites in the store that no file declares (left alone).
    pub unmanaged: Vec<(SiteCode, String)>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.changes
            .iter()
            .all(|c| matches!(c, SiteChange::Unchanged { .. }))
    }

    pub fn counts(&self) -> (usize, usize, usize) {
        let mut n = (0, 0, 0);
        for c in &self.changes {
            match c {
                SiteChange::Create { .. } => n.0 += 1,
                SiteChange::Update { .. } => n.1 += 1,
                SiteChange::Unchanged { .. } => n.2 += 1,
            }
        }
        n
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.changes {
            match c {
                SiteChange::Create {
                    code,
                    name,
                    columns,
                } => writeln!(f, "+ {code} {name}（新建，{columns} 个栏目）")?,
                SiteChange::Update {
                    code,
                    name,
                    details,
                } => {
                    writeln!(f, "~ {code} {name}")?;
                    for d in details {
                        writeln!(f, "    {d}")?;
                    }
                }
                SiteChange::Unchanged { .. } => {}
            }
        }
        for (code, name) in &self.unmanaged {
            writeln!(f, "? {code} {name}（库中存在，但没有声明文件；不做改动）")?;
        }
        let (c, u, n) = self.counts();
        write!(f, "计划：新建 {c} 个网站，修改 {u} 个，{n} 个无变化。")
    }
}

fn diff_site(want: &SiteInput, have: &SiteRecord) -> Vec<String> {
    let mut d = Vec::new();
    let s = &have.site;
    let mut field = |name: &str, old: String, new: String| {
        if old != new {
            d.push(format!("{name}: “{old}” → “{new}”"));
        }
    };
    field("name", s.name.clone(), want.name.clone());
    field("kind", s.kind.as_str().into(), want.kind.as_str().into());
    field(
        "parent",
        have.parent_code
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        want.parent
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
    );
    field("region", s.region_code.clone(), want.region_code.clone());
    field(
        "status",
        s.status.as_str().into(),
        want.status.as_str().into(),
    );
    field("theme", s.theme.clone(), want.theme.clone());
    field(
        "index_pattern",
        s.index_pattern.clone(),
        want.index_pattern.clone(),
    );
    field(
        "footer.organiser",
        s.footer.organiser.clone(),
        want.footer.organiser.clone(),
    );
    field(
        "footer.operator",
        s.footer.operator.clone(),
        want.footer.operator.clone(),
    );
    field(
        "footer.contact",
        s.footer.contact.clone(),
        want.footer.contact.clone(),
    );
    field("footer.icp", s.footer.icp.clone(), want.footer.icp.clone());
    field("footer.psb", s.footer.psb.clone(), want.footer.psb.clone());
    field("tls.cert", s.tls.cert.clone(), want.tls.cert.clone());
    field("tls.key", s.tls.key.clone(), want.tls.key.clone());
    let kinds = |l: &letters::LetterSettings| {
        l.kinds
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    field("letters.kinds", kinds(&s.letters), kinds(&want.letters));
    field(
        "letters.leaders",
        s.letters.leaders.join(", "),
        want.letters.leaders.join(", "),
    );
    let want_hosts: Vec<String> = want.hosts.iter().map(ToString::to_string).collect();
    field("hosts", s.hosts.join(", "), want_hosts.join(", "));
    let have_units: HashSet<&str> = have.units.iter().map(|(_, n)| n.as_str()).collect();
    for u in &want.units {
        if !have_units.contains(u.as_str()) {
            d.push(format!("units: + {u}"));
        }
    }
    let unit_names: HashMap<UnitId, &str> =
        have.units.iter().map(|(id, n)| (*id, n.as_str())).collect();
    let have_cols: HashMap<&str, &Column> =
        have.columns.iter().map(|c| (c.path.as_str(), c)).collect();
    for c in &want.columns {
        match have_cols.get(c.path.as_str()) {
            None => d.push(format!("columns: + {} {}", c.path, c.name)),
            Some(h) => {
                if !same_column(c, h, &unit_names) {
                    d.push(format!("columns: ~ {} {}", c.path, c.name));
                }
            }
        }
    }
    let wanted: HashSet<&str> = want.columns.iter().map(|c| c.path.as_str()).collect();
    for c in &have.columns {
        if !wanted.contains(c.path.as_str()) {
            d.push(format!("columns: - {} {}（无信息时删除）", c.path, c.name));
        }
    }
    d
}

fn same_column(c: &ColumnInput, h: &Column, units: &HashMap<UnitId, &str>) -> bool {
    c.name == h.name
        && c.kind == h.kind
        && c.update_category == h.update_category
        && c.mandatory == h.mandatory
        && c.needs_signoff == h.needs_signoff
        && c.sort_order == h.sort_order
        && c.link_url == h.link_url
        && c.body_html == h.body_html
        && c.in_nav == h.in_nav
        && c.unit.as_deref() == h.unit_id.and_then(|u| units.get(&u).copied())
}

/// Compares declared sites with the store.
pub async fn plan(store: &Store, sites: &[SiteInput]) -> Result<Plan> {
    let records = store.site_records().await?;
    let by_code: HashMap<&str, &SiteRecord> =
        records.iter().map(|r| (r.site.code.as_str(), r)).collect();
    let mut plan = Plan::default();
    for s in sites {
        plan.changes.push(match by_code.get(s.code.as_str()) {
            None => SiteChange::Create {
                code: s.code.clone(),
                name: s.name.clone(),
                columns: s.columns.len(),
            },
            Some(r) => {
                let details = diff_site(s, r);
                if details.is_empty() {
                    SiteChange::Unchanged {
                        code: s.code.clone(),
                    }
                } else {
                    SiteChange::Update {
                        code: s.code.clone(),
                        name: s.name.clone(),
                        details,
                    }
                }
            }
        });
    }
    let declared: HashSet<&str> = sites.iter().map(|s| s.code.as_str()).collect();
    plan.unmanaged = records
        .iter()
        .filter(|r| !declared.contains(r.site.code.as_str()))
        .map(|r| (r.site.code.clone(), r.site.name.clone()))
        .collect();
    Ok(plan)
}

/// Writes what the plan says, in one transaction. Applying twice changes nothing the second time.
pub async fn apply(store: &Store, sites: &[SiteInput]) -> Result<Plan> {
    let plan = plan(store, sites).await?;
    let changed: HashSet<&str> = plan
        .changes
        .iter()
        .filter_map(|c| match c {
            SiteChange::Create { code, .. } | SiteChange::Update { code, .. } => {
                Some(code.as_str())
            }
            SiteChange::Unchanged { .. } => None,
        })
        .collect();
    let todo: Vec<SiteInput> = sites
        .iter()
        .filter(|s| changed.contains(s.code.as_str()))
        .cloned()
        .collect();
    if !todo.is_empty() {
        store.apply_sites(&todo).await?;
    }
    Ok(plan)
}
