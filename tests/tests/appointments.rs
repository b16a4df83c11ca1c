//! 预约办理 over HTTP, on SQLite and PostgreSQL: the site's office opens appointment slots of a
//! service item (console and API; bad input said in Chinese; not another site's office), the
//! application form offers the slots with a place left, a booking shows on the receipt and in
//! 状态查询, a full slot is refused with the form kept, six applicants pressing at once for a
//! slot of two get exactly two places, a refused application gives its place back, and the
//! applicant can give a booking up from 状态查询 with the 查询码.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use zhanqun_tests::letters::{between, fill_time, open_form_at, post};
use zhanqun_tests::services::{ServiceOffice, status_query};

const HOST: &str = "www.jiaxian.gov.cn";

/// `days` days from today (Beijing) at `hour`:00, as a `datetime-local` field sends it.
fn local(days: i64, hour: u32) -> String {
    let day = zhanqun_core::beijing::day(chrono::Utc::now()) + chrono::Duration::days(days);
    format!("{day}T{hour:02}:00")
}

#[tokio::test]
async fn slots_are_booked_up_to_their_capacity_and_never_past_it() {
    let ServiceOffice {
        t,
        a,
        b: _,
        ad,
        rv: _,
        mz,
        item,
    } = ServiceOffice::start().await;

    // The office opens a slot of one place in the console; bad input is said, not stored.
    let slots = format!("/articles/{item}/slots");
    let open = |who: &'static str, from: (i64, u32), to: (i64, u32), capacity: &'static str| {
        let (user, slots) = (if who == "mz" { &mz } else { &ad }, slots.clone());
        async move {
            user.form(
                &slots,
                &[
                    ("starts", &local(from.0, from.1)),
                    ("ends", &local(to.0, to.1)),
                    ("place", "县政务服务中心 2 号窗口"),
                    ("capacity", capacity),
                ],
            )
            .await
        }
    };
    for (from, to, capacity, said) in [
        ((2, 10), (2, 9), "1", "结束时间应晚于开始时间"),
        ((2, 9), (2, 10), "一个", "可预约人数应为整数"),
        ((2, 9), (3, 10), "1", "同一天之内"),
    ] {
        let (s, html) = open("jx", from, to, capacity).await;
        assert_eq!(s, 400, "{html}");
        assert!(html.contains(said), "{said}: {html}");
    }
    let (s, html) = open("jx", (2, 9), (2, 10), "1").await;
    assert_eq!(s, 200, "{html}");
    assert!(
        html.contains("已开放预约时段") && html.contains("0 / 1"),
        "{html}"
    );
    // Another site's administrator finds no such item, in the console or the API.
    assert_eq!(mz.page(&slots).await.0, 404);
    assert_eq!(open("mz", (3, 9), (3, 10), "9").await.0, 404);
    let api = format!("/api/v1/articles/{item}/slots");
    assert_eq!(mz.get(&api).await.status, 404);
    // A second slot of two places through the API.
    let at = zhanqun_core::beijing::start_of(
        zhanqun_core::beijing::day(chrono::Utc::now()) + chrono::Duration::days(3),
    ) + chrono::Duration::hours(9);
    let r = ad
        .post(
            &api,
            json!({"starts_at": at, "ends_at": at + chrono::Duration::hours(1),
                   "place": "县政务服务中心 2 号窗口", "capacity": 2}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let second = r.json["id"].as_i64().unwrap();
    let r = ad
        .post(
            &api,
            json!({"starts_at": at, "ends_at": at, "place": "窗口", "capacity": 2}),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.json);
    let r = ad.get(&api).await;
    assert_eq!(r.status, 200);
    let first = r.json["slots"][0]["id"].as_i64().unwrap();
    assert_eq!(r.json["slots"].as_array().unwrap().len(), 2);

    // The form offers both; the first applicant books the first.
    let path = format!("/banshi/shenqing/{item}");
    let page = t.page(HOST, &path, 200).await;
    assert!(
        page.contains("余 1 个名额") && page.contains("余 2 个名额"),
        "{page}"
    );
    let apply = |form: zhanqun_tests::letters::OpenForm, slot: String, note: String| {
        let (t, path) = (&t, path.clone());
        async move {
            post(
                t,
                HOST,
                &path,
                &[
                    ("name", "王小明"),
                    ("id_number", "110101199003078515"),
                    ("phone", "13812345678"),
                    ("note", &note),
                    ("slot", &slot),
                    ("ticket", &form.ticket),
                    ("answer", &form.answer),
                ],
            )
            .await
        }
    };
    let f1 = open_form_at(&t, HOST, &path).await;
    let f2 = open_form_at(&t, HOST, &path).await;
    let f3 = open_form_at(&t, HOST, &path).await;
    fill_time().await;
    let (s, page) = apply(f1, first.to_string(), "第一位申请人".into()).await;
    assert_eq!(s, 200, "{page}");
    assert!(
        page.contains("预约时段：") && page.contains("县政务服务中心 2 号窗口"),
        "{page}"
    );
    let receipt = between(&page, "受理编号：<strong class=\"code\">", "<").unwrap();
    let code = between(&page, "查询码：<strong class=\"code\">", "<").unwrap();
    // The slot is full: the second applicant is told so, and keeps what was typed.
    let (s, page) = apply(f2, first.to_string(), "第二位申请人的说明".into()).await;
    assert_eq!(s, 409, "{page}");
    assert!(
        page.contains("已约满") && page.contains("第二位申请人的说明"),
        "{page}"
    );
    assert!(
        !page.contains("余 1 个名额"),
        "a full slot is not offered: {page}"
    );
    let (s, page) = apply(f3, "abc".into(), "第三位申请人".into()).await;
    assert_eq!(s, 400, "{page}");
    assert!(page.contains("请从列表中选择预约时段"), "{page}");

    // 状态查询 shows the booking.
    let (s, status) = status_query(&t, &receipt, &code).await;
    assert_eq!(s, 200, "{status}");
    assert!(
        status.contains("预约时段") && status.contains("2 号窗口"),
        "{status}"
    );

    // Six applicants press at once for the slot of two: exactly two get it.
    let mut forms = Vec::new();
    for _ in 0..6 {
        forms.push(open_form_at(&t, HOST, &path).await);
    }
    fill_time().await;
    let mut forms = forms.into_iter();
    let mut next = |i: usize| {
        apply(
            forms.next().unwrap(),
            second.to_string(),
            format!("同时申请的第 {i} 位"),
        )
    };
    let (r0, r1, r2, r3, r4, r5) =
        tokio::join!(next(0), next(1), next(2), next(3), next(4), next(5));
    let answers = [r0, r1, r2, r3, r4, r5];
    let ok = answers.iter().filter(|(s, _)| *s == 200).count();
    let full = answers.iter().filter(|(s, _)| *s == 409).count();
    assert_eq!(
        (ok, full),
        (2, 4),
        "{:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    let r = ad.get(&api).await;
    let booked = |r: &zhanqun_tests::Answer, id: i64| {
        r.json["slots"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .map(|s| {
                (
                    s["booked"].as_i64().unwrap(),
                    s["capacity"].as_i64().unwrap(),
                )
            })
    };
    assert_eq!(booked(&r, second), Some((2, 2)));
    assert_eq!(booked(&r, first), Some((1, 1)));

    // One of them refused in the console: its place is free again.
    let won = answers.iter().find(|(s, _)| *s == 200).unwrap();
    let won_receipt = between(&won.1, "受理编号：<strong class=\"code\">", "<").unwrap();
    let (_, list) = ad.page(&format!("/sites/{}/applications", a.0)).await;
    assert!(
        list.contains("预约：") && list.contains(&format!("/articles/{item}/slots")),
        "{list}"
    );
    let row = &list[list.find(&won_receipt).unwrap()..];
    let id = between(row, "action=\"/applications/", "/move").unwrap();
    let (s, html) = ad
        .form(
            &format!("/applications/{id}/move"),
            &[("to", "refused"), ("note", "材料不符合要求")],
        )
        .await;
    assert_eq!(s, 200, "{html}");
    assert_eq!(booked(&ad.get(&api).await, second), Some((1, 2)));
    // The refused application no longer holds it: not shown to its applicant, nothing left
    // for a 取消预约 to give back a second time.
    let won_code = between(&won.1, "查询码：<strong class=\"code\">", "<").unwrap();
    let (_, refused) = status_query(&t, &won_receipt, &won_code).await;
    assert!(
        refused.contains("不予受理") && !refused.contains("预约时段</th>"),
        "{refused}"
    );
    assert!(
        !t.store
            .cancel_booking(
                a,
                &won_receipt,
                &zhanqun_core::letters::QueryCode::parse(&won_code).unwrap(),
                chrono::Utc::now(),
            )
            .await
            .unwrap()
    );
    assert_eq!(booked(&ad.get(&api).await, second), Some((1, 2)));
    let page = t.page(HOST, &path, 200).await;
    assert!(page.contains("余 1 个名额"), "{page}");

    // The first applicant gives the appointment up from 状态查询: the place is free, the
    // application goes on; a second click changes nothing; a wrong 查询码 cancels nothing.
    assert!(status.contains("取消预约"), "{status}");
    let cancel = |code: String| {
        let (t, receipt) = (&t, receipt.clone());
        async move {
            post(
                t,
                HOST,
                "/banshi/chaxun",
                &[("receipt", &receipt), ("code", &code), ("cancel", "slot")],
            )
            .await
        }
    };
    let (s, page) = cancel("AAAA-BBBB-CCCC".into()).await;
    assert!(s == 400 || s == 404, "{s} {page}");
    assert_eq!(booked(&ad.get(&api).await, first), Some((1, 1)));
    let (s, page) = cancel(code.clone()).await;
    assert_eq!(s, 200, "{page}");
    assert!(
        page.contains("已取消预约") && !page.contains("预约时段</th>"),
        "{page}"
    );
    assert_eq!(booked(&ad.get(&api).await, first), Some((0, 1)));
    let (s, page) = cancel(code.clone()).await;
    assert_eq!(s, 200, "{page}");
    assert!(
        !page.contains("已取消预约"),
        "nothing left to cancel: {page}"
    );
    assert_eq!(booked(&ad.get(&api).await, first), Some((0, 1)));
    // Once the slot has begun it is not given up online (the store's clock moved on).
    let kept = answers
        .iter()
        .filter(|(s, _)| *s == 200)
        .map(|(_, page)| {
            (
                between(page, "受理编号：<strong class=\"code\">", "<").unwrap(),
                between(page, "查询码：<strong class=\"code\">", "<").unwrap(),
            )
        })
        .find(|(r, _)| *r != won_receipt)
        .unwrap();
    let e = t
        .store
        .cancel_booking(
            a,
            &kept.0,
            &zhanqun_core::letters::QueryCode::parse(&kept.1).unwrap(),
            chrono::Utc::now() + chrono::Duration::days(10),
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("已经开始"), "{e}");
    assert_eq!(booked(&ad.get(&api).await, second), Some((1, 2)));

    // A double click that took the last place is answered with the same receipt, not "full".
    let r = ad
        .post(
            &api,
            json!({"starts_at": at + chrono::Duration::days(1), "ends_at": at + chrono::Duration::days(1) + chrono::Duration::hours(1),
                   "place": "县政务服务中心 2 号窗口", "capacity": 1}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    let last = r.json["id"].as_i64().unwrap();
    let form = open_form_at(&t, HOST, &path).await;
    fill_time().await;
    let (s, once) = apply(
        form.clone(),
        last.to_string(),
        "双击提交的同一份申请".into(),
    )
    .await;
    assert_eq!(s, 200, "{once}");
    let (s, twice) = apply(form, last.to_string(), "双击提交的同一份申请".into()).await;
    assert_eq!(s, 200, "{twice}");
    assert!(twice.contains("已经提交过"), "{twice}");
    assert_eq!(
        between(&once, "受理编号：<strong class=\"code\">", "<"),
        between(&twice, "受理编号：<strong class=\"code\">", "<")
    );
    assert_eq!(booked(&ad.get(&api).await, last), Some((1, 1)));

    // The office sees who booked, changes a slot's places (never below those booked), stops
    // its bookings; another site's administrator can do none of it.
    let (_, page) = ad.page(&slots).await;
    assert!(
        page.contains(&kept.0),
        "the booking of the second slot: {page}"
    );
    let (s, html) = ad
        .form(&format!("/slots/{second}/capacity"), &[("capacity", "0")])
        .await;
    assert_eq!(s, 400, "{html}");
    assert!(html.contains("已有 1 人预约"), "{html}");
    for (path, fields) in [
        (format!("/slots/{second}/capacity"), vec![("capacity", "9")]),
        (format!("/slots/{second}/close"), vec![]),
    ] {
        assert_eq!(mz.form(&path, &fields).await.0, 404, "{path}");
    }
    assert_eq!(
        mz.get(&format!("/api/v1/slots/{second}/bookings"))
            .await
            .status,
        404
    );
    assert_eq!(
        mz.post(&format!("/api/v1/slots/{second}"), json!({}))
            .await
            .status,
        404
    );
    let b = ad.get(&format!("/api/v1/slots/{second}/bookings")).await;
    assert_eq!(b.status, 200, "{}", b.json);
    assert_eq!(b.json["bookings"][0]["receipt"], kept.0.as_str());
    assert!(
        b.json["bookings"][0]["applicant"]
            .as_str()
            .unwrap()
            .contains('*')
    );
    let (s, html) = ad.form(&format!("/slots/{second}/close"), &[]).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("已停止这个时段的预约"), "{html}");
    assert_eq!(
        booked(&ad.get(&api).await, second),
        Some((1, 1)),
        "kept, no more"
    );
    let r = ad
        .post(&format!("/api/v1/slots/{first}"), json!({"capacity": 3}))
        .await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(booked(&ad.get(&api).await, first).map(|b| b.1), Some(3));
    // A slot nobody booked is removed when its bookings stop.
    let r = ad
        .post(
            &api,
            json!({"starts_at": at + chrono::Duration::days(2), "ends_at": at + chrono::Duration::days(2) + chrono::Duration::hours(1),
                   "place": "县政务服务中心 2 号窗口", "capacity": 4}),
        )
        .await;
    let empty = r.json["id"].as_i64().unwrap();
    let r = ad.post(&format!("/api/v1/slots/{empty}"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(booked(&ad.get(&api).await, empty), None);
}
