//! Themes: minijinja templates and static assets, embedded at build time from `themes/` and
//! optionally overridden by a folder on disk.
//!
//! Template lookup for a site is a chain: `_sites/<site code>/<name>` (the site's own overrides),
//! then `<theme>/templates/<name>`, then `default/templates/<name>`. One minijinja environment
//! exists per chain and is built on first use; each compiles its templates once.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use minijinja::Environment;
use minijinja::value::Serde;
use serde::Serialize;
use zhanqun_core::Error;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/themes.rs"));
}

/// A static asset ready to serve: bytes, type and ETag computed once, at load.
#[derive(Clone)]
pub struct Asset {
    pub bytes: axum::body::Bytes,
    pub content_type: &'static str,
    pub etag: Arc<str>,
}

pub struct Themes {
    files: Arc<HashMap<String, Arc<[u8]>>>,
    assets: HashMap<String, Asset>,
    themes: HashSet<String>,
    overridden_sites: HashSet<String>,
    fuel: u64,
    envs: Mutex<HashMap<String, Arc<Environment<'static>>>>,
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn read_dir_into(
    root: &Path,
    dir: &Path,
    out: &mut HashMap<String, Arc<[u8]>>,
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            read_dir_into(root, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            out.insert(rel, Arc::from(std::fs::read(&path)?));
        }
    }
    Ok(())
}

/// Like minijinja's default, but strings are escaped for HTML with the five characters that
/// matter (`& < > " '`): URLs stay readable (`/art/1.html`, not `&#x2f;art&#x2f;1.html`); and
/// a value that is none prints nothing, as an undefined one does (minijinja prints `none`, which
/// no visitor should read: a search box once showed it).
fn html_formatter(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &minijinja::Value,
) -> Result<(), minijinja::Error> {
    if value.is_none() {
        return Ok(());
    }
    if matches!(state.auto_escape(), minijinja::AutoEscape::Html)
        && !value.is_safe()
        && let Some(s) = value.as_str()
    {
        let mut last = 0;
        for (i, b) in s.bytes().enumerate() {
            let rep = match b {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                b'\'' => "&#39;",
                _ => continue,
            };
            out.write_str(&s[last..i]).map_err(|e| {
                minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string())
            })?;
            out.write_str(rep).map_err(|e| {
                minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string())
            })?;
            last = i + 1;
        }
        return out
            .write_str(&s[last..])
            .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()));
    }
    minijinja::escape_formatter(out, state, value)
}

impl Themes {
    /// The embedded themes, with files from `dir` (if given) taking precedence.
    pub fn load(dir: Option<&Path>, fuel: u64) -> Result<Themes, Error> {
        let mut files: HashMap<String, Arc<[u8]>> = embedded::FILES
            .iter()
            .map(|(p, b)| (p.to_string(), Arc::from(*b)))
            .collect();
        if let Some(dir) = dir {
            read_dir_into(dir, dir, &mut files)
                .map_err(|e| Error::invalid(format!("无法读取主题目录 {}：{e}", dir.display())))?;
        }
        let mut themes = HashSet::new();
        let mut overridden_sites = HashSet::new();
        for p in files.keys() {
            let mut parts = p.split('/');
            match (parts.next(), parts.next()) {
                (Some("_sites"), Some(code)) => {
                    overridden_sites.insert(code.to_string());
                }
                (Some(theme), Some("templates")) => {
                    themes.insert(theme.to_string());
                }
                _ => {}
            }
        }
        if !themes.contains("default") {
            return Err(Error::invalid("主题目录中缺少 default 主题"));
        }
        let assets = files
            .iter()
            .filter(|(p, _)| p.split('/').nth(1) == Some("static"))
            .map(|(p, b)| {
                use std::hash::{Hash, Hasher};
                let mut h = std::collections::hash_map::DefaultHasher::new();
                b.hash(&mut h);
                let asset = Asset {
                    bytes: axum::body::Bytes::copy_from_slice(b),
                    content_type: content_type(p),
                    etag: Arc::from(format!("\"{:016x}\"", h.finish())),
                };
                (p.clone(), asset)
            })
            .collect();
        Ok(Themes {
            files: Arc::new(files),
            assets,
            themes,
            overridden_sites,
            fuel,
            envs: Mutex::new(HashMap::new()),
        })
    }

    fn env_for(&self, theme: &str, site_code: &str) -> Result<Arc<Environment<'static>>, Error> {
        let theme = if self.themes.contains(theme) {
            theme
        } else {
            "default"
        };
        let site = self
            .overridden_sites
            .contains(site_code)
            .then_some(site_code);
        let key = match site {
            Some(code) => format!("{theme}+{code}"),
            None => theme.to_string(),
        };
        let mut envs = self
            .envs
            .lock()
            .map_err(|_| Error::internal("theme lock poisoned"))?;
        if let Some(env) = envs.get(&key) {
            return Ok(env.clone());
        }
        let mut chain = Vec::new();
        if let Some(code) = site {
            chain.push(format!("_sites/{code}/"));
        }
        chain.push(format!("{theme}/templates/"));
        if theme != "default" {
            chain.push("default/templates/".to_string());
        }
        let files = self.files.clone();
        let mut env = Environment::new();
        env.set_fuel(Some(self.fuel));
        env.set_formatter(html_formatter);
        env.set_loader(move |name: &str| {
            // `@<theme>/<name>` names one theme's template directly, so that an override can
            // extend the template it replaces: `{% extends "@default/home.html" %}`.
            if let Some((theme, rest)) = name.strip_prefix('@').and_then(|n| n.split_once('/')) {
                return match files.get(&format!("{theme}/templates/{rest}")) {
                    Some(bytes) => String::from_utf8(bytes.to_vec()).map(Some).map_err(|e| {
                        minijinja::Error::new(
                            minijinja::ErrorKind::InvalidOperation,
                            format!("template {name} is not UTF-8: {e}"),
                        )
                    }),
                    None => Ok(None),
                };
            }
            for prefix in &chain {
                if let Some(bytes) = files.get(&format!("{prefix}{name}")) {
                    let text = String::from_utf8(bytes.to_vec()).map_err(|e| {
                        minijinja::Error::new(
                            minijinja::ErrorKind::InvalidOperation,
                            format!("template {name} is not UTF-8: {e}"),
                        )
                    })?;
                    return Ok(Some(text));
                }
            }
            Ok(None)
        });
        let env = Arc::new(env);
        envs.insert(key, env.clone());
        Ok(env)
    }

    /// Renders `template` for a site (its theme, its overrides) with `ctx`.
    pub fn render(
        &self,
        theme: &str,
        site_code: &str,
        template: &str,
        ctx: &impl Serialize,
    ) -> Result<String, Error> {
        let env = self.env_for(theme, site_code)?;
        let tmpl = env
            .get_template(template)
            .map_err(|e| Error::internal(format!("template {template}: {e:#}")))?;
        tmpl.render(Serde(ctx))
            .map_err(|e| Error::internal(format!("render {template} ({theme}/{site_code}): {e:#}")))
    }

    /// A static file of a theme (falling back to the default theme).
    pub fn asset(&self, theme: &str, file: &str) -> Option<Asset> {
        self.assets
            .get(&format!("{theme}/static/{file}"))
            .or_else(|| self.assets.get(&format!("default/static/{file}")))
            .cloned()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::html_formatter;

    fn render(template: &str, ctx: serde_json::Value) -> String {
        let mut env = minijinja::Environment::new();
        env.set_formatter(html_formatter);
        env.add_template("t.html", template).unwrap();
        env.get_template("t.html")
            .unwrap()
            .render(minijinja::value::Serde(&ctx))
            .unwrap()
    }

    #[test]
    fn none_prints_nothing_and_strings_are_escaped() {
        let ctx = serde_json::json!({ "q": null, "s": "<a href='/x'>&</a>", "n": 3 });
        assert_eq!(
            render("[{{ q }}][{{ missing }}][{{ n }}]", ctx.clone()),
            "[][][3]"
        );
        assert_eq!(
            render("{{ s }}", ctx),
            "&lt;a href=&#39;/x&#39;&gt;&amp;&lt;/a&gt;"
        );
    }
}
