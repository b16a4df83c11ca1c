//! Steps several stories take the same way: a site's staff set up and logged in, an account of a
//! unit, the audit log holding a list of actions.

use zhanqun_core::{AccountId, ColumnId, PlatformRole, SiteId, SiteRole, UnitId};

use crate::{Fixture, TEST_PASSWORD, TestApp, User};

impl TestApp {
    /// Creates an account for each `(username, role, site)` and grants it `role` on the whole
    /// site, one after the other; then logs each in, in the same order.
    pub async fn staff<const N: usize>(&self, people: [(&str, SiteRole, SiteId); N]) -> [User; N] {
        for (name, role, site) in people {
            let id = self.account(name, None).await;
            self.grant(id, role, site, None).await;
        }
        let mut users = Vec::with_capacity(N);
        for (name, _, _) in people {
            users.push(self.login(name).await);
        }
        let Ok(users) = <[User; N]>::try_from(users) else {
            unreachable!("one user for each person")
        };
        users
    }

    /// An editor of `column` and a reviewer of the whole of `site`: both accounts created, then
    /// granted, then logged in (the editor first each time).
    pub async fn editor_and_reviewer(
        &self,
        editor: &str,
        reviewer: &str,
        site: SiteId,
        column: ColumnId,
    ) -> (User, User) {
        let ed = self.account(editor, None).await;
        let rv = self.account(reviewer, None).await;
        self.grant(ed, SiteRole::Editor, site, Some(column)).await;
        self.grant(rv, SiteRole::Reviewer, site, None).await;
        (self.login(editor).await, self.login(reviewer).await)
    }

    /// The administrator of `site` (account `admin`) and the province's auditor
    /// (`sx-auditor`): created, the administrator granted the site first, then logged in in
    /// that order.
    pub async fn admin_and_auditor(&self, admin: &str, site: SiteId) -> (User, User) {
        let id = self.account(admin, None).await;
        self.grant(id, SiteRole::SiteAdmin, site, None).await;
        self.account("sx-auditor", Some(PlatformRole::ProvinceAuditor))
            .await;
        (self.login(admin).await, self.login("sx-auditor").await)
    }

    /// The id of the unit of `site` named `name` (panics when the site has none).
    pub async fn unit(&self, site: SiteId, name: &str) -> UnitId {
        self.store
            .units(site)
            .await
            .unwrap()
            .into_iter()
            .find(|(_, n)| n == name)
            .unwrap_or_else(|| panic!("no unit {name}"))
            .0
    }

    /// Creates an account of `unit` (no platform role), shown as `display_name`.
    pub async fn unit_account(
        &self,
        username: &str,
        display_name: &str,
        unit: UnitId,
    ) -> AccountId {
        self.store
            .create_account(&zhanqun_store::NewAccount {
                username: username.into(),
                display_name: display_name.into(),
                password_hash: zhanqun_core::password::hash(TEST_PASSWORD).unwrap(),
                platform_role: None,
                must_change_password: false,
                unit: Some(unit),
            })
            .await
            .unwrap()
    }

    /// The last `limit` audit records, asserting that each of the space-separated `actions`
    /// is among them.
    pub async fn audited(&self, limit: u64, actions: &str) -> Vec<zhanqun_store::AuditRecord> {
        let records = self.store.audit_records(limit, 0).await.unwrap();
        for action in actions.split_whitespace() {
            assert!(
                records.iter().any(|r| r.action == action),
                "{action} audited"
            );
        }
        records
    }
}

/// Where the 互动交流 stories start: a fresh app with the fixture sites, 佳县's office (`o`,
/// `jx-office`, a reviewer of the site) and 米脂's administrator (`w`, `wb-admin`), set up and
/// logged in in that order.
pub struct Offices {
    pub t: TestApp,
    /// 佳县 (6108280001).
    pub a: SiteId,
    /// 米脂 (6108270001).
    pub b: SiteId,
    pub o: User,
    pub w: User,
}

impl Offices {
    /// Spawns the app and sets the two offices up.
    pub async fn start() -> Offices {
        let (t, _, a, b) = two_counties().await;
        let [o, w] = t
            .staff([
                ("jx-office", SiteRole::Reviewer, a),
                ("wb-admin", SiteRole::SiteAdmin, b),
            ])
            .await;
        Offices { t, a, b, o, w }
    }
}

/// Where the editorial stories start: a fresh app with the fixture sites, an editor of one
/// column and a reviewer of its site, set up and logged in as [`TestApp::editor_and_reviewer`]
/// does. Keep `t` bound (`t: _t` where a story does not use it): the app stops when it is
/// dropped.
pub struct Newsroom {
    pub t: TestApp,
    pub f: Fixture,
    /// The column's site.
    pub site: SiteId,
    pub column: ColumnId,
    pub ed: User,
    pub rv: User,
}

impl Newsroom {
    /// Spawns the app; `column` is the column's site code and path (`6108280001/xwzx/tzgg`), as
    /// [`Fixture::column`] takes it.
    pub async fn start(column: &str, editor: &str, reviewer: &str) -> Newsroom {
        let t = TestApp::spawn().await;
        let f = t.fixture().await;
        let (code, _) = column
            .split_once('/')
            .unwrap_or_else(|| panic!("no site code in {column}"));
        let site = f.site(code);
        let column = f.column(column);
        let (ed, rv) = t.editor_and_reviewer(editor, reviewer, site, column).await;
        Newsroom {
            t,
            f,
            site,
            column,
            ed,
            rv,
        }
    }
}

/// A fresh app with the fixture sites applied: the app, the fixture's ids, 佳县 (6108280001)
/// and 米脂 (6108270001).
pub async fn two_counties() -> (TestApp, Fixture, SiteId, SiteId) {
    let t = TestApp::spawn().await;
    let f = t.fixture().await;
    let (a, b) = (f.site("6108280001"), f.site("6108270001"));
    (t, f, a, b)
}

/// The site with `code` as `store` reads it (panics when there is none).
pub async fn site_by_code(store: &zhanqun_store::Store, code: &str) -> zhanqun_core::Site {
    store
        .site_by_code(&zhanqun_core::SiteCode::parse(code).unwrap())
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no site {code}"))
}

/// The column of `site` at `path`, found among the site's columns (panics when there is none).
pub async fn column_at(
    store: &zhanqun_store::Store,
    site: SiteId,
    path: &str,
) -> zhanqun_core::Column {
    store
        .columns(site)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.path.as_str() == path)
        .unwrap_or_else(|| panic!("no column {path}"))
}

/// A published article with `title` and `body_html`, nothing else set.
pub fn published(title: impl Into<String>, body_html: &str) -> zhanqun_store::ArticleInput {
    zhanqun_store::ArticleInput {
        title: title.into(),
        body_html: body_html.into(),
        published: true,
        ..Default::default()
    }
}

/// Whether `records` hold an `action` that ended in `outcome` (`success`, `failure`).
pub fn has_outcome(records: &[zhanqun_store::AuditRecord], action: &str, outcome: &str) -> bool {
    records
        .iter()
        .any(|r| r.action == action && r.outcome == outcome)
}

/// Whether `records` hold an `action` by `actor` (`user:NAME`).
pub fn has_actor(records: &[zhanqun_store::AuditRecord], action: &str, actor: &str) -> bool {
    records
        .iter()
        .any(|r| r.action == action && r.actor == actor)
}

/// A fresh store with the fixture sites applied (by `zhanqun_sites::apply`, as the CLI does),
/// and the ids of 佳县 (6108280001) and 米脂 (6108270001).
pub async fn fixture_store() -> (crate::TestStore, SiteId, SiteId) {
    let db = crate::fresh_store().await;
    zhanqun_sites::apply(&db.store, &crate::fixture_sites())
        .await
        .unwrap();
    let jia = crate::site_id(&db.store, "6108280001").await;
    let mi = crate::site_id(&db.store, "6108270001").await;
    (db, jia, mi)
}

impl TestApp {
    /// Starts the app on a fresh store with visits flushed by hand only (the timer is an hour)
    /// and loopback trusted as a proxy, so that each request can carry its own client address.
    pub async fn spawn_counting_visits() -> TestApp {
        TestApp::spawn_with(|c| {
            c.visits.flush_seconds = 3600;
            c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        })
        .await
    }
}

/// The id of the column of `site` at `path`, as `Store::column_by_path` finds it (panics when
/// there is none).
pub async fn column_id(store: &zhanqun_store::Store, site: SiteId, path: &str) -> ColumnId {
    store
        .column_by_path(site, path)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no column {path}"))
}
