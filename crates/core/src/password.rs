//! Passwords: the policy (等保 defaults, configurable), argon2id hashing, and generated
//! first-start passwords. Hashes are PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$…`).

use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};

use crate::Error;

const COMMON: &str = include_str!("../data/common-passwords.txt");

/// The password policy. Defaults follow 等保 level 3: at least 8 characters from at least 3 of
/// the 4 classes (lower case, upper case, digits, symbols); common passwords and passwords that
/// contain the user name are refused; up to 128 characters, nothing truncated.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PasswordPolicy {
    pub min_length: usize,
    pub min_classes: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            min_length: 8,
            min_classes: 3,
        }
    }
}

pub const MAX_LENGTH: usize = 128;

fn classes(p: &str) -> usize {
    let lower = p.chars().any(|c| c.is_lowercase());
    let upper = p.chars().any(|c| c.is_uppercase());
    let digit = p.chars().any(|c| c.is_ascii_digit());
    // Symbols, and characters without case such as 汉字.
    let other = p
        .chars()
        .any(|c| !c.is_ascii_digit() && !c.is_lowercase() && !c.is_uppercase());
    [lower, upper, digit, other].iter().filter(|b| **b).count()
}

impl PasswordPolicy {
    /// Checks a new password; the message says what to change.
    pub fn check(&self, password: &str, username: &str) -> Result<(), Error> {
        let n = password.chars().count();
        if n < self.min_length {
            return Err(Error::invalid(format!(
                "密码太短：至少 {} 个字符",
                self.min_length
            )));
        }
        if n > MAX_LENGTH {
            return Err(Error::invalid(format!(
                "密码太长：最多 {MAX_LENGTH} 个字符"
            )));
        }
        if classes(password) < self.min_classes {
            return Err(Error::invalid(format!(
                "密码须包含小写字母、大写字母、数字、符号中的至少 {} 类",
                self.min_classes
            )));
        }
        let folded = password.to_lowercase();
        if COMMON
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .any(|c| c.to_lowercase() == folded)
        {
            return Err(Error::invalid("这是常见密码，容易被猜中，请换一个"));
        }
        let user = username.trim().to_lowercase();
        if user.chars().count() >= 3 && folded.contains(&user) {
            return Err(Error::invalid("密码不能包含用户名"));
        }
        Ok(())
    }
}

/// Hashes a password with argon2id (m=19456 KiB, t=2, p=1) and a random salt.
pub fn hash(password: &str) -> Result<String, Error> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| Error::internal(format!("argon2: {e}")))
}

/// Whether `password` matches the stored PHC hash. A malformed hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(h) => Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok(),
        Err(_) => false,
    }
}

/// A random password of 20 characters from all four classes (OS randomness), for the first
/// system administrator: shown once, never stored in clear.
pub fn generate() -> String {
    const LOWER: &[u8] = b"abcdefghjkmnpqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ";
    const DIGIT: &[u8] = b"23456789";
    const SYMBOL: &[u8] = b"!@#%^*-_=+?";
    let mut bytes = argon2::password_hash::generate_salt().to_vec();
    bytes.extend_from_slice(&argon2::password_hash::generate_salt());
    let sets = [LOWER, UPPER, DIGIT, SYMBOL];
    bytes
        .iter()
        .take(20)
        .enumerate()
        .map(|(i, b)| {
            // The first four characters cover every class; the rest draw from all of them.
            let set = if i < 4 {
                sets[i]
            } else {
                sets[usize::from(b >> 6) % 4]
            };
            char::from(set[usize::from(*b) % set.len()])
        })
        .collect()
}

/// 16 random bytes from the operating system's generator (for tokens).
pub fn random_bytes() -> [u8; 16] {
    argon2::password_hash::generate_salt()
}

/// Folds a user name for uniqueness: `Admin`, `ADMIN` and `admin` are one account.
pub fn fold_username(name: &str) -> String {
    name.trim().to_lowercase()
}

/// Whether a secret someone sent equals the configured one, in time that does not depend on
/// where they differ (tokens such as the metrics token).
pub fn same_secret(given: &str, expected: &str) -> bool {
    let (a, b) = (given.as_bytes(), expected.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_table() {
        let p = PasswordPolicy::default();
        let cases = [
            ("Sx7#kq2m", true),
            ("short1A", false),
            ("alllowercase", false),
            ("lower123456", false),
            ("Lower123456", true),
            ("Aa123456", false),
            ("P@ssw0rd", false),
            ("Jiaxian-2026-editor", true),
            ("长密码也可以用中文字符1A", true),
        ];
        for (pw, ok) in cases {
            assert_eq!(p.check(pw, "editor7").is_ok(), ok, "{pw}");
        }
        assert!(
            p.check("Editor7-abc", "editor7").is_err(),
            "contains the user name"
        );
        assert!(
            p.check(&format!("Aa1!{}", "x".repeat(125)), "u").is_err(),
            "over 128"
        );
        assert!(
            p.check(&format!("Aa1!{}", "x".repeat(100)), "u").is_ok(),
            "long passwords are fine"
        );
        let lax = PasswordPolicy {
            min_length: 12,
            min_classes: 1,
        };
        assert!(lax.check("correcthorsebattery", "u").is_ok());
    }

    #[test]
    fn hashing_and_generated_passwords() {
        let g = generate();
        assert_eq!(g.chars().count(), 20);
        assert!(PasswordPolicy::default().check(&g, "admin").is_ok(), "{g}");
        assert_ne!(generate(), g);
        let h = hash(&g).unwrap_or_default();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify(&g, &h));
        assert!(!verify("wrong", &h));
        assert!(!verify(&g, "not a hash"));
        assert_eq!(fold_username("  Admin "), "admin");
    }
}
