//! 依申请公开 on SQLite and PostgreSQL: an application sent on the public form (bad input
//! answered with what to fix), followed with its 查询码; the office asks for 补正 (the clock
//! stops), records the completed application (the clock restarts), extends with approval and
//! answers — each deadline as the 政府信息公开条例 counts it across the National Day holidays
//! (an injected clock and calendar); the yearly report's table 三 matches the applications;
//! another site's office sees none of it, and the applicant's data is sealed in the store.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use zhanqun_core::SiteRole;
use zhanqun_core::disclosure::{Applicant, Delivery, Outcome, RequestState, RequestStep};
use zhanqun_core::timeliness::WorkCalendar;
use zhanqun_store::{NewInfoRequest, RequestStepInput, Submitted};
use zhanqun_tests::TestApp;
use zhanqun_tests::letters::{between, fill_time, open_form_at, post};

const A: &str = "6108280001";
const B: &str = "6108270001";
const HOST: &str = "www.jiaxian.gov.cn";

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// 10:00 Beijing time on the day.
fn at(y: i32, m: u32, day: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, day, 2, 0, 0).unwrap()
}

/// 2026: National Day and Mid-Autumn 10-01..10-08 off; Sunday 09-27 and Saturday 10-10 worked.
fn calendar() -> WorkCalendar {
    WorkCalendar::new(
        (1..=8).map(|n| d(2026, 10, n)),
        [d(2026, 9, 27), d(2026, 10, 10)],
    )
}

fn request(applicant: Applicant, content: &str) -> NewInfoRequest {
    NewInfoRequest {
        applicant: Some(applicant),
        organisation: if applicant == Applicant::Person {
            String::new()
        } else {
            "佳县枣业有限公司".into()
        },
        name: "王小明".into(),
        id_number: "110101199003078515".into(),
        phone: "13812345678".into(),
        email: "wxm@example.com".into(),
        content: content.into(),
        delivery: Some(Delivery::Email),
        ..NewInfoRequest::default()
    }
}

/// A site's 依申请公开 office as the store sees it: the site, its administrator `jx-office` as
/// an actor, the letters' keys and the work calendar its deadlines are counted with.
struct Desk<'a> {
    store: &'a zhanqun_store::Store,
    site: zhanqun_core::SiteId,
    actor: zhanqun_store::Actor,
    keys: &'a zhanqun_core::pii::Keyring,
    cal: WorkCalendar,
}

impl<'a> Desk<'a> {
    /// Creates the office of `site` (account `jx-office`, the site's administrator).
    async fn open(t: &'a TestApp, site: zhanqun_core::SiteId, cal: WorkCalendar) -> Desk<'a> {
        let office = t.account("jx-office", None).await;
        t.grant(office, SiteRole::SiteAdmin, site, None).await;
        Desk {
            store: &t.store,
            site,
            actor: t.actor(office).await,
            keys: t.app.letters().keys(),
            cal,
        }
    }

    /// An application about `content` from an `applicant`, received at `on`.
    async fn submit(&self, applicant: Applicant, content: &str, on: DateTime<Utc>) -> Submitted {
        self.store
            .submit_info_request(
                self.site,
                &request(applicant, content),
                self.keys,
                &self.cal,
                on,
            )
            .await
            .unwrap()
    }

    /// The id of the application `sent`, as the office finds it in its list.
    async fn id(&self, sent: &Submitted) -> i64 {
        let code = sent.code.as_str().to_string();
        id_of(self.store, &self.actor, self.site, code, self.keys).await
    }

    /// An application about `content` from an `applicant`, received at `on`, and its id as the
    /// office finds it in its list.
    async fn receive(
        &self,
        applicant: Applicant,
        content: &str,
        on: DateTime<Utc>,
    ) -> (Submitted, i64) {
        let sent = self.submit(applicant, content, on).await;
        let id = self.id(&sent).await;
        (sent, id)
    }

    /// Where the application `sent` stands, as its applicant's 查询码 shows it.
    async fn status(&self, sent: &Submitted) -> zhanqun_store::InfoRequestStatus {
        self.store
            .info_request_status(self.site, &sent.code)
            .await
            .unwrap()
    }

    /// The office's step `input` on application `id`, taken at `on`.
    async fn step(
        &self,
        id: i64,
        input: &RequestStepInput,
        on: DateTime<Utc>,
    ) -> zhanqun_core::Result<RequestState> {
        self.store
            .info_request_step(&self.actor, id, input, &self.cal, on)
            .await
    }
}

fn step(s: RequestStep) -> RequestStepInput {
    RequestStepInput {
        step: Some(s),
        ..RequestStepInput::default()
    }
}

/// The step `s` with its `note` (the question asked, the third party consulted, the fee's basis).
fn noted(s: RequestStep, note: &str) -> RequestStepInput {
    RequestStepInput {
        note: note.into(),
        ..step(s)
    }
}

/// The answer step: the application ends in `outcome`, the office writing `text`.
fn answer(outcome: Outcome, text: &str) -> RequestStepInput {
    RequestStepInput {
        outcome: Some(outcome),
        answer: text.into(),
        ..step(RequestStep::Answer)
    }
}

#[tokio::test]
async fn deadlines_follow_the_regulation_across_holidays_and_the_year_table_matches() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let a = f.site(A);
    let desk = Desk::open(&t, a, calendar()).await;
    let store = &t.store;

    // Received Friday 2026-09-25: 20 working days, skipping the golden week, end on 10-29.
    let (sent, r1) = desk
        .receive(
            Applicant::Person,
            "佳县2025年度城乡居民基本养老保险基金收支情况",
            at(2026, 9, 25),
        )
        .await;
    let status = desk.status(&sent).await;
    assert_eq!(status.due_on, Some(d(2026, 10, 29)));

    // Unclear: 补正 asked on 09-28 (the clock stops: no deadline while the applicant completes).
    let ask = noted(
        RequestStep::AskCorrection,
        "请说明所需信息的年度和范围（基金收入、支出还是结余）",
    );
    let st = desk.step(r1, &ask, at(2026, 9, 28)).await.unwrap();
    assert_eq!(st, RequestState::Correcting);
    let status = desk.status(&sent).await;
    assert_eq!(status.due_on, None);
    assert!(status.correction.unwrap().contains("年度和范围"));
    // No extension while the clock stops; no answer but 逾期不补正.
    assert!(
        desk.step(r1, &step(RequestStep::Extend), at(2026, 9, 29))
            .await
            .is_err()
    );
    let early = answer(Outcome::Disclosed, "现予以公开。");
    let err = desk.step(r1, &early, at(2026, 9, 29)).await.unwrap_err();
    assert!(err.to_string().contains("尚在补正中"), "{err}");

    // Completed application received on Friday 10-09 (during the make-up week): 20 working
    // days from then: 10-10 (Saturday, worked) counts; the deadline is 11-05.
    let mut got = step(RequestStep::Corrected);
    got.on = Some(d(2026, 10, 9));
    desk.step(r1, &got, at(2026, 10, 9)).await.unwrap();
    let status = desk.status(&sent).await;
    assert_eq!(status.due_on, Some(d(2026, 11, 5)));

    // Extension: at most 20 working days, approved by someone named; once only.
    let mut ext = step(RequestStep::Extend);
    ext.days = 21;
    ext.approver = "李主任".into();
    ext.note = "需要征求第三方意见".into();
    assert!(
        desk.step(r1, &ext, at(2026, 10, 20))
            .await
            .unwrap_err()
            .to_string()
            .contains("1 至 20")
    );
    ext.days = 20;
    ext.approver = " ".into();
    assert!(desk.step(r1, &ext, at(2026, 10, 20)).await.is_err());
    ext.approver = "李主任".into();
    desk.step(r1, &ext, at(2026, 10, 20)).await.unwrap();
    let status = desk.status(&sent).await;
    assert_eq!(status.due_on, Some(d(2026, 12, 3)));
    assert!(
        desk.step(r1, &ext, at(2026, 10, 21))
            .await
            .unwrap_err()
            .to_string()
            .contains("只能延长一次")
    );

    // Answered on 12-01: partly disclosed.
    let ans = answer(
        Outcome::Partly,
        "经查，现提供基金收支总表；其中涉及个人信息的部分不予公开。",
    );
    desk.step(r1, &ans, at(2026, 12, 1)).await.unwrap();
    let status = desk.status(&sent).await;
    assert_eq!(status.state, RequestState::Answered);
    assert_eq!(status.outcome, Some(Outcome::Partly));

    // Two more: a company's, answered 不掌握; one received late in the year, still open; and
    // one of last year answered this January (carried in).
    let (_, r2) = desk
        .receive(
            Applicant::Company,
            "佳县2026年招商引资项目清单及投资额",
            at(2026, 3, 2),
        )
        .await;
    let no = answer(Outcome::NotHeld, "经检索，本机关未制作或获取该信息。");
    desk.step(r2, &no, at(2026, 3, 10)).await.unwrap();
    desk.submit(
        Applicant::Person,
        "佳县2026年老旧小区改造项目名单",
        at(2026, 12, 28),
    )
    .await;
    let (_, r4) = desk
        .receive(
            Applicant::Research,
            "佳县2025年空气质量监测月报原始数据",
            at(2025, 12, 22),
        )
        .await;
    desk.step(r4, &step(RequestStep::Accept), at(2025, 12, 23))
        .await
        .unwrap();
    let yes = answer(Outcome::Disclosed, "现予以公开，见附件。");
    desk.step(r4, &yes, at(2026, 1, 12)).await.unwrap();

    let t26 = store.info_request_year(a, 2026).await.unwrap();
    assert_eq!(t26.received.total, 3);
    assert_eq!(t26.received.by_applicant, vec![2, 1, 0, 0, 0, 0]);
    assert_eq!(t26.carried_in.total, 1);
    assert_eq!(t26.carried_in.by_applicant[2], 1, "科研机构");
    assert_eq!(t26.answered.total, 3);
    let row = |o: Outcome| t26.outcomes[Outcome::ALL.iter().position(|x| *x == o).unwrap()].total;
    assert_eq!(
        (
            row(Outcome::Disclosed),
            row(Outcome::Partly),
            row(Outcome::NotHeld)
        ),
        (1, 1, 1)
    );
    assert_eq!(t26.carried_out.total, 1);
    let t25 = store.info_request_year(a, 2025).await.unwrap();
    assert_eq!(
        (
            t25.received.total,
            t25.answered.total,
            t25.carried_out.total
        ),
        (1, 0, 1)
    );

    // The console shows the same figures, and exports them.
    let o = t.login("jx-office").await;
    let csv_path = format!("/sites/{}/ysqgk/report.csv?year=2026", a.0);
    let (s, page) = o
        .page(&format!("/sites/{}/ysqgk/report?year=2026", a.0))
        .await;
    assert_eq!(s, 200);
    assert!(page.contains("一、本年新收政府信息公开申请数量"), "{page}");
    let csv = o.page(&csv_path).await.1;
    assert!(
        csv.contains("一、本年新收政府信息公开申请数量,2,1,0,0,0,0,3"),
        "{csv}"
    );
    assert!(
        csv.contains("四、结转下年度继续办理,1,0,0,0,0,0,1"),
        "{csv}"
    );

    // Table 四 (行政复议、行政诉讼) is entered by the office, totalled and exported with it.
    let reviews = format!("/sites/{}/ysqgk/reviews?year=2026", a.0);
    let (s, page) = o.form(&reviews, &[("r0", "2"), ("r1", "-1")]).await;
    assert_eq!(s, 400, "{page}");
    assert!(page.contains("件数应为 0 至 100000 的整数"), "{page}");
    let (s, page) = o
        .form(
            &reviews,
            &[("r0", "2"), ("r1", "1"), ("r3", "1"), ("d0", "1")],
        )
        .await;
    assert_eq!(s, 200, "{page}");
    assert!(
        page.contains("已保存2026年行政复议、行政诉讼情况"),
        "{page}"
    );
    assert_eq!(
        t.store.info_request_reviews(a, 2026).await.unwrap().review,
        [2, 1, 0, 1]
    );
    let csv = o.page(&csv_path).await.1;
    assert!(csv.contains("行政复议,2,1,0,1,4"), "{csv}");
    assert!(
        csv.contains("行政诉讼（未经复议直接起诉）,1,0,0,0,1"),
        "{csv}"
    );
    // The same two tables as a spreadsheet, numbers as numbers.
    let res = o
        .client
        .get(format!(
            "{}/sites/{}/ysqgk/report.xlsx?year=2026",
            o.base, a.0
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap().to_vec();
    let mut wb: calamine::Xlsx<_> = calamine::Reader::new(std::io::Cursor::new(bytes)).unwrap();
    let range = calamine::Reader::worksheet_range_at(&mut wb, 0)
        .unwrap()
        .unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let row = |label: &str| {
        rows.iter()
            .find(|r| r[0].starts_with(label))
            .unwrap_or_else(|| panic!("{label}: {rows:?}"))
            .clone()
    };
    assert!(
        rows[0][0].contains("2026年政府信息公开工作年度报告"),
        "{rows:?}"
    );
    assert_eq!(
        row("一、本年新收政府信息公开申请数量")[1..],
        ["2", "1", "0", "0", "0", "0", "3"]
    );
    assert_eq!(row("行政复议")[1..6], ["2", "1", "0", "1", "4"]);
    // Another site's administrator cannot enter it.
    let stranger = t.account("wb-admin", None).await;
    t.grant(stranger, SiteRole::SiteAdmin, f.site(B), None)
        .await;
    let w = t.login("wb-admin").await;
    assert_eq!(w.form(&reviews, &[("r0", "9")]).await.0, 404);
    assert_eq!(
        t.store.info_request_reviews(a, 2026).await.unwrap().review,
        [2, 1, 0, 1]
    );
}

/// 条例 第三十二、三十三条: asking a third party stops the clock; the working days it took
/// (the golden week not among them) move the deadline on.
#[tokio::test]
async fn asking_a_third_party_stops_the_clock_for_its_working_days() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let a = f.site(A);
    let desk = Desk::open(&t, a, calendar()).await;
    let (sent, r) = desk
        .receive(
            Applicant::Company,
            "佳县2026年道路养护项目中标合同",
            at(2026, 9, 25),
        )
        .await;
    desk.step(r, &step(RequestStep::Accept), at(2026, 9, 28))
        .await
        .unwrap();
    // Not before it is accepted, and with the third party named.
    assert!(
        desk.step(r, &step(RequestStep::Consult), at(2026, 9, 29))
            .await
            .is_err()
    );
    let ask = noted(RequestStep::Consult, "佳县某建设有限公司：合同中的报价明细");
    assert_eq!(
        desk.step(r, &ask, at(2026, 9, 29)).await.unwrap(),
        RequestState::Consulting
    );
    let status = desk.status(&sent).await;
    assert_eq!(status.due_on, None, "the clock stops");
    let early = answer(Outcome::Disclosed, "现予以公开。");
    assert!(
        desk.step(r, &early, at(2026, 10, 9)).await.is_err(),
        "not while asking"
    );
    // The reply dated before the question is refused.
    let mut back = step(RequestStep::Consulted);
    back.on = Some(d(2026, 9, 28));
    assert!(desk.step(r, &back, at(2026, 10, 12)).await.is_err());
    // Replied on Monday 10-12: 09-30, 10-09, 10-10 (a worked Saturday) and 10-12 are four working
    // days, so the 20 working days that ended on 10-29 end on 11-04.
    back.on = Some(d(2026, 10, 12));
    back.note = "不同意公开报价明细".into();
    assert_eq!(
        desk.step(r, &back, at(2026, 10, 12)).await.unwrap(),
        RequestState::Handling
    );
    let status = desk.status(&sent).await;
    assert_eq!(status.due_on, Some(d(2026, 11, 4)));
    assert_eq!(
        status.due_on,
        Some(desk.cal.working_days_after(d(2026, 10, 29), 4))
    );

    // A fee notice (信息处理费) stops the clock too, until the fee is paid: sent Tuesday 10-13,
    // paid Thursday 10-15, two more working days.
    let mut fee = noted(RequestStep::Charge, "本月第 12 件申请，按件计收");
    assert!(
        desk.step(r, &fee, at(2026, 10, 13)).await.is_err(),
        "no amount"
    );
    fee.amount = 100;
    assert_eq!(
        desk.step(r, &fee, at(2026, 10, 13)).await.unwrap(),
        RequestState::Charging
    );
    let early = answer(Outcome::Disclosed, "现予以公开。");
    let e = desk.step(r, &early, at(2026, 10, 14)).await.unwrap_err();
    assert!(e.to_string().contains("尚未缴费"), "{e}");
    let mut paid = step(RequestStep::Paid);
    paid.on = Some(d(2026, 10, 15));
    assert_eq!(
        desk.step(r, &paid, at(2026, 10, 15)).await.unwrap(),
        RequestState::Handling
    );
    let status = desk.status(&sent).await;
    assert_eq!(status.due_on, Some(d(2026, 11, 6)));
}

/// The id of `site`'s application with query code `code` (as its office finds it).
async fn id_of(
    store: &zhanqun_store::Store,
    actor: &zhanqun_store::Actor,
    site: zhanqun_core::SiteId,
    code: String,
    keys: &zhanqun_core::pii::Keyring,
) -> i64 {
    let cal = calendar();
    let rows = store
        .site_info_requests(actor, site, keys, &cal, Utc::now())
        .await
        .unwrap();
    for r in rows {
        let full = store
            .info_request(actor, r.id, keys, &cal, true)
            .await
            .unwrap();
        if full.code == code {
            return r.id;
        }
    }
    panic!("application {code} not listed")
}

#[tokio::test]
async fn an_application_from_the_public_form_to_the_answer_and_no_other_site_sees_it() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let (a, b) = (f.site(A), f.site(B));
    let [o, mz] = t
        .staff([
            ("jx-office", SiteRole::SiteAdmin, a),
            ("mz-admin", SiteRole::SiteAdmin, b),
        ])
        .await;

    let form = open_form_at(&t, HOST, "/ysqgk/").await;
    fill_time().await;
    let mut fields = vec![
        ("applicant", "person"),
        ("name", "王小明"),
        ("id_number", "110101199003078514"),
        ("phone", "13812345678"),
        ("content", "佳县2025年度城乡居民基本养老保险基金收支情况"),
        ("delivery", "paper"),
        ("ticket", form.ticket.as_str()),
        ("answer", form.answer.as_str()),
    ];
    // A wrong check digit, then a paper delivery without an address: said, and kept.
    let (s, page) = post(&t, HOST, "/ysqgk/", &fields).await;
    assert_eq!(s, 400, "{page}");
    assert!(page.contains("身份证号"), "{page}");
    assert!(
        page.contains("城乡居民基本养老保险基金"),
        "what was typed comes back"
    );
    fields[2] = ("id_number", "110101199003078515");
    let form = open_form_at(&t, HOST, "/ysqgk/").await;
    fill_time().await;
    fields[6] = ("ticket", form.ticket.as_str());
    fields[7] = ("answer", form.answer.as_str());
    let (s, page) = post(&t, HOST, "/ysqgk/", &fields).await;
    assert_eq!(s, 400, "{page}");
    assert!(page.contains("请填写通信地址"), "{page}");
    fields[5] = ("delivery", "email");
    fields.push(("email", "wxm@example.com"));
    let (s, page) = post(&t, HOST, "/ysqgk/", &fields).await;
    assert_eq!(s, 200, "{page}");
    let code = between(&page, "<strong class=\"code\">", "<").unwrap();
    // The same form again: the same application.
    let (_, again) = post(&t, HOST, "/ysqgk/", &fields).await;
    assert!(
        again.contains(&code) && again.contains("已经提交过"),
        "{again}"
    );

    // The office lists it (name masked), takes it, answers it.
    let (s, list) = o.page(&format!("/sites/{}/ysqgk", a.0)).await;
    assert_eq!(s, 200);
    assert!(list.contains("王*"), "{list}");
    assert!(!list.contains("王小明"));
    let id = between(&list, "<a href=\"/ysqgk/", "\"").unwrap();
    let (s, page) = o.page(&format!("/ysqgk/{id}")).await;
    assert_eq!(s, 200);
    assert!(
        !page.contains("110101199003078515"),
        "masked until asked for"
    );
    let (_, full) = o.form(&format!("/ysqgk/{id}/personal"), &[]).await;
    assert!(full.contains("110101199003078515") && full.contains("已记入审计日志"));
    let (s, page) = o
        .form(
            &format!("/ysqgk/{id}/step"),
            &[
                ("step", "answer"),
                ("outcome", "robot"),
                ("answer", "答复内容"),
            ],
        )
        .await;
    assert_eq!(s, 400, "{page}");
    assert!(page.contains("不是有效的选项"), "{page}");
    let (s, page) = o
        .form(
            &format!("/ysqgk/{id}/step"),
            &[
                ("step", "answer"),
                ("outcome", "disclosed"),
                ("answer", "现予以公开，详见附件《基金收支表》。"),
            ],
        )
        .await;
    assert_eq!(s, 200, "{page}");
    assert!(page.contains("申请现为“已答复”"), "{page}");

    // The applicant reads the answer with the code; a wrong code is said so.
    let (s, status) = post(&t, HOST, "/ysqgk/chaxun", &[("code", &code)]).await;
    assert_eq!(s, 200);
    assert!(
        status.contains("予以公开") && status.contains("基金收支表"),
        "{status}"
    );
    assert!(!status.contains("王小明"));
    let mizhi = t.store.site(b).await.unwrap().unwrap().hosts[0].clone();
    let (s, _) = post(&t, &mizhi, "/ysqgk/chaxun", &[("code", &code)]).await;
    assert_eq!(s, 404, "another site does not know the code");

    // Another site's office: not there at all.
    assert_eq!(mz.page(&format!("/ysqgk/{id}")).await.0, 404);
    assert_eq!(mz.form(&format!("/ysqgk/{id}/personal"), &[]).await.0, 404);
    assert_eq!(
        mz.form(&format!("/ysqgk/{id}/step"), &[("step", "accept")])
            .await
            .0,
        404
    );
    assert_eq!(mz.page(&format!("/sites/{}/ysqgk", a.0)).await.0, 404);
    assert_eq!(
        mz.page(&format!("/sites/{}/ysqgk/report", a.0)).await.0,
        404
    );
}

/// The deadline gauges the jobs node sets every minute: an application in time, one past its
/// statutory deadline, one whose clock 补正 pauses; an answered one is not counted.
#[tokio::test]
async fn open_applications_are_counted_by_where_they_stand_against_the_deadline() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let a = f.site(A);
    let desk = Desk::open(&t, a, t.app.config().calendar()).await;
    let now = zhanqun_store::now();
    let mut ids = Vec::new();
    for (days_ago, what) in [
        (0, "佳县2025年度财政预算执行情况"),
        (60, "佳县2024年度城区道路改造项目招标文件"),
        (60, "佳县2024年度农村饮水安全工程验收报告"),
        (1, "佳县2025年度政府采购目录"),
    ] {
        let at = now - chrono::Duration::days(days_ago);
        let (_, id) = desk.receive(Applicant::Person, what, at).await;
        ids.push((id, at));
    }
    // The third: 补正 asked the day after it came (the clock stops); the fourth: answered.
    let (third, at) = ids[2];
    let ask = noted(RequestStep::AskCorrection, "请写明所需信息的文号或形成时间");
    desk.step(third, &ask, at + chrono::Duration::days(1))
        .await
        .unwrap();
    let (fourth, at) = ids[3];
    let ans = answer(Outcome::Disclosed, "已通过电子邮件提供。");
    desk.step(fourth, &ans, at + chrono::Duration::hours(2))
        .await
        .unwrap();
    // What the jobs node runs every minute, run now (not waited for).
    t.app.report_letters().await.unwrap();
    let mut seen = Vec::new();
    for s in ["in_time", "due_soon", "overdue", "paused"] {
        seen.push(
            t.metric(&format!("zhanqun_info_requests_open{{standing=\"{s}\"}}"))
                .await,
        );
    }
    assert_eq!(
        seen,
        [1.0, 0.0, 1.0, 1.0],
        "in time, due soon, overdue, paused"
    );
}

/// The JSON API does what the console does, for the site's office only: the list (masked), one
/// application, the applicant in full (audited), the steps with a refused one said, and the
/// year's tables 三 and 四 (四 entered and read back); another site's office gets 404 on each.
#[tokio::test]
async fn the_office_handles_an_application_through_the_api() {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let (a, b) = (f.site(A), f.site(B));
    let desk = Desk::open(&t, a, t.app.config().calendar()).await;
    let mz_id = t.account("mz-admin", None).await;
    t.grant(mz_id, SiteRole::SiteAdmin, b, None).await;
    let (sent, id) = desk
        .receive(
            Applicant::Person,
            "佳县2025年度财政预算执行情况",
            Utc::now(),
        )
        .await;
    let (o, mz) = (t.login("jx-office").await, t.login("mz-admin").await);

    let list = o.get(&format!("/api/v1/sites/{}/info-requests", a.0)).await;
    assert_eq!(list.status, 200, "{}", list.json);
    let rows = list.json["requests"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], id);
    assert!(
        rows[0]["name"].as_str().unwrap().starts_with("王*"),
        "masked: {}",
        rows[0]
    );
    assert!(!list.json.to_string().contains("王小明"));

    let one = o.get(&format!("/api/v1/info-requests/{id}")).await;
    assert_eq!(one.status, 200);
    assert_eq!(one.json["code"], sent.code.as_str());
    assert!(!one.json.to_string().contains("110101199003078515"));
    let steps: Vec<&str> = one.json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(steps.contains(&"accept"), "{steps:?}");
    let views = || async {
        t.store
            .audit_records(100, 0)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.action == "info_request.view_personal")
            .count()
    };
    let before = views().await;
    let full = o.get(&format!("/api/v1/info-requests/{id}/personal")).await;
    assert_eq!(full.json["id_number"], "110101199003078515");
    assert_eq!(views().await, before + 1, "the full view is audited");

    let steps = format!("/api/v1/info-requests/{id}/steps");
    let bad = o.post(&steps, serde_json::json!({"step": "fly"})).await;
    assert_eq!(bad.status, 400, "{}", bad.json);
    let early = o
        .post(
            &steps,
            serde_json::json!({"step": "corrected", "on": "2026-12-01"}),
        )
        .await;
    assert_eq!(early.status, 409, "no 补正 was asked for: {}", early.json);
    let took = o.post(&steps, serde_json::json!({"step": "accept"})).await;
    assert_eq!(took.status, 200, "{}", took.json);
    let answered = o
        .post(
            &steps,
            serde_json::json!({"step": "answer", "outcome": "disclosed", "answer": "现予以公开。"}),
        )
        .await;
    assert_eq!(answered.status, 200, "{}", answered.json);
    assert_eq!(answered.json["label"], "已答复");
    assert_eq!(desk.status(&sent).await.state, RequestState::Answered);

    let year = zhanqun_core::beijing::year(Utc::now());
    let reviews = format!("/api/v1/sites/{}/info-requests/reviews?year={year}", a.0);
    let bad = o
        .put(&reviews, serde_json::json!({"review": [1, 0, 0]}))
        .await;
    assert_eq!(bad.status, 400, "{}", bad.json);
    let saved = o
        .put(
            &reviews,
            serde_json::json!({"review": [1, 0, 0, 0], "direct_suit": [0, 0, 0, 1], "suit_after_review": [0, 0, 0, 0]}),
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.json);
    let report = o
        .get(&format!(
            "/api/v1/sites/{}/info-requests/report?year={year}",
            a.0
        ))
        .await;
    assert_eq!(report.status, 200, "{}", report.json);
    assert_eq!(report.json["table3"]["received"]["total"], 1);
    assert_eq!(report.json["table4"]["review"][0], 1);
    assert_eq!(report.json["table4"]["direct_suit"][3], 1);

    // Another site's office: not there.
    for path in [
        format!("/api/v1/sites/{}/info-requests", a.0),
        format!("/api/v1/sites/{}/info-requests/report", a.0),
        format!("/api/v1/info-requests/{id}"),
        format!("/api/v1/info-requests/{id}/personal"),
    ] {
        assert_eq!(mz.get(&path).await.status, 404, "{path}");
    }
    assert_eq!(
        mz.post(&steps, serde_json::json!({"step": "accept"}))
            .await
            .status,
        404
    );
    assert_eq!(
        mz.put(
            &reviews,
            serde_json::json!({"review": [9, 0, 0, 0], "direct_suit": [0, 0, 0, 0], "suit_after_review": [0, 0, 0, 0]})
        )
        .await
        .status,
        404
    );
}
