//! Who may do what: site roles, grants scoped to a site or a column subtree, and the decision
//! rules. Pure functions over data the store loads; every write path asks [`Principal::may`]
//! and refuses when the answer is no, whatever the request says.

use serde::Serialize;

use crate::model::{Account, PlatformRole};
use crate::{AccountId, ColumnId, Error, GrantId, Result, SiteId};

crate::model::text_enum!(
    /// Roles held on a site, or on a column and its subtree (the delegated column permission).
    SiteRole {
        SiteAdmin => "site_admin" / "网站管理员",
        Editor => "editor" / "编辑",
        Reviewer => "reviewer" / "审核员",
        Signer => "signer" / "签发人",
    }
);

impl SiteRole {
    /// Whether the role is held on a whole site only. A site administrator scoped to a column
    /// acted on the whole site anyway (issue 18, row 15), so such a grant is refused.
    pub fn site_wide(self) -> bool {
        self == SiteRole::SiteAdmin
    }
}

/// Checks the scope of a grant before it is given.
pub fn check_grant_scope(role: SiteRole, column: Option<ColumnId>) -> Result<()> {
    if role.site_wide() && column.is_some() {
        return Err(Error::invalid(format!(
            "{}的授权针对整个网站，不能限定栏目；请把栏目留空，或改授编辑、审核员等栏目角色",
            role.label()
        )));
    }
    Ok(())
}

impl PlatformRole {
    /// The three administrators kept apart (三权分立): system, security and audit.
    pub fn separated(self) -> bool {
        matches!(
            self,
            PlatformRole::SystemAdmin | PlatformRole::SecurityAdmin | PlatformRole::AuditAdmin
        )
    }
}

/// 三权分立 (issue 18, row 16): in the console none of the three administrators disables or
/// demotes another of them (the system administrator could disable the audit administrator,
/// and then nobody could read the audit log). Replacing one is done on the server with
/// `zhanqun accounts`, audited.
pub fn check_administrator_change(target: Option<PlatformRole>) -> Result<()> {
    match target {
        Some(r) if r.separated() => Err(Error::forbidden(format!(
            "三权分立：不能在控制台停用或撤换{}；如需更换，请由运维人员在服务器上使用 zhanqun accounts 命令办理（记入审计日志）",
            r.label()
        ))),
        _ => Ok(()),
    }
}

/// One grant: `role` on `site`, or only on `column` and the columns below it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub id: GrantId,
    pub account_id: AccountId,
    pub role: SiteRole,
    pub site_id: SiteId,
    pub column_id: Option<ColumnId>,
}

/// What an actor wants to do with content in a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Act {
    /// See drafts and workflow state (public content needs no right).
    Read,
    /// Create and edit drafts, submit them.
    Edit,
    /// Approve or reject a submitted article (初审).
    Review,
    /// Sign off or reject a reviewed article (签发).
    Sign,
    /// Take a published article off every site (撤稿).
    Withdraw,
    /// Pin, or put in the home-page slot.
    Pin,
    /// Enter an item by hand into a reprint source that feeds the column. The item becomes a
    /// draft of the column and fans out to the subscribing sites only once the site's review
    /// and sign-off publish it; entering it is for those who answer for the column's content.
    EnterReprint,
}

impl Act {
    pub fn label(self) -> &'static str {
        match self {
            Act::Read => "查看",
            Act::Edit => "编辑",
            Act::Review => "审核",
            Act::Sign => "签发",
            Act::Withdraw => "撤稿",
            Act::Pin => "置顶",
            Act::EnterReprint => "录入转载信息",
        }
    }

    /// The site roles that allow the act (platform roles never edit content: 三权分立).
    fn roles(self) -> &'static [SiteRole] {
        match self {
            Act::Read => &[
                SiteRole::SiteAdmin,
                SiteRole::Editor,
                SiteRole::Reviewer,
                SiteRole::Signer,
            ],
            Act::Edit => &[SiteRole::Editor, SiteRole::SiteAdmin],
            Act::Review => &[SiteRole::Reviewer],
            Act::Sign => &[SiteRole::Signer],
            Act::Withdraw => &[SiteRole::SiteAdmin, SiteRole::Signer],
            Act::Pin => &[SiteRole::SiteAdmin, SiteRole::Reviewer],
            Act::EnterReprint => &[SiteRole::SiteAdmin, SiteRole::Reviewer],
        }
    }
}

/// An authenticated account with its grants: what every back-office decision is made on.
#[derive(Debug, Clone, Serialize)]
pub struct Principal {
    pub account: Account,
    pub grants: Vec<Grant>,
}

impl Principal {
    /// The account's row id (what the audit log and the store's rows hold).
    pub fn id(&self) -> i64 {
        self.account.id.0
    }

    pub fn platform_role(&self) -> Option<PlatformRole> {
        self.account.platform_role
    }

    pub fn is(&self, role: PlatformRole) -> bool {
        self.account.platform_role == Some(role)
    }

    /// Grants that apply to a column whose ancestry (itself first, then its parents) is given.
    pub fn grants_covering<'a>(
        &'a self,
        site: SiteId,
        ancestry: &'a [ColumnId],
    ) -> impl Iterator<Item = &'a Grant> + 'a {
        self.grants.iter().filter(move |g| {
            g.site_id == site
                && (g.role == SiteRole::SiteAdmin
                    || g.column_id.is_none_or(|c| ancestry.contains(&c)))
        })
    }

    /// The first role that allows `act` in the column, if any.
    pub fn role_for(&self, act: Act, site: SiteId, ancestry: &[ColumnId]) -> Option<SiteRole> {
        self.grants_covering(site, ancestry)
            .map(|g| g.role)
            .find(|r| act.roles().contains(r))
    }

    /// Whether the actor may do `act` in the column. The province auditor may read everything
    /// and change nothing.
    pub fn may(&self, act: Act, site: SiteId, ancestry: &[ColumnId]) -> bool {
        if act == Act::Read && self.is(PlatformRole::ProvinceAuditor) {
            return true;
        }
        self.role_for(act, site, ancestry).is_some()
    }

    /// `Ok(role)` when allowed, else a Forbidden error naming the missing right.
    pub fn require(&self, act: Act, site: SiteId, ancestry: &[ColumnId]) -> Result<String> {
        if let Some(r) = self.role_for(act, site, ancestry) {
            return Ok(r.as_str().to_string());
        }
        if act == Act::Read && self.is(PlatformRole::ProvinceAuditor) {
            return Ok(PlatformRole::ProvinceAuditor.as_str().to_string());
        }
        Err(Error::forbidden(format!(
            "您没有在该栏目“{}”的权限",
            act.label()
        )))
    }

    /// Whether any grant on `site` allows `act` somewhere on it (site-wide things such as the
    /// media library, which every editor of the site uses).
    pub fn may_on_site(&self, act: Act, site: SiteId) -> bool {
        self.grants
            .iter()
            .any(|g| g.site_id == site && act.roles().contains(&g.role))
            || (act == Act::Read && self.is(PlatformRole::ProvinceAuditor))
    }

    /// Whether the actor administers `site` (a site administrator's grant is site-wide).
    pub fn is_site_admin(&self, site: SiteId) -> bool {
        self.grants
            .iter()
            .any(|g| g.site_id == site && g.role == SiteRole::SiteAdmin)
    }

    /// Whether the actor is the office of `site` for letters from the public (互动交流): its
    /// administrators and reviewers, who assign letters, review replies and may open the
    /// writers' personal data.
    pub fn is_letter_office(&self, site: SiteId) -> bool {
        self.is_site_admin(site) || self.may_on_site(Act::Review, site)
    }

    /// The sites whose letter office the actor is.
    pub fn letter_office_sites(&self) -> Vec<SiteId> {
        let mut s: Vec<SiteId> = self
            .grants
            .iter()
            .filter(|g| matches!(g.role, SiteRole::SiteAdmin | SiteRole::Reviewer))
            .map(|g| g.site_id)
            .collect();
        s.sort();
        s.dedup();
        s
    }

    /// The sites the actor administers.
    pub fn admin_sites(&self) -> Vec<SiteId> {
        let mut s: Vec<SiteId> = self
            .grants
            .iter()
            .filter(|g| g.role == SiteRole::SiteAdmin)
            .map(|g| g.site_id)
            .collect();
        s.sort();
        s.dedup();
        s
    }

    /// Whether the actor sees every site's content, records and statistics: the province
    /// auditor (reads everything, changes nothing).
    pub fn sees_every_site(&self) -> bool {
        self.is(PlatformRole::ProvinceAuditor)
    }

    /// Whether the actor sees this site's drafts, records and statistics: any role on it, or
    /// the province auditor.
    pub fn sees_site(&self, site: SiteId) -> bool {
        self.sees_every_site() || self.grants.iter().any(|g| g.site_id == site)
    }

    /// What an account without the right to something of `site` is told: `forbidden` when it
    /// sees the site, else `missing` (another site's things are not there at all for it).
    pub fn refusal(&self, site: SiteId, forbidden: &str, missing: &str) -> Error {
        if self.sees_site(site) {
            Error::forbidden(forbidden)
        } else {
            Error::not_found(missing)
        }
    }

    /// Whether the actor lists every site (not their content): the province auditor, and the
    /// system and security administrators, who manage sites, accounts and grants.
    pub fn lists_every_site(&self) -> bool {
        matches!(
            self.platform_role(),
            Some(
                PlatformRole::ProvinceAuditor
                    | PlatformRole::SystemAdmin
                    | PlatformRole::SecurityAdmin
            )
        )
    }

    /// The sites the actor holds any grant on.
    pub fn sites(&self) -> Vec<SiteId> {
        let mut s: Vec<SiteId> = self.grants.iter().map(|g| g.site_id).collect();
        s.sort();
        s.dedup();
        s
    }

    /// The role text recorded in the audit log for actions not tied to a column.
    pub fn role_text(&self) -> String {
        if let Some(r) = self.account.platform_role {
            return r.as_str().to_string();
        }
        let mut roles: Vec<&str> = self.grants.iter().map(|g| g.role.as_str()).collect();
        roles.sort();
        roles.dedup();
        if roles.is_empty() {
            "-".into()
        } else {
            roles.join(",")
        }
    }

    /// Requires a platform role (accounts, grants, audit, sites).
    pub fn require_platform(&self, role: PlatformRole) -> Result<()> {
        if self.is(role) {
            Ok(())
        } else {
            Err(Error::forbidden(format!("此操作仅限{}", role.label())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(
        role: Option<PlatformRole>,
        grants: Vec<(SiteRole, i64, Option<i64>)>,
    ) -> Principal {
        Principal {
            account: Account {
                id: AccountId(7),
                username: "u".into(),
                display_name: "u".into(),
                platform_role: role,
                disabled: false,
                must_change_password: false,
                unit_id: None,
                totp_enrolled: true,
            },
            grants: grants
                .into_iter()
                .enumerate()
                .map(|(i, (role, s, c))| Grant {
                    id: GrantId(i as i64),
                    account_id: AccountId(7),
                    role,
                    site_id: SiteId(s),
                    column_id: c.map(ColumnId),
                })
                .collect(),
        }
    }

    #[test]
    fn a_refusal_hides_another_sites_things() {
        let p = principal(None, vec![(SiteRole::Editor, 1, None)]);
        let own = p.refusal(SiteId(1), "只有办公室可以办理", "留言不存在");
        assert_eq!(own.code().http_status(), 403);
        assert_eq!(own.public_message(), "只有办公室可以办理");
        let other = p.refusal(SiteId(2), "只有办公室可以办理", "留言不存在");
        assert_eq!(other.code().http_status(), 404);
        assert_eq!(other.public_message(), "留言不存在");
        let auditor = principal(Some(PlatformRole::ProvinceAuditor), vec![]);
        assert_eq!(
            auditor
                .refusal(SiteId(2), "只读", "不存在")
                .code()
                .http_status(),
            403
        );
    }

    #[test]
    fn column_grant_covers_its_subtree_only() {
        let p = principal(None, vec![(SiteRole::Editor, 1, Some(10))]);
        // column 11 under 10
        assert!(p.may(Act::Edit, SiteId(1), &[ColumnId(11), ColumnId(10)]));
        assert!(p.may(Act::Edit, SiteId(1), &[ColumnId(10)]));
        assert!(!p.may(Act::Edit, SiteId(1), &[ColumnId(12)]));
        assert!(!p.may(Act::Edit, SiteId(2), &[ColumnId(10)]));
        assert!(!p.may(Act::Review, SiteId(1), &[ColumnId(10)]));
        assert!(!p.may(Act::Withdraw, SiteId(1), &[ColumnId(10)]));
    }

    #[test]
    fn site_admin_covers_the_site_even_with_a_column() {
        let p = principal(None, vec![(SiteRole::SiteAdmin, 1, None)]);
        assert!(p.may(Act::Edit, SiteId(1), &[ColumnId(99)]));
        assert!(!p.may(Act::Review, SiteId(1), &[ColumnId(99)]));
        assert!(!p.may(Act::Read, SiteId(2), &[ColumnId(5)]));
    }

    #[test]
    fn reprint_items_are_entered_by_those_who_answer_for_the_column() {
        let fed = [ColumnId(11), ColumnId(10)];
        let allowed = |role, column: Option<i64>| {
            principal(None, vec![(role, 1, column)]).may(Act::EnterReprint, SiteId(1), &fed)
        };
        assert!(allowed(SiteRole::SiteAdmin, None));
        assert!(allowed(SiteRole::Reviewer, Some(10)));
        assert!(
            !allowed(SiteRole::Reviewer, Some(12)),
            "another column's reviewer"
        );
        assert!(
            !allowed(SiteRole::Editor, Some(11)),
            "the fed column's own editor"
        );
        assert!(!allowed(SiteRole::Signer, None));
        let other_site = principal(None, vec![(SiteRole::SiteAdmin, 2, None)]);
        assert!(!other_site.may(Act::EnterReprint, SiteId(1), &fed));
    }

    #[test]
    fn site_wide_roles_take_no_column_and_administrators_stay_apart() {
        assert!(check_grant_scope(SiteRole::SiteAdmin, Some(ColumnId(3))).is_err());
        assert!(check_grant_scope(SiteRole::SiteAdmin, None).is_ok());
        assert!(check_grant_scope(SiteRole::Editor, Some(ColumnId(3))).is_ok());
        for r in [
            PlatformRole::SystemAdmin,
            PlatformRole::SecurityAdmin,
            PlatformRole::AuditAdmin,
        ] {
            assert!(check_administrator_change(Some(r)).is_err(), "{r:?}");
        }
        assert!(check_administrator_change(Some(PlatformRole::ProvinceAuditor)).is_ok());
        assert!(check_administrator_change(None).is_ok());
    }

    #[test]
    fn auditor_reads_everything_changes_nothing() {
        let p = principal(Some(PlatformRole::ProvinceAuditor), vec![]);
        assert!(p.may(Act::Read, SiteId(3), &[ColumnId(1)]));
        for act in [
            Act::Edit,
            Act::Review,
            Act::Sign,
            Act::Withdraw,
            Act::Pin,
            Act::EnterReprint,
        ] {
            assert!(!p.may(act, SiteId(3), &[ColumnId(1)]));
            assert!(p.require(act, SiteId(3), &[ColumnId(1)]).is_err());
        }
    }

    #[test]
    fn platform_admins_have_no_content_rights() {
        for role in [
            PlatformRole::SystemAdmin,
            PlatformRole::SecurityAdmin,
            PlatformRole::AuditAdmin,
        ] {
            let p = principal(Some(role), vec![]);
            assert!(!p.may(Act::Read, SiteId(1), &[ColumnId(1)]));
        }
    }

    #[test]
    fn named_visibility() {
        let admin = principal(
            None,
            vec![
                (SiteRole::SiteAdmin, 1, None),
                (SiteRole::Editor, 2, Some(7)),
            ],
        );
        assert!(admin.is_site_admin(SiteId(1)) && !admin.is_site_admin(SiteId(2)));
        assert_eq!(admin.admin_sites(), vec![SiteId(1)]);
        assert!(
            admin.sees_site(SiteId(1)) && admin.sees_site(SiteId(2)) && !admin.sees_site(SiteId(3))
        );
        assert!(!admin.sees_every_site() && !admin.lists_every_site());
        let auditor = principal(Some(PlatformRole::ProvinceAuditor), vec![]);
        assert!(
            auditor.sees_every_site() && auditor.sees_site(SiteId(3)) && auditor.lists_every_site()
        );
        assert!(!auditor.is_site_admin(SiteId(3)));
        let sys = principal(Some(PlatformRole::SystemAdmin), vec![]);
        assert!(sys.lists_every_site() && !sys.sees_every_site() && !sys.sees_site(SiteId(1)));
        let audit_admin = principal(Some(PlatformRole::AuditAdmin), vec![]);
        assert!(!audit_admin.lists_every_site() && !audit_admin.sees_site(SiteId(1)));
    }
}
