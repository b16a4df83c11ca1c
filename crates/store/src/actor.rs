//! Who does something, from where: the [`Actor`] every write takes (the principal with its
//! grants, the client address, the request id) and the audit record of what it did.

use zhanqun_core::Principal;

use crate::audit::{AuditEntry, Outcome};

/// Who does something, from where.
#[derive(Debug, Clone)]
pub struct Actor {
    pub principal: Principal,
    pub client: Option<String>,
    pub request_id: Option<String>,
}

impl Actor {
    /// The audit record of an action by this actor.
    pub fn entry(
        &self,
        role: &str,
        site_code: Option<&str>,
        action: &str,
        object: impl Into<String>,
        outcome: Outcome,
        detail: Option<String>,
    ) -> AuditEntry {
        AuditEntry {
            actor: format!("user:{}", self.principal.account.username),
            role: role.to_string(),
            site_code: site_code.map(str::to_string),
            client: self.client.clone(),
            action: action.to_string(),
            object: Some(object.into()),
            outcome,
            request_id: self.request_id.clone(),
            detail,
        }
    }
}
