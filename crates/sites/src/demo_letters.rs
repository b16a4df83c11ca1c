//! Letters from the public in the demo province, and 佳县's surveys: 佳县 and the province portal receive the kinds
//! of letter a county really gets, at different points of their handling — one waiting to be
//! assigned, one with a unit, one drafted and waiting for review, answered ones published, one
//! past its deadline. Written through the store's own functions (sealed personal data, history,
//! audit), dated back from now. The writers and their details are invented.

use chrono::{DateTime, Datelike, Duration, Utc};
use zhanqun_core::letter_flow::LetterStep;
use zhanqun_core::letters::LetterKind;
use zhanqun_core::pii::Keyring;
use zhanqun_core::timeliness::WorkCalendar;
use zhanqun_core::{Error, LetterId, Result, SiteId};
use zhanqun_store::{Actor, NewFaq, NewLetter, StepInput, Store};

use crate::demo::DEMO_COUNTY;

/// How far a demo letter got.
#[derive(Clone, Copy)]
enum Stage {
    Received,
    Assigned(&'static str),
    Drafted(&'static str),
    Replied(&'static str),
}

struct Demo {
    site: &'static str,
    kind: LetterKind,
    days_ago: i64,
    subject: &'static str,
    body: &'static str,
    name: &'static str,
    phone: &'static str,
    public: bool,
    stage: Stage,
    reply: &'static str,
}

const PROVINCE: &str = "6100000001";

fn demo() -> Vec<Demo> {
    use LetterKind::*;
    use Stage::*;
    vec![
        Demo {
            site: DEMO_COUNTY,
            kind: Consultation,
            days_ago: 18,
            subject: "新生儿医保在哪里办理，需要哪些材料？",
            body: "孩子上个月出生，想给孩子办理城乡居民医保，请问在哪里办理，需要带哪些材料？能不能在网上办？",
            name: "高晓燕",
            phone: "13709121234",
            public: true,
            stage: Replied("县政务服务中心"),
            reply: "您好！新生儿参加城乡居民基本医疗保险，可由父母一方持新生儿出生医学证明、户口簿到县政务服务中心一楼医保窗口办理，也可通过“陕西医保”公众号在线办理。出生后90天内参保缴费的，自出生之日起享受待遇。\n\n咨询电话：0912-6721234（工作日 9:00—17:00）。",
        },
        Demo {
            site: DEMO_COUNTY,
            kind: Suggestion,
            days_ago: 30,
            subject: "建议增加佳县至榆林的早班客车",
            body: "每天早上第一班去榆林的客车是7点半，到榆林已经10点多，去医院看病挂号很不方便，建议增加一班6点左右的早班车。",
            name: "刘志刚",
            phone: "13991234567",
            public: true,
            stage: Replied("县住房和城乡建设局"),
            reply: "您好！感谢您对我县公共交通的关心。经与县交通运输部门和客运企业沟通，自下月1日起增开佳县至榆林6:10早班车一班，票价不变。具体班次以客运站公告为准。",
        },
        Demo {
            site: DEMO_COUNTY,
            kind: Mailbox,
            days_ago: 6,
            subject: "汛期前佳芦河沿岸防汛物资是否到位",
            body: "去年汛期佳芦河水位上涨，沿河几个村的沙袋不够用。今年汛期快到了，想了解沿岸各村的防汛物资储备情况和应急预案。",
            name: "马建军",
            phone: "15891234567",
            public: true,
            stage: Assigned("县应急管理局"),
            reply: "",
        },
        Demo {
            site: DEMO_COUNTY,
            kind: Complaint,
            days_ago: 12,
            subject: "县城东关街路灯损坏多日无人维修",
            body: "东关街从十字路口往东约200米的路灯已经坏了半个多月，晚上一片漆黑，老人孩子出行很不安全，希望尽快维修。",
            name: "王秀英",
            phone: "0912-6725678",
            public: false,
            stage: Drafted("县住房和城乡建设局"),
            reply: "您好！接到您的反映后，县住建局已安排市政维修人员现场查看，东关街损坏的6盏路灯已于昨日全部修复。今后如发现路灯故障，可拨打市政维修电话0912-6729999。",
        },
        Demo {
            site: DEMO_COUNTY,
            kind: Consultation,
            days_ago: 16,
            subject: "农村危房改造补助申请条件",
            body: "我家住的是七十年代的土窑洞，墙体开裂，想问问农村危房改造补助需要什么条件，怎么申请？",
            name: "张福贵",
            phone: "13809128765",
            public: true,
            stage: Assigned("县住房和城乡建设局"),
            reply: "",
        },
        Demo {
            site: DEMO_COUNTY,
            kind: SiteError,
            days_ago: 1,
            subject: "政策文件栏目中一个附件链接打不开",
            body: "政策文件栏目里《佳县2025年春季造林绿化实施方案》的附件点开后显示找不到页面。",
            name: "李明",
            phone: "18691234567",
            public: false,
            stage: Received,
            reply: "",
        },
        Demo {
            site: DEMO_COUNTY,
            kind: Complaint,
            days_ago: 2,
            subject: "小区旁建筑工地夜间施工噪音扰民",
            body: "佳芦镇新区某小区旁边的工地连续几天晚上十一点以后还在施工，噪音很大，影响休息。",
            name: "赵丽",
            phone: "13572123456",
            public: false,
            stage: Received,
            reply: "",
        },
        Demo {
            site: PROVINCE,
            kind: Suggestion,
            days_ago: 40,
            subject: "建议省政府网站办事指南增加材料样表下载",
            body: "在省政府网站查办事指南时，很多事项只写了材料名称，没有样表可以下载，建议统一提供空白表格和填写样例。",
            name: "孙浩",
            phone: "13310291234",
            public: true,
            stage: Replied("省政务服务中心"),
            reply: "您好！感谢您的建议。省政务服务中心正在对省级政务服务事项办事指南逐项核查，年底前将为需要填写表格的事项统一提供空白表格和填写样例下载。",
        },
        Demo {
            site: PROVINCE,
            kind: Consultation,
            days_ago: 3,
            subject: "跨省异地就医备案怎么办理",
            body: "父母长期在外省跟随子女居住，想办理跨省异地就医备案，请问需要什么手续？",
            name: "周晨",
            phone: "18192345678",
            public: true,
            stage: Received,
            reply: "",
        },
    ]
}

pub(crate) async fn actor(store: &Store, username: &str) -> Result<Actor> {
    let account = store
        .accounts()
        .await?
        .into_iter()
        .find(|a| a.username == username)
        .ok_or_else(|| Error::not_found(format!("演示账号 {username} 不存在")))?;
    Ok(Actor {
        principal: store.principal(account).await?,
        client: Some("demo".into()),
        request_id: None,
    })
}

/// Loads the demo letters once (a store with letters is left as it is). Answers how many.
pub async fn load(store: &Store, keys: &Keyring, cal: &WorkCalendar) -> Result<usize> {
    if store.letter_count().await? > 0 {
        return Ok(0);
    }
    let now = Utc::now();
    let sites = store.list_sites().await?;
    let site = |code: &str| -> Option<SiteId> {
        sites.iter().find(|s| s.code.as_str() == code).map(|s| s.id)
    };
    // The 佳县 office (its administrator drafts, its reviewer approves) and the province's.
    let offices = [
        (
            DEMO_COUNTY,
            actor(store, "jx-reviewer").await?,
            actor(store, "jx-admin").await?,
        ),
        (
            PROVINCE,
            actor(store, "sx-reviewer").await?,
            actor(store, "sx-office").await?,
        ),
    ];
    let mut n = 0;
    for d in demo() {
        let Some(site_id) = site(d.site) else {
            continue;
        };
        let received: DateTime<Utc> = now - Duration::days(d.days_ago) - Duration::hours(3);
        // A 领导信箱 letter is written to the head of the site (the first leader listed).
        let to = sites
            .iter()
            .find(|s| s.id == site_id)
            .and_then(|s| s.letters.leaders.first().cloned())
            .filter(|_| d.kind == LetterKind::Mailbox);
        // The 领导信箱 letter comes with a file, as the writer's photos and papers do.
        let attachments = if d.kind == LetterKind::Mailbox {
            vec![zhanqun_store::NewAttachment {
                name: "沿河村防汛物资现状.pdf".into(),
                mime: "application/pdf".into(),
                bytes: demo_pdf("Flood supplies along the Jialu river"),
            }]
        } else {
            Vec::new()
        };
        let letter = NewLetter {
            kind: Some(d.kind),
            to,
            attachments,
            subject: d.subject.into(),
            body: d.body.into(),
            public: d.public,
            name: d.name.into(),
            phone: Some(d.phone.into()),
            ..Default::default()
        };
        let days = match d.kind {
            LetterKind::Consultation => 5,
            LetterKind::SiteError => 3,
            _ => 15,
        };
        let code = store
            .submit_letter(site_id, &letter, keys, cal, days, received)
            .await?
            .code;
        n += 1;
        let Some((_, drafter, approver)) = offices.iter().find(|(c, _, _)| *c == d.site) else {
            continue;
        };
        let id = letter_id(store, drafter, site_id, d.subject, keys, cal).await?;
        let units = store.units(site_id).await?;
        let unit_of = |name: &str| units.iter().find(|(_, n)| n == name).map(|(id, _)| *id);
        let (unit, steps): (&str, &[LetterStep]) = match d.stage {
            Stage::Received => ("", &[]),
            Stage::Assigned(u) => (u, &[LetterStep::Assign]),
            Stage::Drafted(u) => (u, &[LetterStep::Assign, LetterStep::Draft]),
            Stage::Replied(u) => (
                u,
                &[LetterStep::Assign, LetterStep::Draft, LetterStep::Approve],
            ),
        };
        for (i, step) in steps.iter().enumerate() {
            let who = if *step == LetterStep::Approve {
                approver
            } else {
                drafter
            };
            // Assigned the next morning; drafted and approved over the following days.
            let at = received + Duration::hours(20) + Duration::days(i as i64 * d.days_ago / 4);
            let input = StepInput {
                step: Some(*step),
                unit: unit_of(unit),
                reply: Some(d.reply.into()),
                ..Default::default()
            };
            store.letter_step(who, id, &input, cal, at.min(now)).await?;
        }
        if matches!(d.stage, Stage::Replied(_)) && d.days_ago > 20 {
            store.rate_letter(site_id, &code, 5).await?;
        }
        // An answered consultation becomes an entry of the site's 知识库.
        if matches!(d.stage, Stage::Replied(_)) && d.kind == LetterKind::Consultation {
            let faq = NewFaq {
                question: d.subject.into(),
                answer: d.reply.into(),
                letter: Some(id),
            };
            store.add_faq(approver, site_id, &faq, now).await?;
        }
    }
    if let Some(jx) = site(DEMO_COUNTY) {
        surveys(store, &offices[0].1, jx, now).await?;
        interviews(store, &offices[0].1, jx, now).await?;
        n += info_requests(store, &offices[0].2, jx, keys, cal, now).await?;
        n += applications(store, &offices[0].2, jx, keys, now).await?;
    }
    Ok(n)
}

/// The demo's 在线办理 on 佳县: three online applications — one finished (in 结果公示), one
/// accepted, one waiting.
async fn applications(
    store: &Store,
    office: &Actor,
    site: SiteId,
    keys: &Keyring,
    now: DateTime<Utc>,
) -> Result<usize> {
    use zhanqun_store::{Mover, NewApplication, ServiceFilter, Which};
    let items = store
        .service_lines(Some(site), &ServiceFilter::default(), None, 100)
        .await?;
    let item = |title: &str| items.iter().find(|l| l.title == title).map(|l| l.id);
    let specs = [
        (
            "结婚登记",
            "刘建华",
            "申请办理结婚登记，拟于下周二上午到婚姻登记处现场办理。",
            12,
            Some(("done", "准予登记，已当场颁发结婚证")),
        ),
        (
            "企业开办“一网通办”",
            "张丽",
            "申请设立佳县兴达商贸有限公司，经营范围为农副产品销售。",
            3,
            Some(("accepted", "")),
        ),
        ("生育登记", "高志强", "第二个子女生育登记。", 1, None),
    ];
    // 预约办理: the next weekdays' mornings at the service centre for two items; the waiting
    // 生育登记 application has booked the first of them.
    let mut first_slot = None;
    for (title, window) in [("结婚登记", 2), ("生育登记", 5)] {
        let Some(item) = item(title) else { continue };
        let mut day = zhanqun_core::beijing::day(now);
        let mut opened = 0;
        while opened < 3 {
            day = day.succ_opt().unwrap_or(day);
            if day.weekday().number_from_monday() > 5 {
                continue;
            }
            for hour in [9, 10] {
                let starts = zhanqun_core::beijing::start_of(day) + Duration::hours(hour);
                let id = store
                    .open_slot(
                        office,
                        item,
                        &zhanqun_store::NewSlot {
                            starts_at: starts,
                            ends_at: starts + Duration::hours(1),
                            place: format!("县政务服务中心 {window} 号窗口"),
                            capacity: 5,
                        },
                        now,
                    )
                    .await?;
                if title == "生育登记" && first_slot.is_none() {
                    first_slot = Some(id);
                }
            }
            opened += 1;
        }
    }
    let mut n = 0;
    for (title, name, note, days_ago, moved) in specs {
        let Some(item) = item(title) else { continue };
        let at = now - Duration::days(days_ago);
        let a = NewApplication {
            item,
            organisation: String::new(),
            name: name.into(),
            id_number: "610828198805120019".into(),
            phone: "13909121234".into(),
            note: note.into(),
            slot: if title == "生育登记" {
                first_slot
            } else {
                None
            },
            form_nonce: None,
            // Each demo application comes with its 申请表 as a one-page PDF.
            materials: vec![zhanqun_store::NewAttachment {
                name: format!("{title}申请表.pdf"),
                mime: "application/pdf".into(),
                bytes: demo_pdf(&format!("{title} application form")),
            }],
        };
        let r = store.submit_application(site, &a, keys, at).await?;
        n += 1;
        let Some((to, result)) = moved else { continue };
        let who = Mover::Person(office);
        store
            .move_application(
                who,
                Which::Receipt(&r.receipt),
                "accepted",
                "",
                at + Duration::hours(2),
            )
            .await?;
        if to == "done" {
            store
                .move_application(
                    Mover::Person(office),
                    Which::Receipt(&r.receipt),
                    to,
                    result,
                    at + Duration::days(1),
                )
                .await?;
        }
    }
    Ok(n)
}

/// The demo's 依申请公开 on 佳县: one answered, one waiting for 补正, one extended.
async fn info_requests(
    store: &Store,
    office: &Actor,
    site: SiteId,
    keys: &Keyring,
    cal: &WorkCalendar,
    now: DateTime<Utc>,
) -> Result<usize> {
    use zhanqun_core::disclosure::{Applicant, Delivery, Outcome, RequestStep};
    use zhanqun_store::{NewInfoRequest, RequestStepInput};
    let specs: [(Applicant, &str, &str, i64); 3] = [
        (
            Applicant::Person,
            "刘建华",
            "佳县2025年度城乡居民基本养老保险基金收支情况（收入、支出和年末结余）",
            40,
        ),
        (
            Applicant::Company,
            "张丽",
            "佳县城区集中供热价格调整的成本监审报告",
            9,
        ),
        (
            Applicant::Person,
            "高志强",
            "佳县2026年农村公路建设项目的招标文件和中标结果",
            25,
        ),
    ];
    for (i, (applicant, name, content, days_ago)) in specs.into_iter().enumerate() {
        let received = now - Duration::days(days_ago);
        let r = NewInfoRequest {
            applicant: Some(applicant),
            organisation: if applicant.is_organisation() {
                "佳县兴达商贸有限公司".into()
            } else {
                String::new()
            },
            name: name.into(),
            id_number: "610828198805120019".into(),
            phone: "13909121234".into(),
            email: "applicant@example.com".into(),
            content: content.into(),
            delivery: Some(Delivery::Email),
            ..Default::default()
        };
        store
            .submit_info_request(site, &r, keys, cal, received)
            .await?;
        let id = store
            .site_info_requests(office, site, keys, cal, now)
            .await?
            .iter()
            .find(|l| l.content == content)
            .map(|l| l.id)
            .ok_or_else(|| zhanqun_core::Error::internal("demo application not listed"))?;
        let step = |s: RequestStep| RequestStepInput {
            step: Some(s),
            ..Default::default()
        };
        let day = |d: i64| received + Duration::days(d);
        match i {
            0 => {
                store
                    .info_request_step(office, id, &step(RequestStep::Accept), cal, day(1))
                    .await?;
                let mut answer = step(RequestStep::Answer);
                answer.outcome = Some(Outcome::Disclosed);
                answer.answer = "您好！您申请的佳县2025年度城乡居民基本养老保险基金收支情况已整理完毕，现以电子邮件向您提供《基金收支情况表》。".into();
                store
                    .info_request_step(office, id, &answer, cal, day(12))
                    .await?;
            }
            1 => {
                let mut ask = step(RequestStep::AskCorrection);
                ask.note = "请说明所需成本监审报告的年度，并提供单位的统一社会信用代码证明，请于15日内补正。".into();
                store
                    .info_request_step(office, id, &ask, cal, day(2))
                    .await?;
            }
            _ => {
                store
                    .info_request_step(office, id, &step(RequestStep::Accept), cal, day(1))
                    .await?;
                let mut ext = step(RequestStep::Extend);
                ext.days = 15;
                ext.approver = "县政府办公室政务公开股负责人".into();
                ext.note = "涉及中标企业的商业信息，需要征求第三方意见".into();
                store
                    .info_request_step(office, id, &ext, cal, day(18))
                    .await?;
            }
        }
    }
    Ok(specs.len())
}

/// The demo's 征集调查 on 佳县: one closed with its results (a deterministic spread of answers)
/// and one open.
async fn surveys(store: &Store, office: &Actor, site: SiteId, now: DateTime<Utc>) -> Result<usize> {
    let specs = [
        (
            "佳县2026年民生实事项目意见征集",
            "为办好明年的民生实事，现向社会公开征集意见，请选出您最关心的事项。",
            "多选：您最希望县政府明年办好哪些民生实事？\n城乡道路改造\n农村饮水安全\n学校和幼儿园建设\n医疗服务提升\n养老服务设施\n\n单选：您的年龄段\n30岁以下\n30至50岁\n50岁以上\n\n填空：其他建议",
            -40,
            -10,
        ),
        (
            "政务服务满意度调查",
            "请您对县政务服务中心的服务作出评价，约需一分钟。",
            "单选：您对县政务服务中心的服务是否满意？\n满意\n基本满意\n不满意\n\n多选：您希望增加哪些网上办事事项？\n社保\n医保\n不动产登记\n户籍\n\n填空：其他意见和建议",
            -5,
            25,
        ),
    ];
    let mut n = 0;
    for (i, (title, intro, questions, from, to)) in specs.into_iter().enumerate() {
        let opens_at = now + Duration::days(from);
        let s = zhanqun_store::NewSurvey {
            title: title.into(),
            intro: intro.into(),
            document: None,
            questions: questions.into(),
            opens_at,
            closes_at: now + Duration::days(to),
        };
        let id = store.create_survey(office, site, &s, opens_at).await?;
        let parsed = zhanqun_core::survey::parse_questions(questions)?;
        let answers = if i == 0 { 46 } else { 12 };
        for k in 0..answers {
            // A fixed spread: choices by the answer's number, so every load gives the same result.
            let form: Vec<(String, String)> = parsed
                .iter()
                .enumerate()
                .flat_map(|(qi, q)| {
                    let name = format!("q{qi}");
                    match q.kind {
                        zhanqun_core::survey::QuestionKind::Text => vec![],
                        zhanqun_core::survey::QuestionKind::Single => {
                            vec![(name, ((k * 7 + qi) % q.choices.len()).to_string())]
                        }
                        zhanqun_core::survey::QuestionKind::Multi => (0..q.choices.len())
                            .filter(|c| (k * (c + 3) + c) % 7 < 3 || *c == k % q.choices.len())
                            .map(|c| (name.clone(), c.to_string()))
                            .collect(),
                    }
                })
                .collect();
            let checked = zhanqun_core::survey::check_answers(&parsed, &form)?;
            let at = opens_at + Duration::hours(3 + k as i64 * 5);
            store
                .answer_survey(site, id, &checked, &format!("demo-{i}-{k}"), at)
                .await?;
        }
        n += 1;
    }
    Ok(n)
}

/// The demo's 在线访谈 on 佳县: one held last month with its transcript, one announced.
async fn interviews(store: &Store, office: &Actor, site: SiteId, now: DateTime<Utc>) -> Result<()> {
    let held = zhanqun_store::NewInterview {
        title: "稳就业促创业政策解读".into(),
        guests: "佳县人力资源和社会保障局局长".into(),
        intro: "就高校毕业生就业、返乡创业补贴和创业担保贷款等政策回答网友提问。".into(),
        starts_at: now - Duration::days(20),
        ends_at: now - Duration::days(20) + Duration::hours(2),
    };
    let id = store
        .create_interview(office, site, &held, held.starts_at - Duration::days(7))
        .await?;
    let qa = [
        (
            "佳县青年",
            "大学生回乡创业有哪些补贴？",
            "符合条件的返乡创业高校毕业生可申请一次性创业补贴5000元，并可申请最高30万元的创业担保贷款，财政给予贴息。",
        ),
        (
            "网友",
            "灵活就业人员怎么缴纳养老保险？",
            "灵活就业人员可在县政务服务中心社保窗口或“陕西养老保险”APP办理参保登记，按年或按月缴费。",
        ),
        (
            "乡村振兴关注者",
            "今年有哪些面向农民工的技能培训？",
            "今年计划开展电工、焊工、家政服务等培训20期，培训期间给予生活补贴，报名可咨询各镇便民服务中心。",
        ),
    ];
    for (k, (nick, q, _)) in qa.iter().enumerate() {
        let asked = held.starts_at - Duration::days(3) + Duration::hours(k as i64);
        store
            .ask_interview(site, id, nick, q, &format!("demo-iv-{k}"), asked)
            .await?;
    }
    for (k, q) in store
        .interview_questions(id, true)
        .await?
        .iter()
        .enumerate()
    {
        let at = held.starts_at + Duration::minutes(20 + 25 * k as i64);
        store
            .moderate_question(office, id, q.id, Some(qa[k].2), at)
            .await?;
    }
    let next = zhanqun_store::NewInterview {
        title: "冬季供暖和安全生产网上访谈".into(),
        guests: "佳县住房和城乡建设局、应急管理局负责同志".into(),
        intro: "欢迎网友提前提问。".into(),
        starts_at: now + Duration::days(6),
        ends_at: now + Duration::days(6) + Duration::hours(2),
    };
    store.create_interview(office, site, &next, now).await?;
    Ok(())
}

/// The id of the letter of `site` with `subject`, as its office lists it.
async fn letter_id(
    store: &Store,
    office: &Actor,
    site: SiteId,
    subject: &str,
    keys: &Keyring,
    cal: &WorkCalendar,
) -> Result<LetterId> {
    store
        .site_letters(office, site, keys, cal, Utc::now())
        .await?
        .into_iter()
        .find(|l| l.subject == subject)
        .map(|l| l.id)
        .ok_or_else(|| Error::internal("demo letter not listed"))
}

/// A one-page PDF showing `text` (ASCII): the demo's stand-in for a scanned form.
fn demo_pdf(text: &str) -> Vec<u8> {
    let stream = format!("BT /F1 18 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_string(),
        format!(
            "<< /Length {} >>\nstream\n{stream}\nendstream",
            stream.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        pdf.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}
