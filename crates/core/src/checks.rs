//! The national check indicators (国办秘函〔2019〕19号, 检查指标) of one site, as pure
//! functions of its columns' activity and a clock: the home page not updated for two weeks
//! (veto), columns not updated within their category's limit, five or more overdue columns
//! (veto), blank columns (five or more: veto), and reprints past their deadline.

use chrono::{DateTime, Duration, Months, Utc};
use serde::Serialize;

use crate::service::{Element, ServiceStanding};
use crate::{Column, ColumnId, ColumnKind, UpdateCategory};

/// The limits; the defaults are the national ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// The home page must change within this many days (veto).
    pub home_days: i64,
    /// 动态要闻类 columns: days.
    pub news_days: i64,
    /// 通知公告、政策文件类 columns: months.
    pub notice_months: u32,
    /// 人事、规划计划类 columns: months.
    pub personnel_months: u32,
    /// This many overdue columns fail the site (veto).
    pub overdue_veto: usize,
    /// This many blank columns fail the site (veto).
    pub blank_veto: usize,
    /// The key elements a service item's guide must have before it is published, and whose
    /// lack fails the site (服务不实用). Default: the national check's ten.
    #[serde(default = "national_elements")]
    pub service_elements: Vec<Element>,
}

fn national_elements() -> Vec<Element> {
    Element::NATIONAL.to_vec()
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            home_days: 14,
            news_days: 14,
            notice_months: 6,
            personnel_months: 12,
            overdue_veto: 5,
            blank_veto: 5,
            service_elements: national_elements(),
        }
    }
}

/// What a column holds: its newest update and how many articles it shows (its whole subtree).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Activity {
    pub last_update: Option<DateTime<Utc>>,
    pub articles: i64,
}

/// Which indicator a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    HomeNotUpdated,
    ColumnNotUpdated,
    TooManyOverdue,
    BlankColumn,
    TooManyBlank,
    ReprintLate,
    /// 互动回应差: a letter left unanswered for more than three months within the past year.
    InteractionPoor,
    /// 服务不实用: no service item where one is expected, a guide lacking a key element, or a
    /// form that cannot be downloaded.
    ServiceUseless,
}

/// One failed indicator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub indicator: Indicator,
    /// A veto indicator fails the whole site (单项否决).
    pub veto: bool,
    pub column_id: Option<ColumnId>,
    pub column: Option<String>,
    pub last_update: Option<DateTime<Utc>>,
    /// Since when the indicator has failed.
    pub since: Option<DateTime<Utc>>,
    /// What is wrong, in Chinese.
    pub message: String,
}

impl Finding {
    /// A finding about the whole site, on no column.
    fn site(indicator: Indicator, veto: bool, message: String) -> Finding {
        Finding {
            indicator,
            veto,
            column_id: None,
            column: None,
            last_update: None,
            since: None,
            message,
        }
    }

    /// A finding about column `c` (never a veto on its own), last updated at `last_update`,
    /// failing since `since`.
    fn column(
        indicator: Indicator,
        c: &Column,
        last_update: Option<DateTime<Utc>>,
        since: Option<DateTime<Utc>>,
        message: String,
    ) -> Finding {
        Finding {
            indicator,
            veto: false,
            column_id: Some(c.id),
            column: Some(c.name.clone()),
            last_update,
            since,
            message,
        }
    }
}

/// When a column of `category` last updated at `last` becomes overdue (`None`: never).
pub fn due(
    category: UpdateCategory,
    last: DateTime<Utc>,
    th: &Thresholds,
) -> Option<DateTime<Utc>> {
    match category {
        UpdateCategory::News => Some(last + Duration::days(th.news_days)),
        UpdateCategory::Notice => last.checked_add_months(Months::new(th.notice_months)),
        UpdateCategory::Personnel => last.checked_add_months(Months::new(th.personnel_months)),
        UpdateCategory::Static => None,
    }
}

/// What a site's letters from the public bring to the check: how many were left unanswered for
/// more than three months within the past year (`letter_flow::left_unanswered`), and when the
/// oldest of them arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unanswered {
    pub letters: usize,
    pub oldest: DateTime<Utc>,
}

/// What a site's interaction with the public brings to 互动回应差 (国办秘函〔2019〕19号): whether it
/// has a 咨询建言 channel at all (`LetterSettings::has_consultation_channel`), and its letters
/// left unanswered for more than three months.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interaction {
    pub channel: bool,
    pub unanswered: Option<Unanswered>,
}

impl Default for Interaction {
    fn default() -> Interaction {
        Interaction {
            channel: true,
            unanswered: None,
        }
    }
}

/// Evaluates a site's indicators at `now`. `activity(column)` is the activity of the column's
/// own placements; a column's figure is its whole subtree's. `late_reprints` is how many
/// reprints of the period missed their deadline; `interaction`, its channel and the letters that
/// fail 互动回应差;
/// `services`, its published service items (服务不实用).
pub fn evaluate(
    columns: &[Column],
    activity: &dyn Fn(ColumnId) -> Activity,
    late_reprints: usize,
    interaction: Interaction,
    services: &ServiceStanding,
    now: DateTime<Utc>,
    th: &Thresholds,
) -> Vec<Finding> {
    let subtree = |id: ColumnId| -> Activity {
        let mut acc = Activity::default();
        let mut stack = vec![id];
        while let Some(c) = stack.pop() {
            let a = activity(c);
            acc.articles += a.articles;
            acc.last_update = acc.last_update.max(a.last_update);
            stack.extend(
                columns
                    .iter()
                    .filter(|x| x.parent_id == Some(c))
                    .map(|x| x.id),
            );
        }
        acc
    };
    let mut findings = Vec::new();
    let mut home_last: Option<DateTime<Utc>> = None;
    let (mut overdue, mut blank) = (0, 0);
    for c in columns.iter().filter(|c| c.kind != ColumnKind::Link) {
        let a = subtree(c.id);
        if c.parent_id.is_none() {
            home_last = home_last.max(a.last_update);
        }
        let has_body = c.body_html.as_deref().is_some_and(|b| !b.trim().is_empty());
        if a.articles == 0 && !(c.kind == ColumnKind::Page && has_body) {
            blank += 1;
            findings.push(Finding::column(
                Indicator::BlankColumn,
                c,
                None,
                None,
                format!("栏目“{}”（{}）没有任何内容", c.name, c.path),
            ));
            continue;
        }
        if c.kind == ColumnKind::Page {
            continue;
        }
        if let Some(last) = a.last_update
            && let Some(due) = due(c.update_category, last, th)
            && now > due
        {
            overdue += 1;
            findings.push(Finding::column(
                Indicator::ColumnNotUpdated,
                c,
                Some(last),
                Some(due),
                format!(
                    "栏目“{}”（{}）自 {} 起未更新，超过{}的更新要求",
                    c.name,
                    c.path,
                    china_date(last),
                    c.update_category.label()
                ),
            ));
        }
    }
    match home_last {
        Some(last) if now - last > Duration::days(th.home_days) => findings.push(Finding {
            last_update: Some(last),
            since: Some(last + Duration::days(th.home_days)),
            ..Finding::site(
                Indicator::HomeNotUpdated,
                true,
                format!(
                    "首页自 {} 起未更新，超过 {} 天（单项否决）",
                    china_date(last),
                    th.home_days
                ),
            )
        }),
        None => findings.push(Finding::site(
            Indicator::HomeNotUpdated,
            true,
            "首页没有任何信息（单项否决）".into(),
        )),
        _ => {}
    }
    if overdue >= th.overdue_veto {
        findings.push(Finding::site(
            Indicator::TooManyOverdue,
            true,
            format!(
                "{overdue} 个栏目未按要求更新（达到 {} 个即单项否决）",
                th.overdue_veto
            ),
        ));
    }
    if blank >= th.blank_veto {
        findings.push(Finding::site(
            Indicator::TooManyBlank,
            true,
            format!("{blank} 个空白栏目（达到 {} 个即单项否决）", th.blank_veto),
        ));
    }
    if late_reprints > 0 {
        findings.push(Finding::site(
            Indicator::ReprintLate,
            false,
            format!("{late_reprints} 条上级政策转载超过时限"),
        ));
    }
    if !interaction.channel {
        findings.push(Finding::site(
            Indicator::InteractionPoor,
            true,
            "网站未提供咨询、建议等互动渠道（互动回应差，单项否决）".into(),
        ));
    }
    if let Some(u) = interaction.unanswered.filter(|u| u.letters > 0) {
        findings.push(Finding {
            since: u.oldest.checked_add_months(Months::new(3)),
            ..Finding::site(
                Indicator::InteractionPoor,
                true,
                format!(
                    "{} 件公众留言超过三个月未答复（最早的于 {} 收到；互动回应差，单项否决）",
                    u.letters,
                    china_date(u.oldest)
                ),
            )
        });
    }
    if let Some(message) = services.failure() {
        findings.push(Finding::site(Indicator::ServiceUseless, true, message));
    }
    // Vetoes first, then by how long it has failed.
    findings.sort_by(|a, b| b.veto.cmp(&a.veto).then(a.since.cmp(&b.since)));
    findings
}

fn china_date(t: DateTime<Utc>) -> String {
    crate::beijing::day_text(t)
}

/// A site's standing in the check indicators, as the province's lists show it. Ordered as the
/// lists sort: failing sites first, then sites with findings, passing sites, unchecked ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// A veto indicator failed (不合格).
    Fails,
    /// No veto, but findings (有问题).
    HasFindings,
    /// 合格.
    Passes,
    /// No check run yet.
    NotChecked,
}

impl Verdict {
    /// From a run's result for the site: whether a veto failed and how many findings there are.
    pub fn of(result: Option<(bool, usize)>) -> Verdict {
        match result {
            None => Verdict::NotChecked,
            Some((true, _)) => Verdict::Fails,
            Some((false, n)) if n > 0 => Verdict::HasFindings,
            Some(_) => Verdict::Passes,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Verdict::Fails => "不合格",
            Verdict::HasFindings => "有问题",
            Verdict::Passes => "合格",
            Verdict::NotChecked => "未检查",
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::{ColumnPath, SiteId};

    fn col(
        id: i64,
        path: &str,
        kind: ColumnKind,
        cat: UpdateCategory,
        parent: Option<i64>,
    ) -> Column {
        Column {
            id: ColumnId(id),
            site_id: SiteId(1),
            parent_id: parent.map(ColumnId),
            path: ColumnPath::parse(path).unwrap_or_else(|_| unreachable!()),
            name: path.to_string(),
            kind,
            update_category: cat,
            mandatory: true,
            sort_order: 0,
            link_url: None,
            body_html: None,
            unit_id: None,
            in_nav: parent.is_none(),
            needs_signoff: false,
        }
    }

    fn at(days_ago: i64, now: DateTime<Utc>) -> Activity {
        Activity {
            last_update: Some(now - Duration::days(days_ago)),
            articles: 3,
        }
    }

    #[test]
    fn a_news_column_is_overdue_after_two_weeks_not_before() {
        let now = DateTime::parse_from_rfc3339("2026-11-22T10:00:00+08:00")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        let cols = vec![
            col(1, "xwzx", ColumnKind::List, UpdateCategory::News, None),
            col(
                2,
                "xwzx/zwyw",
                ColumnKind::List,
                UpdateCategory::News,
                Some(1),
            ),
            col(
                3,
                "xwzx/bmdt",
                ColumnKind::List,
                UpdateCategory::News,
                Some(1),
            ),
        ];
        let th = Thresholds::default();
        let run = |a: i64, b: i64| {
            evaluate(
                &cols,
                &|c| match c.0 {
                    2 => at(a, now),
                    3 => at(b, now),
                    _ => Activity::default(),
                },
                0,
                Interaction::default(),
                &ServiceStanding::default(),
                now,
                &th,
            )
        };
        // 15 days: overdue (the parent too, whose newest update is its children's); 13: not.
        let f = run(15, 13);
        let overdue: Vec<_> = f
            .iter()
            .filter(|x| x.indicator == Indicator::ColumnNotUpdated)
            .map(|x| x.column.clone().unwrap_or_default())
            .collect();
        assert_eq!(overdue, vec!["xwzx/zwyw".to_string()]);
        assert!(
            f.iter().all(|x| !x.veto),
            "the home page changed 13 days ago"
        );
        let f = run(15, 15);
        assert!(
            f.iter()
                .any(|x| x.indicator == Indicator::HomeNotUpdated && x.veto)
        );
        assert_eq!(
            f.iter()
                .filter(|x| x.indicator == Indicator::ColumnNotUpdated)
                .count(),
            3
        );
        assert!(run(13, 13).is_empty());
    }

    #[test]
    fn notices_get_six_months_personnel_a_year_static_never() {
        let now = Utc::now();
        let th = Thresholds::default();
        let last = now - Duration::days(200);
        assert!(due(UpdateCategory::Notice, last, &th).is_some_and(|d| d < now));
        assert!(due(UpdateCategory::Personnel, last, &th).is_some_and(|d| d > now));
        assert_eq!(due(UpdateCategory::Static, last, &th), None);
        assert!(
            due(UpdateCategory::Notice, now - Duration::days(170), &th).is_some_and(|d| d > now)
        );
    }

    #[test]
    fn letters_unanswered_for_three_months_veto_the_site() {
        let now = Utc::now();
        let f = evaluate(
            &[],
            &|_| Activity::default(),
            0,
            Interaction {
                channel: true,
                unanswered: Some(Unanswered {
                    letters: 2,
                    oldest: now - Duration::days(120),
                }),
            },
            &ServiceStanding::default(),
            now,
            &Thresholds::default(),
        );
        assert!(
            f.iter().any(|x| x.indicator == Indicator::InteractionPoor
                && x.veto
                && x.message.contains("2 件公众留言超过三个月未答复")),
            "{f:?}"
        );
        let none = evaluate(
            &[],
            &|_| Activity::default(),
            0,
            Interaction::default(),
            &ServiceStanding::default(),
            now,
            &Thresholds::default(),
        );
        assert!(
            !none
                .iter()
                .any(|x| x.indicator == Indicator::InteractionPoor)
        );
    }

    #[test]
    fn a_site_without_a_consultation_channel_fails() {
        let now = Utc::now();
        let run = |channel: bool| {
            evaluate(
                &[],
                &|_| Activity::default(),
                0,
                Interaction {
                    channel,
                    unanswered: None,
                },
                &ServiceStanding::default(),
                now,
                &Thresholds::default(),
            )
        };
        let f = run(false);
        assert!(
            f.iter().any(|x| x.indicator == Indicator::InteractionPoor
                && x.veto
                && x.message.contains("未提供咨询、建议等互动渠道")),
            "{f:?}"
        );
        assert!(
            !run(true)
                .iter()
                .any(|x| x.indicator == Indicator::InteractionPoor)
        );
    }

    #[test]
    fn a_portal_without_usable_services_fails() {
        let now = Utc::now();
        let run = |s: &ServiceStanding| {
            evaluate(
                &[],
                &|_| Activity::default(),
                0,
                Interaction::default(),
                s,
                now,
                &Thresholds::default(),
            )
            .into_iter()
            .find(|x| x.indicator == Indicator::ServiceUseless)
        };
        let mut s = ServiceStanding {
            expected: true,
            ..ServiceStanding::default()
        };
        assert!(run(&s).is_some_and(|f| f.veto));
        s.items = 12;
        assert_eq!(run(&s), None);
        s.broken_links = 1;
        assert!(run(&s).is_some_and(|f| f.message.contains("1 个表格或样本无法下载")));
    }

    #[test]
    fn the_default_key_elements_read_from_config() {
        let th: Thresholds = serde_json::from_str(
            r#"{"home_days": 14, "news_days": 14, "notice_months": 6, "personnel_months": 12,
                "overdue_veto": 5, "blank_veto": 5, "service_elements": ["name", "basis"]}"#,
        )
        .unwrap();
        assert_eq!(th.service_elements, vec![Element::Name, Element::Basis]);
    }

    #[test]
    fn blank_columns_are_counted_and_five_veto() {
        let now = Utc::now();
        let th = Thresholds::default();
        let mut cols = vec![col(1, "a", ColumnKind::List, UpdateCategory::News, None)];
        for n in 0..4 {
            cols.push(col(
                10 + n,
                &format!("b{n}"),
                ColumnKind::List,
                UpdateCategory::Static,
                None,
            ));
        }
        let mut page = col(20, "p", ColumnKind::Page, UpdateCategory::Static, None);
        page.body_html = Some("<p>机构职能</p>".into());
        cols.push(page);
        cols.push(col(
            30,
            "link",
            ColumnKind::Link,
            UpdateCategory::Static,
            None,
        ));
        let act = |c: ColumnId| {
            if c.0 == 1 {
                at(1, now)
            } else {
                Activity::default()
            }
        };
        // The findings for `cols` with `late` reprints, and how many of them are blank columns.
        let check = |cols: &[Column], late: usize| {
            let f = evaluate(
                cols,
                &act,
                late,
                Interaction::default(),
                &ServiceStanding::default(),
                now,
                &th,
            );
            let blank = f
                .iter()
                .filter(|x| x.indicator == Indicator::BlankColumn)
                .count();
            (f, blank)
        };
        let (f, blank) = check(&cols, 0);
        assert_eq!(blank, 4);
        assert!(!f.iter().any(|x| x.veto), "four blank columns: no veto yet");
        cols.push(col(
            40,
            "b5",
            ColumnKind::List,
            UpdateCategory::Static,
            None,
        ));
        let (f, blank) = check(&cols, 2);
        assert_eq!(blank, 5);
        assert_eq!(f[0].indicator, Indicator::TooManyBlank, "vetoes first");
        assert!(f.iter().any(|x| x.indicator == Indicator::ReprintLate));
    }

    #[test]
    fn verdicts_sort_failing_sites_first() {
        let mut v = [
            Verdict::of(None),
            Verdict::of(Some((false, 0))),
            Verdict::of(Some((false, 3))),
            Verdict::of(Some((true, 1))),
        ];
        v.sort();
        assert_eq!(
            v.iter().map(|v| v.label()).collect::<Vec<_>>(),
            vec!["不合格", "有问题", "合格", "未检查"]
        );
    }
}
