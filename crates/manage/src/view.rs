//! How the console looks: its templates and static files compiled into the binary, the
//! template environment with its filters, the values every page shares, and the error page (the
//! guard of `auth` answers people with it). Nothing here knows about requests or the store.

use std::sync::LazyLock;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::DateTime;
use minijinja::Environment;
use serde_json::{Value as JsonValue, json};
use zhanqun_core::{ArticleStatus, ErrorCode, Principal};

/// Every console template, compiled in (a test checks none in the folder is left out).
macro_rules! templates {
    ($($name:literal),+ $(,)?) => {
        &[$(($name, include_str!(concat!("../console/templates/", $name)))),+]
    };
}

static TEMPLATES: &[(&str, &str)] = templates!(
    "base.html",
    "_draft_actions.html",
    "_pager.html",
    "login.html",
    "letters.html",
    "site_letters.html",
    "letter.html",
    "letter_stats.html",
    "application_stats.html",
    "faq.html",
    "surveys.html",
    "interviews.html",
    "interview.html",
    "survey_results.html",
    "totp.html",
    "enrol.html",
    "password.html",
    "work_list.html",
    "work.html",
    "review.html",
    "search.html",
    "sites.html",
    "column.html",
    "editor.html",
    "service_editor.html",
    "dataset_editor.html",
    "disclosure_list.html",
    "disclosure_request.html",
    "disclosure_report.html",
    "applications.html",
    "appointments.html",
    "service_tokens.html",
    "article.html",
    "diff.html",
    "media.html",
    "accounts.html",
    "audit.html",
    "error.html",
    "reprint.html",
    "reprint_site.html",
    "reprint_board.html",
    "submissions.html",
    "checks.html",
    "stats_overview.html",
    "stats_site.html",
    "stats_column.html",
    "stats_reports.html",
    "stats_report.html",
);

pub(crate) type Asset = (&'static str, &'static str, &'static [u8]);

pub(crate) static ASSETS: &[Asset] = &[
    (
        "console.css",
        "text/css; charset=utf-8",
        include_bytes!("../console/static/console.css"),
    ),
    (
        "editor.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../console/static/editor.js"),
    ),
    (
        "squire.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../console/static/squire.js"),
    ),
    (
        "squire.LICENSE",
        "text/plain; charset=utf-8",
        include_bytes!("../console/static/squire.LICENSE"),
    ),
];

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    for (name, src) in TEMPLATES {
        if let Err(e) = env.add_template(name, src) {
            tracing::error!(template = name, error = %e, "console template does not parse");
        }
    }
    env.add_filter("dt", |v: String| -> String {
        DateTime::parse_from_rfc3339(&v)
            .map(|t| zhanqun_core::beijing::minute_text(t.with_timezone(&chrono::Utc)))
            .unwrap_or(v)
    });
    // 1234567 → 1,234,567
    env.add_filter("num", |v: i64| -> String {
        let digits = v.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        if v < 0 { format!("-{out}") } else { out }
    });
    env.add_filter("status", |v: String| -> String {
        ArticleStatus::parse(&v)
            .map(|s| s.label().to_string())
            .unwrap_or(v)
    });
    env.add_filter("action", |v: String| -> String {
        match v.as_str() {
            "create" => "新建",
            "submit" => "送审",
            "approve" => "审核通过",
            "sign" => "签发",
            "reject" => "退回",
            "withdraw" => "撤稿",
            "article.publish_scheduled" => "定时发布",
            "article.unpublish_scheduled" => "定时下线",
            "dataset.generate" => "自动更新数据文件",
            other => other,
        }
        .to_string()
    });
    env
});

/// Renders a console page.
pub(crate) fn render(name: &str, ctx: JsonValue) -> Response {
    match ENV
        .get_template(name)
        .and_then(|t| t.render(minijinja::value::Serde(&ctx)))
    {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(template = name, error = %e, "console render failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "服务器内部错误，请稍后再试。",
            )
                .into_response()
        }
    }
}

pub(crate) fn with_status(mut res: Response, status: StatusCode) -> Response {
    *res.status_mut() = status;
    res
}

/// The common values of a page (the signed-in account and its roles, navigation, title) merged
/// with `extra`.
pub fn page_of(p: Option<&Principal>, nav: &str, title: &str, extra: JsonValue) -> JsonValue {
    let (me, role_text) = match p {
        Some(p) => {
            let role_text = match p.platform_role() {
                Some(r) => r.label().to_string(),
                None => {
                    let mut roles: Vec<&str> = p.grants.iter().map(|g| g.role.label()).collect();
                    roles.sort();
                    roles.dedup();
                    if roles.is_empty() {
                        "未授权".into()
                    } else {
                        roles.join("、")
                    }
                }
            };
            (json!(&p.account), role_text)
        }
        None => (JsonValue::Null, String::new()),
    };
    let mut v = json!({ "me": me, "role_text": role_text, "nav": nav, "title": title });
    if let (Some(o), JsonValue::Object(extra)) = (v.as_object_mut(), extra) {
        o.extend(extra);
    }
    v
}

/// A console error page (used by the guard and handlers).
pub fn error_page(code: ErrorCode, message: &str) -> Response {
    let status = zhanqun_web::status_of(code);
    with_status(
        render(
            "error.html",
            page_of(
                None,
                "",
                code.title(),
                json!({ "heading": code.title(), "message": message }),
            ),
        ),
        status,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_in_the_folder_is_compiled_in_and_parses() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("console/templates");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let mut listed: Vec<String> = TEMPLATES.iter().map(|(n, _)| n.to_string()).collect();
        listed.sort();
        assert_eq!(on_disk, listed);
        for (name, _) in TEMPLATES {
            assert!(ENV.get_template(name).is_ok(), "{name}");
        }
    }
}
