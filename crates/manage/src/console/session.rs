//! Signing in and out, the second factor (TOTP) and its enrolment, changing one's password.

use super::*;

// ---- login --------------------------------------------------------------------------------

async fn login_page() -> Response {
    render("login.html", page(None, "", "登录", json!({})))
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

async fn login_submit(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let client = app.client_ip(Some(peer), &headers).to_string();
    match login_with(&app, &headers, &client, &f.username, &f.password).await {
        Ok((account, token)) => {
            let to = match next_step(&app, account.totp_enrolled) {
                "totp" => "/login/totp",
                "enrol" => "/login/enrol",
                _ => "/",
            };
            let cookie = auth::session_cookie(&token, auth::secure_request(&headers));
            ([(header::SET_COOKIE, cookie)], Redirect::to(to)).into_response()
        }
        Err(e) => {
            let status = zhanqun_web::status_of(e.code());
            let ctx = json!({ "error": e.public_message(), "username": f.username });
            with_status(render("login.html", page(None, "", "登录", ctx)), status)
        }
    }
}

async fn logout(State(app): State<Arc<App>>, headers: HeaderMap, a: Authed) -> PageResult {
    a.logout(&app).await?;
    let cookie = auth::clear_cookie(auth::secure_request(&headers));
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response())
}

async fn totp_page(a: Authed) -> Response {
    if !a.actor.principal.account.totp_enrolled {
        return Redirect::to("/login/enrol").into_response();
    }
    render("totp.html", page(None, "", "动态口令", json!({})))
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn totp_submit(
    State(app): State<Arc<App>>,
    a: Authed,
    Form(f): Form<CodeForm>,
) -> PageResult {
    let ok = a.verify_totp(&app, &f.code).await?;
    if ok {
        return Ok(Redirect::to("/").into_response());
    }
    let ctx = json!({ "error": "动态口令错误或已使用过，请输入新的口令" });
    Ok(with_status(
        render("totp.html", page(None, "", "动态口令", ctx)),
        StatusCode::UNAUTHORIZED,
    ))
}

async fn enrol_page(State(app): State<Arc<App>>, a: Authed) -> PageResult {
    let account = &a.actor.principal.account;
    if account.totp_enrolled {
        return Ok(Redirect::to("/login/totp").into_response());
    }
    let secret = app.store().totp_begin(account).await?;
    let url = zhanqun_core::totp::otpauth_url(&secret, &account.username)?;
    let svg = qr_svg(&url)?;
    Ok(render(
        "enrol.html",
        page(
            None,
            "",
            "绑定动态口令",
            json!({ "secret": secret, "qr_svg": svg }),
        ),
    ))
}

async fn enrol_submit(
    State(app): State<Arc<App>>,
    a: Authed,
    Form(f): Form<CodeForm>,
) -> PageResult {
    let done = a.confirm_totp(&app, &f.code).await?;
    if done {
        Ok(Redirect::to("/").into_response())
    } else {
        Ok(error_page(
            ErrorCode::InvalidInput,
            "动态口令不正确：请返回重新扫码并输入新的口令",
        ))
    }
}

async fn password_page(a: Authed) -> Response {
    render("password.html", page(Some(&a), "", "修改密码", json!({})))
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_again: String,
}

async fn password_submit(
    State(app): State<Arc<App>>,
    a: Authed,
    Form(f): Form<PasswordForm>,
) -> Response {
    let res = if f.new_password != f.new_password_again {
        Err(Error::invalid("两次输入的新密码不一致"))
    } else {
        app.store()
            .change_password(
                &a.actor,
                Some(&a.token),
                &f.current_password,
                &f.new_password,
                &zhanqun_core::password::PasswordPolicy::default(),
            )
            .await
    };
    match res {
        Ok(()) => Redirect::to("/").into_response(),
        Err(e @ (Error::InvalidInput(_) | Error::Locked(_))) => with_status(
            render(
                "password.html",
                page(
                    Some(&a),
                    "",
                    "修改密码",
                    json!({ "error": e.public_message() }),
                ),
            ),
            StatusCode::BAD_REQUEST,
        ),
        Err(e) => fail(e),
    }
}

/// The routes of this file, each with its declared access.
pub(super) fn routes(r: Routes) -> Routes {
    use Access::*;
    r.get("/login", Public, "登录页", login_page)
        .post("/login", Public, "登录", login_submit)
        .post("/logout", Password, "退出登录", logout)
        .get("/login/totp", Password, "动态口令页", totp_page)
        .post("/login/totp", Password, "提交动态口令", totp_submit)
        .get("/login/enrol", Password, "绑定动态口令页", enrol_page)
        .post("/login/enrol", Password, "确认绑定动态口令", enrol_submit)
        .get("/password", Session, "修改密码页", password_page)
        .post("/password", Session, "修改密码", password_submit)
}
