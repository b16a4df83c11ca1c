//! The public letter form as a person fills it in: open the page, read the ticket and the human
//! check's question off it, answer it, send. Used by the letter story tests and the flood test.

use crate::TestApp;

/// A letter form as handed out: its ticket and the answer to its question.
#[derive(Clone)]
pub struct OpenForm {
    pub ticket: String,
    pub answer: String,
}

const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

/// Opens `/hudong/xiexin` on `host` and reads the ticket and the question as a person would.
pub async fn open_form(app: &TestApp, host: &str) -> OpenForm {
    open_form_at(app, host, "/hudong/xiexin").await
}

/// Opens the form page `path` on `host` (a letter form, a survey) and reads its ticket and
/// question.
pub async fn open_form_at(app: &TestApp, host: &str, path: &str) -> OpenForm {
    let page = app.page(host, path, 200).await;
    let ticket = between(&page, "name=\"ticket\" value=\"", "\"").expect("ticket on the form");
    let question = between(&page, "请回答：", "等于几").expect("question on the form");
    let (a, b) = question.split_once('加').expect("a sum");
    let n = |s: &str| DIGITS.iter().position(|d| *d == s).expect("a digit");
    OpenForm {
        ticket,
        answer: (n(a) + n(b)).to_string(),
    }
}

/// Waits as long as a person at least takes to fill the form in.
pub async fn fill_time() {
    tokio::time::sleep(std::time::Duration::from_secs(
        zhanqun_core::form::MIN_FILL_SECONDS as u64,
    ))
    .await;
}

/// Posts the form with `fields` (the ticket and answer of `form` added): status and HTML.
pub async fn send(
    app: &TestApp,
    host: &str,
    form: &OpenForm,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    all.push(("ticket", &form.ticket));
    all.push(("answer", &form.answer));
    post(app, host, "/hudong/xiexin", &all).await
}

/// A form POST on the public listener: status and HTML.
pub async fn post(app: &TestApp, host: &str, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let res = app
        .client
        .post(format!("http://{}{path}", app.public))
        .header("host", host)
        .form(fields)
        .send()
        .await
        .expect("request");
    (res.status().as_u16(), res.text().await.unwrap_or_default())
}

/// A form POST with files, as a browser sends it when files are chosen
/// (`multipart/form-data`; every file under the field `file_field`): status and HTML.
pub async fn post_files(
    app: &TestApp,
    host: &str,
    path: &str,
    fields: &[(&str, &str)],
    file_field: &str,
    files: &[(&str, Vec<u8>)],
) -> (u16, String) {
    let mut body = reqwest::multipart::Form::new();
    for (k, v) in fields {
        body = body.text(k.to_string(), v.to_string());
    }
    for (name, bytes) in files {
        body = body.part(
            file_field.to_string(),
            reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.to_string()),
        );
    }
    let res = app
        .client
        .post(format!("http://{}{path}", app.public))
        .header("host", host)
        .multipart(body)
        .send()
        .await
        .expect("request");
    (res.status().as_u16(), res.text().await.unwrap_or_default())
}

/// The text between `start` and the next `end`.
pub fn between(s: &str, start: &str, end: &str) -> Option<String> {
    let from = s.find(start)? + start.len();
    let to = s[from..].find(end)? + from;
    Some(s[from..to].to_string())
}

/// A consultation as the demo's writer sends it, public, with a phone and an ID number.
pub fn consultation() -> Vec<(&'static str, &'static str)> {
    vec![
        ("kind", "consultation"),
        ("subject", "咨询新生儿医保办理"),
        ("body", "请问新生儿医保在哪里办理，需要带哪些材料？"),
        ("name", "张三"),
        ("phone", "138 1234 5678"),
        ("id_number", "11010519491231002x"),
        ("address", "佳县佳芦镇"),
        ("public", "1"),
    ]
}
