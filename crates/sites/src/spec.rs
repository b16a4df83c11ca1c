//! Parsing and checking tenants files and column templates.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;
use zhanqun_core::index_number::{DEFAULT_PATTERN, IndexPattern};
use zhanqun_core::*;
use zhanqun_store::{ColumnInput, SiteInput};

/// The templates shipped in the binary (the same files as `tenants/templates/`).
pub const BUILTIN_TEMPLATES: &[(&str, &str)] = &[
    (
        "templates/portal.toml",
        include_str!("../../../tenants/templates/portal.toml"),
    ),
    (
        "templates/department.toml",
        include_str!("../../../tenants/templates/department.toml"),
    ),
];

/// The templates shipped in the binary, as sources that tenants files are parsed against.
pub(crate) fn builtin_templates() -> Vec<Source> {
    BUILTIN_TEMPLATES
        .iter()
        .map(|(p, t)| Source {
            path: p.to_string(),
            text: t.to_string(),
        })
        .collect()
}

/// A file's name (as shown in errors) and its text.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: String,
    pub text: String,
}

/// One problem in one file: where, which field, what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    pub path: String,
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: 字段 {}: {}",
            self.path, self.line, self.field, self.message
        )
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .map(|t| t.matches('\n').count() + 1)
        .unwrap_or(1)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TenantFile {
    code: Spanned<String>,
    name: String,
    kind: Spanned<String>,
    #[serde(default)]
    parent: Option<Spanned<String>>,
    region: Spanned<String>,
    #[serde(default)]
    status: Option<Spanned<String>>,
    #[serde(default)]
    theme: Option<Spanned<String>>,
    template: Spanned<String>,
    #[serde(default)]
    hosts: Vec<Spanned<String>>,
    #[serde(default)]
    index_pattern: Option<Spanned<String>>,
    #[serde(default)]
    units: Vec<String>,
    /// Non-mandatory template columns this site leaves out.
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    footer: Footer,
    /// What the site takes from the public: the kinds of letter, the leaders of its 领导信箱.
    #[serde(default)]
    letters: Option<Spanned<LettersSpec>>,
    /// The site's HTTPS certificate files.
    #[serde(default)]
    tls: Option<Spanned<TlsFiles>>,
    /// Columns of the site beyond its template (or overriding a template column's fields).
    #[serde(default)]
    columns: Vec<Spanned<ColumnSpec>>,
}

/// `[letters]` of a tenants file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct LettersSpec {
    /// The kinds of letter the site's form offers (`LetterKind::as_str`); all when not given.
    #[serde(default)]
    kinds: Option<Vec<String>>,
    /// The leaders a 领导信箱 letter can be written to: "县长 王建国".
    #[serde(default)]
    leaders: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ColumnSpec {
    path: String,
    name: String,
    #[serde(default = "default_kind")]
    kind: String,
    #[serde(default = "default_update")]
    update: String,
    #[serde(default)]
    mandatory: bool,
    #[serde(default)]
    nav: bool,
    /// Articles of this column need sign-off (签发) after review.
    #[serde(default)]
    signoff: bool,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    unit: Option<String>,
}

fn default_kind() -> String {
    "list".into()
}
fn default_update() -> String {
    "news".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateFile {
    name: String,
    #[serde(default)]
    description: String,
    columns: Vec<Spanned<ColumnSpec>>,
}

struct Ctx<'a> {
    src: &'a Source,
    errors: &'a mut Vec<SpecError>,
}

impl Ctx<'_> {
    fn err(&mut self, span: std::ops::Range<usize>, field: &str, message: impl Into<String>) {
        self.errors.push(SpecError {
            path: self.src.path.clone(),
            line: line_of(&self.src.text, span.start),
            field: field.to_string(),
            message: message.into(),
        });
    }
}

fn toml_error(src: &Source, e: toml::de::Error) -> SpecError {
    let line = e.span().map(|s| line_of(&src.text, s.start)).unwrap_or(1);
    let msg = e.message().to_string();
    let field = msg
        .strip_prefix("unknown field `")
        .and_then(|r| r.split('`').next())
        .or_else(|| {
            msg.strip_prefix("missing field `")
                .and_then(|r| r.split('`').next())
        })
        .unwrap_or("-")
        .to_string();
    let message = if msg.starts_with("unknown field") {
        format!("不认识的字段“{field}”（{msg}）")
    } else if msg.starts_with("missing field") {
        format!("缺少必填字段“{field}”")
    } else {
        format!("TOML 格式错误：{msg}")
    };
    SpecError {
        path: src.path.clone(),
        line,
        field,
        message,
    }
}

fn column_input(c: &ColumnSpec) -> Result<ColumnInput> {
    let path = ColumnPath::parse(&c.path)?;
    if c.name.trim().is_empty() {
        return Err(Error::invalid("栏目名称不能为空"));
    }
    let kind = ColumnKind::parse(&c.kind)?;
    if kind == ColumnKind::Link
        && c.url.as_deref().is_none_or(|u| {
            !(u.starts_with("https://") || u.starts_with("http://") || u.starts_with('/'))
        })
    {
        return Err(Error::invalid(format!(
            "链接栏目 {} 需要以 http(s):// 或 / 开头的 url",
            c.path
        )));
    }
    Ok(ColumnInput {
        in_nav: c.nav && path.depth() == 1,
        path,
        name: c.name.trim().to_string(),
        kind,
        update_category: UpdateCategory::parse(&c.update)?,
        mandatory: c.mandatory,
        needs_signoff: c.signoff,
        sort_order: 0,
        link_url: c.url.clone(),
        body_html: c.body.clone(),
        unit: c.unit.clone(),
    })
}

/// Parses templates and tenants files; returns the sites (parents first) or every problem found.
pub fn parse_sources(
    templates: &[Source],
    tenants: &[Source],
) -> Result<Vec<SiteInput>, Vec<SpecError>> {
    let mut errors = Vec::new();
    let mut tpls: HashMap<String, Vec<ColumnInput>> = HashMap::new();
    for src in templates {
        let mut cx = Ctx {
            src,
            errors: &mut errors,
        };
        let file: TemplateFile = match toml::from_str(&src.text) {
            Ok(f) => f,
            Err(e) => {
                cx.errors.push(toml_error(src, e));
                continue;
            }
        };
        let _ = file.description;
        let mut cols = Vec::new();
        for (i, c) in file.columns.iter().enumerate() {
            match column_input(c.get_ref()) {
                Ok(mut ci) => {
                    ci.sort_order = (i as i64 + 1) * 10;
                    cols.push(ci);
                }
                Err(e) => cx.err(c.span(), "columns", e.to_string()),
            }
        }
        tpls.insert(file.name, cols);
    }

    let mut sites: Vec<(SiteInput, Source)> = Vec::new();
    let mut codes: HashMap<String, String> = HashMap::new();
    let mut hosts: HashMap<String, String> = HashMap::new();
    let mut parents: Vec<(usize, Spanned<String>)> = Vec::new();
    for src in tenants {
        let mut cx = Ctx {
            src,
            errors: &mut errors,
        };
        let before = cx.errors.len();
        let f: TenantFile = match toml::from_str(&src.text) {
            Ok(f) => f,
            Err(e) => {
                cx.errors.push(toml_error(src, e));
                continue;
            }
        };
        let code = match SiteCode::parse(f.code.get_ref()) {
            Ok(c) => c,
            Err(e) => {
                cx.err(f.code.span(), "code", e.to_string());
                continue;
            }
        };
        let here = format!("{}:{}", src.path, line_of(&src.text, f.code.span().start));
        if let Some(other) = codes.insert(code.to_string(), here) {
            cx.err(
                f.code.span(),
                "code",
                format!("网站标识码 {code} 重复：已在 {other} 声明"),
            );
        }
        let kind = SiteKind::parse(f.kind.get_ref())
            .map_err(|e| cx.err(f.kind.span(), "kind", e.to_string()))
            .ok();
        let region = f.region.get_ref().clone();
        if region.len() != 6 || !region.bytes().all(|b| b.is_ascii_digit()) {
            cx.err(
                f.region.span(),
                "region",
                format!("行政区划代码“{region}”应为 6 位数字"),
            );
        } else if code.region() != region {
            cx.err(
                f.region.span(),
                "region",
                format!("行政区划代码 {region} 与网站标识码 {code} 的前 6 位不一致"),
            );
        }
        let status = match &f.status {
            None => Some(SiteStatus::Active),
            Some(s) => SiteStatus::parse(s.get_ref())
                .map_err(|e| cx.err(s.span(), "status", e.to_string()))
                .ok(),
        };
        let theme = match &f.theme {
            None => "default".to_string(),
            Some(t) => {
                let ok = !t.get_ref().is_empty()
                    && t.get_ref()
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
                if !ok {
                    cx.err(t.span(), "theme", "主题名只能用小写字母、数字和连字符");
                }
                t.get_ref().clone()
            }
        };
        let index_pattern = match &f.index_pattern {
            None => DEFAULT_PATTERN.to_string(),
            Some(p) => {
                if let Err(e) = IndexPattern::parse(p.get_ref()) {
                    cx.err(p.span(), "index_pattern", e.to_string());
                }
                p.get_ref().clone()
            }
        };
        let mut site_hosts = Vec::new();
        for h in &f.hosts {
            match Host::parse(h.get_ref()) {
                Ok(host)
                    if host.as_str().ends_with(".localhost") || host.as_str() == "localhost" =>
                {
                    cx.err(
                        h.span(),
                        "hosts",
                        format!(
                            "{host} 是保留的开发主机名：每个网站自动拥有 <网站标识码>.localhost"
                        ),
                    )
                }
                Ok(host) => {
                    let here = format!("{}:{}", src.path, line_of(&src.text, h.span().start));
                    if let Some(other) = hosts.insert(host.to_string(), here) {
                        cx.err(
                            h.span(),
                            "hosts",
                            format!("主机名 {host} 重复：已在 {other} 使用"),
                        );
                    }
                    site_hosts.push(host);
                }
                Err(e) => cx.err(h.span(), "hosts", e.to_string()),
            }
        }
        if f.name.trim().is_empty() {
            cx.err(f.code.span(), "name", "网站名称不能为空");
        }
        let mut tls = TlsFiles::default();
        if let Some(t) = &f.tls {
            let files = t.get_ref();
            if files.cert.trim().is_empty() || files.key.trim().is_empty() {
                cx.err(
                    t.span(),
                    "tls",
                    "须同时给出证书文件 cert 和私钥文件 key（PEM 格式）",
                );
            } else if files.cert.contains("..") || files.key.contains("..") {
                cx.err(t.span(), "tls", "证书文件路径不能包含“..”");
            } else {
                tls = TlsFiles {
                    cert: files.cert.trim().to_string(),
                    key: files.key.trim().to_string(),
                };
            }
        }
        let mut letter_settings = letters::LetterSettings::default();
        if let Some(l) = &f.letters {
            let spec = l.get_ref();
            let kinds = match &spec.kinds {
                None => Ok(letters::LetterKind::ALL.to_vec()),
                Some(k) => k
                    .iter()
                    .map(|k| letters::LetterKind::parse(k.trim()))
                    .collect(),
            };
            match kinds.and_then(|k| letters::LetterSettings::new(&k, &spec.leaders)) {
                Ok(settings) => letter_settings = settings,
                Err(e) => cx.err(l.span(), "letters", e.to_string()),
            }
        }
        if f.footer.organiser.trim().is_empty() {
            cx.err(
                f.code.span(),
                "footer.organiser",
                "主办单位不能为空（国家规定网站页脚须标明主办单位）",
            );
        }
        let Some(template) = tpls.get(f.template.get_ref()) else {
            let known: Vec<&str> = tpls.keys().map(String::as_str).collect();
            cx.err(
                f.template.span(),
                "template",
                format!(
                    "不存在的栏目模板“{}”：可用模板 {}",
                    f.template.get_ref(),
                    known.join("、")
                ),
            );
            continue;
        };
        // Template columns, minus exclusions, then the site's own columns (same path overrides).
        let mut cols: BTreeMap<String, ColumnInput> = BTreeMap::new();
        let mut order: Vec<String> = Vec::new();
        let excluded: HashSet<&str> = f
            .exclude
            .iter()
            .map(|e| e.get_ref().trim_matches('/'))
            .collect();
        for ex in &f.exclude {
            match template
                .iter()
                .find(|c| c.path.as_str() == ex.get_ref().trim_matches('/'))
            {
                None => cx.err(
                    ex.span(),
                    "exclude",
                    format!("模板中没有栏目 {}", ex.get_ref()),
                ),
                Some(c) if c.mandatory => cx.err(
                    ex.span(),
                    "exclude",
                    format!("栏目 {}（{}）是必设栏目，不能去掉", c.path, c.name),
                ),
                Some(_) => {}
            }
        }
        for c in template {
            if excluded
                .iter()
                .any(|e| c.path.as_str() == *e || c.path.as_str().starts_with(&format!("{e}/")))
            {
                continue;
            }
            order.push(c.path.to_string());
            cols.insert(c.path.to_string(), c.clone());
        }
        let mut next_order = 10_000;
        for c in &f.columns {
            match column_input(c.get_ref()) {
                Ok(mut ci) => {
                    if let Some(t) = cols.get(ci.path.as_str()) {
                        ci.sort_order = t.sort_order;
                        ci.mandatory |= t.mandatory;
                        ci.needs_signoff |= t.needs_signoff;
                    } else {
                        next_order += 10;
                        ci.sort_order = next_order;
                        order.push(ci.path.to_string());
                    }
                    if let Some(u) = &ci.unit
                        && !f.units.contains(u)
                    {
                        cx.err(
                            c.span(),
                            "columns.unit",
                            format!("保障单位“{u}”不在本网站的 units 列表中"),
                        );
                    }
                    cols.insert(ci.path.to_string(), ci);
                }
                Err(e) => cx.err(c.span(), "columns", e.to_string()),
            }
        }
        let mut columns: Vec<ColumnInput> = order.iter().filter_map(|p| cols.remove(p)).collect();
        columns.sort_by_key(|c| c.path.depth());
        let paths: HashSet<String> = columns.iter().map(|c| c.path.to_string()).collect();
        for c in &columns {
            if let Some(parent) = c.path.parent()
                && !paths.contains(parent.as_str())
            {
                cx.err(
                    f.template.span(),
                    "columns",
                    format!("栏目 {} 的上级栏目 {} 不存在", c.path, parent),
                );
            }
        }
        if cx.errors.len() > before {
            continue;
        }
        let Some(kind) = kind else { continue };
        let Some(status) = status else { continue };
        if let Some(p) = &f.parent {
            parents.push((sites.len(), p.clone()));
        }
        sites.push((
            SiteInput {
                code,
                name: f.name.trim().to_string(),
                kind,
                parent: None,
                region_code: region,
                status,
                theme,
                index_pattern,
                footer: f.footer,
                tls,
                hosts: site_hosts,
                units: f.units,
                letters: letter_settings,
                columns,
            },
            src.clone(),
        ));
    }

    let known: HashSet<String> = sites.iter().map(|(s, _)| s.code.to_string()).collect();
    for (i, p) in parents {
        let src = sites[i].1.clone();
        let mut cx = Ctx {
            src: &src,
            errors: &mut errors,
        };
        match SiteCode::parse(p.get_ref()) {
            Ok(code) if known.contains(code.as_str()) && code != sites[i].0.code => {
                sites[i].0.parent = Some(code)
            }
            Ok(code) => cx.err(
                p.span(),
                "parent",
                format!("上级网站 {code} 没有对应的声明文件"),
            ),
            Err(e) => cx.err(p.span(), "parent", e.to_string()),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // Parents before children.
    let mut out: Vec<SiteInput> = Vec::with_capacity(sites.len());
    let mut placed: HashSet<String> = HashSet::new();
    let mut rest: Vec<SiteInput> = sites.into_iter().map(|(s, _)| s).collect();
    while !rest.is_empty() {
        let before = rest.len();
        let (ready, wait): (Vec<_>, Vec<_>) = rest.into_iter().partition(|s| {
            s.parent
                .as_ref()
                .is_none_or(|p| placed.contains(p.as_str()))
        });
        for s in ready {
            placed.insert(s.code.to_string());
            out.push(s);
        }
        rest = wait;
        if rest.len() == before {
            return Err(rest
                .iter()
                .map(|s| SpecError {
                    path: format!("{}.toml", s.code),
                    line: 1,
                    field: "parent".into(),
                    message: "上级网站关系形成了循环".into(),
                })
                .collect());
        }
    }
    Ok(out)
}

fn read_toml_files(dir: &Path, base: &Path) -> Result<Vec<Source>, Vec<SpecError>> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        vec![SpecError {
            path: dir.display().to_string(),
            line: 0,
            field: "-".into(),
            message: format!("无法读取目录：{e}"),
        }]
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let shown = base
                .join(p.file_name().unwrap_or_default())
                .display()
                .to_string();
            std::fs::read_to_string(&p)
                .map(|text| Source {
                    path: shown.clone(),
                    text,
                })
                .map_err(|e| {
                    vec![SpecError {
                        path: shown,
                        line: 0,
                        field: "-".into(),
                        message: format!("无法读取文件（须为 UTF-8 文本）：{e}"),
                    }]
                })
        })
        .collect()
}

/// Reads `dir/*.toml` (one site each) and `dir/templates/*.toml`. Paths in errors are shown as
/// `dir/<file>`.
pub fn load_dir(dir: &Path) -> Result<Vec<SiteInput>, Vec<SpecError>> {
    let tdir = dir.join("templates");
    let templates = if tdir.is_dir() {
        read_toml_files(&tdir, &tdir)?
    } else {
        builtin_templates()
    };
    let tenants = read_toml_files(dir, dir)?;
    parse_sources(&templates, &tenants)
}
