//! Console pages of 依申请公开 for a site's office: its applications with their deadlines, one
//! application with its history and the statutory steps (受理, 告知补正, 收到补正, 延期答复, 答复
//! with the answer's type), the applicant's data opened with a button (audited), and the
//! yearly report's table 三 computed from the applications with table 四 as entered (HTML, CSV
//! and XLSX).

use std::sync::Arc;

use super::Form;
use axum::extract::State;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Value, json};
use zhanqun_core::disclosure::{
    Applicant, MAX_EXTENSION, Outcome, REVIEW_COLUMNS, RequestStep, Reviews, Standing, YearTable,
};
use zhanqun_core::{Error, SiteId};
use zhanqun_store::{InfoRequestInFull, RequestStepInput};

use super::{
    Notice, PageError, PageResult, Path, Query, csv_download, interaction_page, outcome_page,
};
use crate::auth::{Access, Authed, Routes};
use crate::service::{YearQuery, disclosure_tables, letter_office_site};
use zhanqun_web::App;

fn at(t: chrono::DateTime<chrono::Utc>) -> String {
    zhanqun_core::beijing::minute_text(t)
}

async fn list(State(app): State<Arc<App>>, a: Authed, Path(id): Path<SiteId>) -> PageResult {
    let site = letter_office_site(&app, &a.actor.principal, id).await?;
    let now = zhanqun_store::now();
    let cal = app.config().calendar();
    let rows: Vec<Value> = app
        .store()
        .site_info_requests(&a.actor, id, app.letters().keys(), &cal, now)
        .await?
        .into_iter()
        .map(|r| {
            json!({
                "id": r.id, "applicant": r.applicant.label(), "name": r.name,
                "content": r.content.chars().take(60).collect::<String>(),
                "state": r.state.label(), "received": at(r.received_at),
                "due": r.due_on.map(|d| d.to_string()),
                "standing": r.standing.map(|s| s.label()),
                "late": r.standing.is_some_and(|s| matches!(s, Standing::DueSoon | Standing::Overdue)),
            })
        })
        .collect();
    let year = zhanqun_core::beijing::year(now);
    Ok(interaction_page(
        &a,
        "disclosure_list.html",
        &format!("{} · 依申请公开", site.name),
        json!({ "site": site, "rows": rows, "year": year }),
    ))
}

async fn request_page_with(app: &App, a: &Authed, id: i64, full: bool, n: Notice) -> PageResult {
    let cal = app.config().calendar();
    let r: InfoRequestInFull = app
        .store()
        .info_request(&a.actor, id, app.letters().keys(), &cal, full)
        .await?;
    let site = app.store().site(r.site_id).await?;
    let steps: Vec<Value> = r
        .steps
        .iter()
        .map(|s| json!({ "value": s.as_str(), "label": s.label() }))
        .collect();
    let outcomes: Vec<Value> = Outcome::ALL
        .iter()
        .map(|o| json!({ "value": o.as_str(), "label": o.label() }))
        .collect();
    let events: Vec<Value> = r
        .events
        .iter()
        .map(|e| {
            let step = RequestStep::parse(&e.step).map(|s| s.label()).unwrap_or("收到申请");
            let state = zhanqun_core::disclosure::RequestState::parse(&e.state)
                .map(|s| s.label())
                .unwrap_or("");
            json!({ "at": at(e.at), "who": e.account, "step": step, "state": state, "note": e.note })
        })
        .collect();
    let view = json!({
        "r": {
            "id": r.id, "code": r.code, "applicant": r.applicant.label(),
            "organisation": r.organisation, "name": r.name, "id_number": r.id_number,
            "phone": r.phone, "email": r.email, "address": r.address, "content": r.content,
            "delivery": r.delivery.label(), "state": r.state.label(), "received": at(r.received_at),
            "clock_start": r.clock_start.to_string(), "extension": r.extension_days,
            "paused": r.paused_days,
            "due": r.due_on.map(|d| d.to_string()), "correction_by": r.correction_by.to_string(),
            "outcome": r.outcome.map(|o| o.label()), "answer_html": r.answer_html,
            "answered": r.answered_at.map(at),
        },
        "site": site, "steps": steps, "outcomes": outcomes, "events": events, "full": full,
        "max_days": MAX_EXTENSION, "flash": n.flash, "error": n.error,
    });
    Ok(interaction_page(
        a,
        "disclosure_request.html",
        "依申请公开办理",
        view,
    ))
}

async fn request_page(State(app): State<Arc<App>>, a: Authed, Path(id): Path<i64>) -> PageResult {
    request_page_with(&app, &a, id, false, Notice::default()).await
}

async fn personal(State(app): State<Arc<App>>, a: Authed, Path(id): Path<i64>) -> PageResult {
    let note = "已显示申请人的完整信息，本次查看已记入审计日志".to_string();
    request_page_with(&app, &a, id, true, Notice::done(note)).await
}

#[derive(Deserialize)]
struct StepForm {
    step: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    approver: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    answer: String,
}

impl StepForm {
    fn input(&self) -> Result<RequestStepInput, Error> {
        let on = match self.on.trim() {
            "" => None,
            d => Some(
                NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map_err(|_| Error::invalid(format!("日期“{d}”不是有效日期（年-月-日）")))?,
            ),
        };
        let days = match self.days.trim() {
            "" => 0,
            d => d
                .parse::<u32>()
                .map_err(|_| Error::invalid("延期天数应为数字"))?,
        };
        let amount = match self.amount.trim() {
            "" => 0,
            a => a
                .parse::<u32>()
                .map_err(|_| Error::invalid("信息处理费金额应为整数（元）"))?,
        };
        let outcome = match self.outcome.trim() {
            "" => None,
            o => Some(Outcome::parse(o)?),
        };
        Ok(RequestStepInput {
            step: Some(RequestStep::parse(self.step.trim())?),
            note: self.note.clone(),
            on,
            days,
            amount,
            approver: self.approver.clone(),
            outcome,
            answer: self.answer.clone(),
        })
    }
}

async fn step(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> PageResult {
    let (cal, now) = (app.config().calendar(), zhanqun_store::now());
    let res = async {
        app.store()
            .info_request_step(&a.actor, id, &f.input()?, &cal, now)
            .await
    }
    .await;
    outcome_page(
        res.map(|state| format!("已办理，申请现为“{}”", state.label())),
        |e| matches!(e, Error::InvalidInput(_) | Error::Conflict(_)),
        |n| request_page_with(&app, &a, id, false, n),
    )
    .await
}

async fn report(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<SiteId>,
    Query(q): Query<YearQuery>,
) -> PageResult {
    let year = q.year()?;
    report_with(&app, &a, id, year, Notice::default()).await
}

async fn report_with(app: &App, a: &Authed, id: SiteId, year: i32, n: Notice) -> PageResult {
    let site = letter_office_site(app, &a.actor.principal, id).await?;
    let t = app.store().info_request_year(id, year).await?;
    let reviews = app.store().info_request_reviews(id, year).await?;
    let heads: Vec<&str> = Applicant::ALL.iter().map(|a| a.label()).collect();
    let four: Vec<Value> = reviews
        .rows()
        .iter()
        .zip(["r", "d", "s"])
        .map(|((label, figures, total), key)| {
            json!({ "label": label, "key": key, "figures": figures, "total": total })
        })
        .collect();
    Ok(interaction_page(
        a,
        "disclosure_report.html",
        &format!("{} · {year}年依申请公开情况", site.name),
        json!({ "site": site, "year": year, "t": t, "heads": heads, "four": four,
                "four_heads": REVIEW_COLUMNS, "flash": n.flash, "error": n.error }),
    ))
}

/// Table 四 as the office types it: `r0`..`r3` (行政复议), `d0`..`d3` (直接起诉), `s0`..`s3`
/// (复议后起诉); an empty box is 0.
#[derive(Deserialize)]
struct ReviewsForm {
    #[serde(flatten)]
    boxes: std::collections::HashMap<String, String>,
}

impl ReviewsForm {
    fn reviews(&self) -> Result<Reviews, Error> {
        let row = |key: &str| -> Result<[i64; 4], Error> {
            let mut r = [0i64; 4];
            for (i, n) in r.iter_mut().enumerate() {
                let v = self
                    .boxes
                    .get(&format!("{key}{i}"))
                    .map(|v| v.trim())
                    .unwrap_or("");
                *n = if v.is_empty() {
                    0
                } else {
                    v.parse().map_err(|_| {
                        Error::invalid("行政复议、行政诉讼的件数应为 0 至 100000 的整数")
                    })?
                };
            }
            Ok(r)
        };
        Ok(Reviews {
            review: row("r")?,
            direct_suit: row("d")?,
            suit_after_review: row("s")?,
        })
    }
}

async fn save_reviews(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<SiteId>,
    Query(q): Query<YearQuery>,
    Form(f): Form<ReviewsForm>,
) -> PageResult {
    letter_office_site(&app, &a.actor.principal, id).await?;
    let year = q.year()?;
    let saved = match f.reviews() {
        Ok(r) => {
            app.store()
                .set_info_request_reviews(&a.actor, id, year, &r, zhanqun_store::now())
                .await
        }
        Err(e) => Err(e),
    };
    outcome_page(
        saved.map(|()| format!("已保存{year}年行政复议、行政诉讼情况")),
        |e| matches!(e, Error::InvalidInput(_)),
        |n| report_with(&app, &a, id, year, n),
    )
    .await
}

/// Tables 三 and 四 as CSV (the one CSV writer: UTF-8 with a BOM, every cell neutralised).
fn csv(t: &YearTable, reviews: &Reviews) -> Result<Vec<u8>, Error> {
    let mut out = zhanqun_report::csv::Csv::new();
    let mut head = vec!["项目".to_string()];
    head.extend(Applicant::ALL.iter().map(|a| a.label().to_string()));
    head.push("总计".into());
    out.row(head)?;
    for r in t.rows() {
        let mut cells = vec![r.label.clone()];
        cells.extend(r.by_applicant.iter().map(|n| n.to_string()));
        cells.push(r.total.to_string());
        out.row(cells)?;
    }
    out.row(["四、政府信息公开行政复议、行政诉讼情况"])?;
    let mut head = vec!["项目".to_string()];
    head.extend(REVIEW_COLUMNS.iter().map(|c| c.to_string()));
    head.push("总计".into());
    out.row(head)?;
    for (label, figures, total) in reviews.rows() {
        let mut cells = vec![label.to_string()];
        cells.extend(figures.iter().map(|n| n.to_string()));
        cells.push(total.to_string());
        out.row(cells)?;
    }
    out.finish()
}

async fn report_csv(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<SiteId>,
    Query(q): Query<YearQuery>,
) -> Result<axum::response::Response, PageError> {
    let (site, year, t, reviews) = disclosure_tables(&app, &a, id, &q).await?;
    let name = format!("{}-{year}-ysqgk.csv", site.code);
    Ok(csv_download(&name, csv(&t, &reviews)?))
}

/// Tables 三 and 四 as a spreadsheet.
async fn report_xlsx(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<SiteId>,
    Query(q): Query<YearQuery>,
) -> Result<axum::response::Response, PageError> {
    use axum::response::IntoResponse;
    let (site, year, t, reviews) = disclosure_tables(&app, &a, id, &q).await?;
    let body =
        zhanqun_report::disclosure::to_xlsx(&site.name, site.code.as_str(), year, &t, &reviews)?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}-{year}-ysqgk.xlsx\"", site.code),
            ),
        ],
        body,
    )
        .into_response())
}

pub(super) fn routes(r: Routes) -> Routes {
    use Access::Session;
    r.get("/sites/{id}/ysqgk", Session, "依申请公开", list)
        .get(
            "/sites/{id}/ysqgk/report",
            Session,
            "政府信息公开工作年度报告（依申请公开）",
            report,
        )
        .post(
            "/sites/{id}/ysqgk/reviews",
            Session,
            "填报行政复议、行政诉讼情况（年度报告表四）",
            save_reviews,
        )
        .get(
            "/sites/{id}/ysqgk/report.csv",
            Session,
            "依申请公开年度情况（CSV）",
            report_csv,
        )
        .get(
            "/sites/{id}/ysqgk/report.xlsx",
            Session,
            "依申请公开年度情况（XLSX）",
            report_xlsx,
        )
        .get("/ysqgk/{id}", Session, "依申请公开办理", request_page)
        .post(
            "/ysqgk/{id}/personal",
            Session,
            "查看申请人完整信息（记入审计日志）",
            personal,
        )
        .post("/ysqgk/{id}/step", Session, "办理依申请公开", step)
}
