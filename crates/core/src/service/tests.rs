//! The unit tests of `service.rs`, kept apart so that the rules stay a file a reader can hold.

use super::*;

pub fn complete() -> ServiceGuide {
    ServiceGuide {
        item_type: "行政许可".into(),
        basis: "《中华人民共和国市场主体登记管理条例》".into(),
        conditions: "具有完全民事行为能力".into(),
        agency: "县市场监督管理局".into(),
        fee: "不收费".into(),
        process: "申请\n受理\n审查\n决定".into(),
        place: "县政务服务中心二楼".into(),
        hours: "工作日 9:00-17:00".into(),
        consult_phone: "0912-6722699".into(),
        materials: vec![Material {
            name: "申请书".into(),
            form: Some("/media/abc123.docx".into()),
            ..Material::default()
        }],
        ..ServiceGuide::default()
    }
}

#[test]
fn a_complete_guide_is_publishable() {
    let g = complete().cleaned().unwrap();
    assert!(publishable("企业开办", &g, &Element::NATIONAL).is_ok());
}

#[test]
fn every_missing_key_element_is_named() {
    let mut g = complete();
    g.basis = "  ".into();
    g.materials.clear();
    let err = publishable("企业开办", &g, &Element::NATIONAL).unwrap_err();
    assert_eq!(
        err.to_string(),
        "办事指南缺少关键要素：设定依据、申请材料。补齐后才能送审和发布"
    );
    assert!(publishable("", &complete(), &[Element::Name]).is_err());
    // A configured list asks for less (or more).
    assert!(publishable("企业开办", &g, &[Element::Name, Element::Place]).is_ok());
    assert!(publishable("企业开办", &complete(), &[Element::ComplaintPhone]).is_err());
}

#[test]
fn cleaning_refuses_what_a_department_should_fix() {
    let mut g = complete();
    g.item_type = "行政审批".into();
    assert!(g.cleaned().unwrap_err().to_string().contains("事项类型"));
    let mut g = complete();
    g.materials[0].form = Some("https://evil.example/x.docx".into());
    assert!(
        g.cleaned()
            .unwrap_err()
            .to_string()
            .contains("第 1 项材料的电子表单")
    );
    let mut g = complete();
    g.materials.push(Material {
        kind: "原件".into(),
        ..Material::default()
    });
    assert_eq!(
        g.cleaned().unwrap_err().to_string(),
        "第 2 项材料没有填写名称"
    );
    let mut g = complete();
    g.basis = "依据\u{0}".into();
    assert!(g.cleaned().is_err());
    // Blank material rows (the form's spare lines) are dropped.
    let mut g = complete();
    g.materials.push(Material::default());
    assert_eq!(g.cleaned().unwrap().materials.len(), 1);
}

#[test]
fn the_kept_mask_says_what_missing_says() {
    let mut g = complete();
    let all = required_mask(&Element::ALL);
    assert_eq!(all, (1 << 20) - 1, "every element has its own bit");
    let national = required_mask(&Element::NATIONAL);
    assert_eq!(present_mask("企业开办", &g) & national, national);
    assert_eq!(
        present_mask("企业开办", &g) & Element::ComplaintPhone.bit(),
        0
    );
    g.basis = " ".into();
    g.materials.clear();
    let mask = present_mask("企业开办", &g);
    assert_ne!(mask & national, national);
    assert_eq!(
        missing("企业开办", &g, &Element::NATIONAL),
        vec![Element::Basis, Element::Materials]
    );
    assert_eq!(mask & Element::Basis.bit(), 0);
    assert_eq!(mask & Element::Materials.bit(), 0);
    assert_eq!(present_mask("", &g) & Element::Name.bit(), 0);
}

#[test]
fn media_links_and_revision_text() {
    let mut g = complete();
    g.result_sample = Some("/media/r1.pdf".into());
    g.materials.push(Material {
        name: "身份证".into(),
        sample: Some("/media/abc123.docx".into()),
        ..Material::default()
    });
    assert_eq!(g.media_links(), vec!["/media/r1.pdf", "/media/abc123.docx"]);
    let text = g.revision_text();
    assert!(text.contains("设定依据：《中华人民共和国市场主体登记管理条例》"));
    assert!(text.contains("申请材料：申请书"));
}

#[test]
fn the_veto_turns_on_and_off() {
    let mut s = ServiceStanding {
        expected: true,
        ..ServiceStanding::default()
    };
    assert!(s.failure().unwrap().contains("未提供任何办事服务事项"));
    s.items = 3;
    assert_eq!(s.failure(), None);
    s.incomplete.push("企业开办".into());
    s.broken_links = 2;
    let why = s.failure().unwrap();
    assert!(why.contains("1 个事项的办事指南缺少关键要素（如“企业开办”）"));
    assert!(why.contains("2 个表格或样本无法下载"));
    // A department site with no services is not expected to list any.
    let d = ServiceStanding::default();
    assert_eq!(d.failure(), None);
}

#[test]
fn audiences() {
    assert!(Audience::Both.serves(Audience::Person));
    assert!(Audience::Legal.serves(Audience::Legal));
    assert!(!Audience::Legal.serves(Audience::Person));
    assert_eq!(Audience::parse("legal").unwrap(), Audience::Legal);
    assert!(Audience::parse("x").is_err());
}

#[test]
fn time_limits_are_read_as_guides_write_them() {
    use chrono::TimeZone;
    assert_eq!(TimeLimit::parse("即时办结"), Some(TimeLimit::Immediate));
    assert_eq!(
        TimeLimit::parse(" 5 个工作日"),
        Some(TimeLimit::WorkingDays(5))
    );
    assert_eq!(TimeLimit::parse("30日"), Some(TimeLimit::Days(30)));
    assert_eq!(TimeLimit::parse("视情况而定"), None);
    assert_eq!(TimeLimit::parse("0个工作日"), None);
    let cal = crate::timeliness::WorkCalendar::default();
    // Friday 2026-12-04 10:00 Beijing: 1 working day ends Monday night; 1 day, Saturday.
    let fri = crate::beijing::OFFSET
        .with_ymd_and_hms(2026, 12, 4, 10, 0, 0)
        .unwrap()
        .with_timezone(&chrono::Utc);
    let day = |t: chrono::DateTime<chrono::Utc>| crate::beijing::day(t).to_string();
    assert_eq!(day(TimeLimit::WorkingDays(1).due(&cal, fri)), "2026-12-07");
    assert_eq!(day(TimeLimit::Days(1).due(&cal, fri)), "2026-12-05");
    assert_eq!(day(TimeLimit::Immediate.due(&cal, fri)), "2026-12-04");
}

#[test]
fn an_item_is_fully_online_when_its_channels_say_so_and_name_no_visit() {
    let with = |c: &str| ServiceGuide {
        channels: c.into(),
        ..ServiceGuide::default()
    };
    for yes in [
        "全程网办",
        "网上办理（全程网上办理，无需到场）",
        "网上办理",
        "在线办理、网上申报",
        "网上办理（无需到现场）",
        "网上办理，无需上门",
    ] {
        assert!(with(yes).fully_online(), "{yes}");
    }
    for no in [
        "窗口办理、网上办理",
        "网上办理、快递申请",
        "网上办理、线下办理",
        "网上办理或到政务服务大厅办理",
        "暂不支持全程网办",
        "不支持网上办理",
        "窗口办理",
        "",
    ] {
        assert!(!with(no).fully_online(), "{no}");
    }
}
