//! The TOTP second factor (RFC 6238: SHA-1, 6 digits, 30-second steps, one step of skew).
//! Which step was last accepted is kept by the store, so that each code is usable once.

use chrono::{DateTime, Utc};
use totp_rs::{Builder, Secret, Totp};

use crate::{Error, Result};

fn totp(secret_b32: &str, account: &str) -> Result<Totp> {
    let secret = Secret::try_from_base32(secret_b32)
        .map_err(|e| Error::internal(format!("totp secret: {e:?}")))?;
    Builder::new()
        .with_secret(secret)
        .with_issuer(Some("zhanqun"))
        .with_account_name(account.replace(':', "_"))
        .build()
        .map_err(|e| Error::internal(format!("totp: {e:?}")))
}

/// A new random secret (160 bits), base32.
pub fn generate_secret() -> String {
    Secret::generate().to_base32()
}

/// The `otpauth://` URL an authenticator app scans.
pub fn otpauth_url(secret_b32: &str, account: &str) -> Result<String> {
    totp(secret_b32, account)?
        .to_url()
        .map_err(|e| Error::internal(format!("totp url: {e:?}")))
}

/// The step number the code matches at `now` (±1 step), if any.
pub fn check(secret_b32: &str, code: &str, now: DateTime<Utc>) -> Result<Option<u64>> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let t = u64::try_from(now.timestamp()).unwrap_or(0);
    Ok(totp(secret_b32, "-")?.check(code, t))
}

/// The code at `now` (what an authenticator app shows; used by tests and the demo).
pub fn code_at(secret_b32: &str, now: DateTime<Utc>) -> Result<String> {
    let t = u64::try_from(now.timestamp()).unwrap_or(0);
    Ok(totp(secret_b32, "-")?.generate(t).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_matches_its_step_and_neighbours_only() {
        let s = generate_secret();
        let now = Utc::now();
        let code = code_at(&s, now).unwrap_or_default();
        let step = check(&s, &code, now).unwrap_or_default();
        assert_eq!(step, Some(u64::try_from(now.timestamp()).unwrap_or(0) / 30));
        assert!(
            check(&s, &code, now + chrono::Duration::minutes(5))
                .unwrap_or_default()
                .is_none()
        );
        assert!(check(&s, "12345x", now).unwrap_or_default().is_none());
        assert!(
            otpauth_url(&s, "张三")
                .unwrap_or_default()
                .starts_with("otpauth://totp/")
        );
    }
}
