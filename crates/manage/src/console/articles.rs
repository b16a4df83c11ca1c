//! Writing and handling one article: the editor (new and edit), the article page with the
//! workflow buttons of `zhanqun_core::workflow`, scheduling, home-page slot and pinning, and
//! revision diffs.

use super::*;

// ---- editor -------------------------------------------------------------------------------

/// The editor form as posted (all text: the browser sends strings).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
struct ArticleForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    subtitle: Option<String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    author: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    cover_url: Option<String>,
    /// For an interpretation (政策解读): the policy's article number.
    #[serde(default)]
    interprets: Option<String>,
    #[serde(default)]
    body_html: String,
    #[serde(default)]
    is_disclosure: Option<String>,
    #[serde(default)]
    doc_number: Option<String>,
    #[serde(default)]
    issuing_organ: Option<String>,
    #[serde(default)]
    topic: Option<String>,
    #[serde(default)]
    written_date: Option<String>,
    #[serde(default)]
    validity: Option<String>,
}

impl ArticleForm {
    fn to_input(&self) -> Result<zhanqun_store::ArticleInput, Error> {
        let f = self.clone();
        let written_date =
            match f.written_date.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(d) => Some(NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                    Error::invalid(format!("成文日期“{d}”不是有效日期（年-月-日）"))
                })?),
            };
        let interprets = match f.interprets.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(n) => Some(n.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                Error::invalid(format!("所解读的政策文件编号“{n}”不是有效的编号"))
            })?),
        };
        let disclosure = f.is_disclosure.is_some().then_some(DisclosureBody {
            doc_number: f.doc_number,
            written_date,
            issuing_organ: f.issuing_organ,
            validity: f.validity,
            topic: f.topic,
        });
        ArticleBody {
            title: f.title,
            subtitle: f.subtitle,
            summary: f.summary,
            author: f.author,
            source: f.source,
            source_url: None,
            cover_url: f.cover_url,
            body_html: f.body_html,
            disclosure,
            interprets,
            service: None,
            dataset: None,
        }
        .into_input()
    }

    fn from_article(a: &zhanqun_core::Article) -> ArticleForm {
        let d = a.disclosure.clone().unwrap_or_default();
        ArticleForm {
            title: a.title.clone(),
            subtitle: a.subtitle.clone(),
            summary: a.summary.clone(),
            author: a.author.clone(),
            source: a.source.clone(),
            cover_url: a.cover_url.clone(),
            interprets: a.interprets.map(|p| p.0.to_string()),
            body_html: a.body_html.clone(),
            is_disclosure: a.disclosure.is_some().then(|| "1".into()),
            doc_number: d.doc_number,
            issuing_organ: d.issuing_organ,
            topic: d.topic,
            written_date: d.written_date.map(|w| w.to_string()),
            validity: d.validity.map(|v| v.as_str().to_string()),
        }
    }
}

/// The editor page; with `error`, the form comes back as it was posted (nothing is lost).
fn editor(
    a: &Authed,
    column: &zhanqun_core::Column,
    article_id: Option<i64>,
    f: &ArticleForm,
    error: Option<String>,
) -> Response {
    let action = match article_id {
        Some(id) => format!("/articles/{id}/edit"),
        None => format!("/columns/{}/new", column.id.0),
    };
    let validities: Vec<(&str, &str)> = Validity::ALL
        .iter()
        .map(|v| (v.as_str(), v.label()))
        .collect();
    let failed = error.is_some();
    let ctx = json!({ "column": column, "action": action, "article_id": article_id, "f": f, "validities": validities, "error": error });
    let res = render("editor.html", page(Some(a), "sites", "编辑信息", ctx));
    if failed {
        with_status(res, StatusCode::BAD_REQUEST)
    } else {
        res
    }
}

async fn new_page(State(app): State<Arc<App>>, a: Authed, Path(id): Path<ColumnId>) -> PageResult {
    let (column, can_edit) = column_of(&app, &a, id).await?;
    if !can_edit {
        return Err(PageError(Error::forbidden("您没有在该栏目“编辑”的权限")));
    }
    Ok(editor(&a, &column, None, &ArticleForm::default(), None))
}

async fn new_submit(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<ColumnId>,
    Form(f): Form<ArticleForm>,
) -> PageResult {
    let (column, _) = column_of(&app, &a, id).await?;
    let res = match f.to_input() {
        Ok(input) => app.store().create_draft(&a.actor, id, input).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(article) => Ok(Redirect::to(&format!("/articles/{}", article.0)).into_response()),
        Err(e @ (Error::InvalidInput(_) | Error::Conflict(_))) => {
            Ok(editor(&a, &column, None, &f, Some(e.public_message())))
        }
        Err(e) => Err(e.into()),
    }
}

async fn edit_page(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<ArticleId>,
) -> PageResult {
    let (article, _, col) = app.store().editorial_article(&a.actor, id).await?;
    let (column, can_edit) = column_of(&app, &a, col).await?;
    if !can_edit {
        return Err(PageError(Error::forbidden("您没有在该栏目“编辑”的权限")));
    }
    if article.status != ArticleStatus::Draft {
        return Err(PageError(Error::conflict(
            "只有草稿可以修改：该信息已提交审核或已发布",
        )));
    }
    let form = ArticleForm::from_article(&article);
    Ok(editor(&a, &column, Some(id.0), &form, None))
}

async fn edit_submit(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<ArticleId>,
    Form(f): Form<ArticleForm>,
) -> PageResult {
    let (_, _, col) = app.store().editorial_article(&a.actor, id).await?;
    let (column, _) = column_of(&app, &a, col).await?;
    let res = match f.to_input() {
        Ok(input) => app.store().edit_draft(&a.actor, id, input).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(Redirect::to(&format!("/articles/{id}")).into_response()),
        Err(e @ (Error::InvalidInput(_) | Error::Conflict(_))) => Ok(editor(
            &a,
            &column,
            Some(id.0),
            &f,
            Some(e.public_message()),
        )),
        Err(e) => Err(e.into()),
    }
}

// ---- article view and workflow --------------------------------------------------------------

async fn article_page(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<ArticleId>,
) -> PageResult {
    let (article, workflow, col) = app.store().editorial_article(&a.actor, id).await?;
    let (site, anc, _) = app
        .store()
        .column_ancestry(col)
        .await?
        .ok_or_else(|| Error::not_found("栏目不存在"))?;
    let (column, _) = column_of(&app, &a, col).await?;
    let events = app.store().article_events(&a.actor, id).await?;
    let revisions = app.store().revisions(&a.actor, id).await?;
    let p = &a.actor.principal;
    use ArticleStatus as S;
    use zhanqun_core::workflow::{Hands, Step, may_take};
    let st = article.status;
    let hands = Hands {
        created_by: workflow.created_by,
        submitted_by: workflow.submitted_by,
        reviewed_by: workflow.reviewed_by,
    };
    let may = |step: Step| may_take(step, st, &hands, p.id(), |act| p.may(act, site, &anc));
    let can = json!({
        "edit": st == S::Draft && p.may(Act::Edit, site, &anc),
        "review": may(Step::Approve),
        "sign": may(Step::Sign),
        "reject": may(Step::Reject),
        "withdraw": may(Step::Withdraw),
        "pin": st == S::Published && p.may(Act::Pin, site, &anc),
        "submit_to": st == S::Published && p.may(Act::Edit, site, &anc),
    });
    // 信息报送: the parent portals first (upward), then every other site (sideways).
    let all_sites = app.sites().await?;
    let mut submit_targets = Vec::new();
    let mut up = all_sites
        .iter()
        .find(|s| s.id == site)
        .and_then(|s| s.parent_id);
    while let Some(parent) = up {
        let Some(s) = all_sites.iter().find(|s| s.id == parent) else {
            break;
        };
        submit_targets.push(json!({ "id": s.id.0, "name": s.name, "up": true }));
        up = s.parent_id;
        if submit_targets.len() > 8 {
            break;
        }
    }
    for s in all_sites.iter() {
        if s.id != site && !submit_targets.iter().any(|t| t["id"] == s.id.0) {
            submit_targets.push(json!({ "id": s.id.0, "name": s.name, "up": false }));
        }
    }
    let pinned = app.store().is_pinned(id, site).await?;
    let headline = app.store().in_home_slot(id, site).await?;
    let host = app
        .store()
        .site(article.site_id)
        .await?
        .and_then(|s| s.hosts.first().cloned())
        .unwrap_or_default();
    let public_url = format!(
        "{}://{host}/art/{}.html",
        app.config().public_scheme,
        article.id.0
    );
    let title = article.title.clone();
    let service = app.store().service_guide(id).await?.map(|g| {
        let gaps = zhanqun_core::service::missing(&title, &g, app.store().service_elements());
        json!({ "missing": gaps.iter().map(|e| e.label()).collect::<Vec<_>>() })
    });
    let dataset = app
        .store()
        .dataset(id)
        .await?
        .map(|m| json!({ "missing": m.publishable().err().map(|e| e.public_message()) }));
    let ctx = json!({ "service": service, "dataset": dataset, "a": &article, "w": &workflow, "column": &column, "events": events, "revisions": revisions, "can": can, "pinned": pinned, "headline": headline, "public_url": public_url, "submit_targets": submit_targets });
    Ok(render("article.html", page(Some(&a), "work", &title, ctx)))
}

#[derive(Deserialize)]
struct TransitionForm {
    action: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    secrecy_confirmed: Option<String>,
    #[serde(default)]
    publish_at: String,
}

/// A `datetime-local` value (China Standard Time) → UTC.
fn parse_local(s: &str) -> Result<Option<DateTime<Utc>>, Error> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    zhanqun_core::beijing::from_local_minute(s)
        .map(Some)
        .ok_or_else(|| Error::invalid(format!("发布时间“{s}”格式不正确")))
}

async fn transition_submit(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<ArticleId>,
    Form(f): Form<TransitionForm>,
) -> PageResult {
    let publish_at = parse_local(&f.publish_at)?;
    let step = match f.action.as_str() {
        "submit" => Transition::Submit {
            secrecy_confirmed: f.secrecy_confirmed.is_some(),
        },
        "approve" => Transition::Approve {
            publish_at,
            unpublish_at: None,
        },
        "sign" => Transition::Sign {
            publish_at,
            unpublish_at: None,
        },
        "reject" => Transition::Reject { reason: f.reason },
        "withdraw" => Transition::Withdraw { reason: f.reason },
        other => return Err(PageError(Error::invalid(format!("未知的操作“{other}”")))),
    };
    let was = app.store().article(id).await?.map(|x| x.status);
    app.store().transition(&a.actor, id, step).await?;
    let now = app.store().article(id).await?.map(|x| x.status);
    if now == Some(zhanqun_core::ArticleStatus::Published) && was != now {
        app.metrics()
            .publishes
            .with_label_values(&["workflow"])
            .inc();
    }
    Ok(Redirect::to(&format!("/articles/{id}")).into_response())
}

#[derive(Deserialize)]
struct PinForm {
    #[serde(default)]
    pinned: String,
}

async fn home_slot_submit(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<ArticleId>,
    Form(f): Form<PinForm>,
) -> PageResult {
    app.store()
        .set_home_slot(&a.actor, id, f.pinned == "1")
        .await?;
    Ok(Redirect::to(&format!("/articles/{id}")).into_response())
}

async fn pin_submit(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<ArticleId>,
    Form(f): Form<PinForm>,
) -> PageResult {
    app.store().pin(&a.actor, id, f.pinned == "1").await?;
    Ok(Redirect::to(&format!("/articles/{id}")).into_response())
}

#[derive(Deserialize)]
struct DiffQuery {
    from: i64,
    to: i64,
}

async fn diff_page(
    State(app): State<Arc<App>>,
    a: Authed,
    Path(id): Path<ArticleId>,
    Query(q): Query<DiffQuery>,
) -> PageResult {
    let revs = app.store().revisions(&a.actor, id).await?;
    let text = revision_diff(&revs, q.from, q.to)?;
    let lines: Vec<(&str, &str)> = text
        .lines()
        .map(|l| {
            let class = if l.starts_with("@@") {
                "hunk"
            } else if l.starts_with('+') {
                "add"
            } else if l.starts_with('-') {
                "del"
            } else {
                ""
            };
            (class, l)
        })
        .collect();
    let title = revs.first().map(|r| r.title.clone()).unwrap_or_default();
    Ok(render(
        "diff.html",
        page(
            Some(&a),
            "work",
            "版本比较",
            json!({ "id": id, "lines": lines, "title": title }),
        ),
    ))
}

/// The routes of this file, each with its declared access.
pub(super) fn routes(r: Routes) -> Routes {
    use Access::*;
    r.get("/columns/{id}/new", Session, "新建信息", new_page)
        .post("/columns/{id}/new", Session, "保存新信息", new_submit)
        .get("/articles/{id}", Session, "信息详情", article_page)
        .get("/articles/{id}/edit", Session, "修改草稿", edit_page)
        .post("/articles/{id}/edit", Session, "保存草稿", edit_submit)
        .post(
            "/articles/{id}/transition",
            Session,
            "流程操作",
            transition_submit,
        )
        .post(
            "/articles/{id}/home-slot",
            Session,
            "设为或撤下首页头条",
            home_slot_submit,
        )
        .post("/articles/{id}/pin", Session, "置顶或取消置顶", pin_submit)
        .get("/articles/{id}/diff", Session, "版本比较", diff_page)
}
