//! Personal data encrypted per field. A letter's name, phone, e-mail, ID number and address are
//! stored sealed: XChaCha20-Poly1305 with a random 24-byte nonce per value, under a key that is
//! not in the database (a key file the operator keeps, see `Keyring::parse`). Each value is
//! bound to its place — the field's name and the record's id are the associated data — so a
//! sealed value copied into another field or another letter does not open.
//!
//! Rotation: the key file lists keys newest first; values are sealed with the first and open
//! with whichever key their prefix names, so a new key is added at the top, old values are
//! re-sealed in the background (`Keyring::is_current`), and the old key is removed once none is
//! left.
//!
//! Sealed form: `v1.<key id>.<hex of nonce ‖ ciphertext ‖ tag>`; a file (a letter's attachment,
//! an application's material) is kept as bytes, `v1.<key id>.` and the nonce ‖ ciphertext ‖ tag
//! themselves (`Keyring::seal_blob`), half the size.

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::Error;

/// One key of the key file: a short name and 32 secret bytes.
struct FieldKey {
    id: String,
    cipher: XChaCha20Poly1305,
}

/// The keys personal data is sealed with, newest first.
pub struct Keyring {
    keys: Vec<FieldKey>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key bytes.
        let ids: Vec<&str> = self.keys.iter().map(|k| k.id.as_str()).collect();
        f.debug_struct("Keyring").field("keys", &ids).finish()
    }
}

/// A key's id: letters, digits and `-`, at most 16.
pub fn check_key_id(id: &str) -> Result<(), Error> {
    if id.is_empty() || id.len() > 16 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(Error::invalid(
            "密钥编号只能由字母、数字和 - 组成，最长 16 位",
        ));
    }
    Ok(())
}

impl Keyring {
    /// Reads a key file: one key a line, `<id> <64 hex digits>`, newest first; `#` starts a
    /// comment. Ids are letters, digits and `-` (at most 16), each once.
    pub fn parse(text: &str) -> Result<Keyring, Error> {
        let mut keys: Vec<FieldKey> = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let wrong = |why: &str| Error::invalid(format!("密钥文件第 {} 行：{why}", n + 1));
            let (id, hex_key) = line
                .split_once(char::is_whitespace)
                .ok_or_else(|| wrong("应为“编号 64位十六进制密钥”"))?;
            let hex_key = hex_key.trim();
            check_key_id(id).map_err(|e| wrong(&e.public_message()))?;
            if keys.iter().any(|k| k.id == id) {
                return Err(wrong("密钥编号重复"));
            }
            let bytes = hex::decode(hex_key).map_err(|_| wrong("密钥不是十六进制"))?;
            let cipher = XChaCha20Poly1305::new_from_slice(&bytes)
                .map_err(|_| wrong("密钥应为 32 字节（64 位十六进制）"))?;
            keys.push(FieldKey {
                id: id.to_string(),
                cipher,
            });
        }
        if keys.is_empty() {
            return Err(Error::invalid("密钥文件中没有密钥"));
        }
        Ok(Keyring { keys })
    }

    /// A new key file's line: `id` and 32 random bytes.
    pub fn new_key_line(id: &str) -> String {
        let key = XChaCha20Poly1305::generate_key(&mut OsRng);
        format!("{id} {}", hex::encode(key))
    }

    /// Seals `plain` for field `field` of record `record` with the newest key.
    pub fn seal(&self, field: &str, record: &str, plain: &str) -> Result<String, Error> {
        self.seal_bytes(field, record, plain.as_bytes())
    }

    /// Opens a value sealed for field `field` of record `record`. A value moved to another
    /// place, altered, or sealed with a key no longer in the file does not open.
    pub fn open(&self, field: &str, record: &str, sealed: &str) -> Result<String, Error> {
        String::from_utf8(self.open_bytes(field, record, sealed)?)
            .map_err(|_| Error::internal(format!("sealed {field} of {record} does not open")))
    }

    /// As [`Keyring::seal`], for bytes.
    pub fn seal_bytes(&self, field: &str, record: &str, plain: &[u8]) -> Result<String, Error> {
        let (id, raw) = self.encrypt(field, record, plain)?;
        Ok(format!("v1.{id}.{}", hex::encode(raw)))
    }

    /// As [`Keyring::open`], for bytes.
    pub fn open_bytes(&self, field: &str, record: &str, sealed: &str) -> Result<Vec<u8>, Error> {
        let broken = || Error::internal(format!("sealed {field} of {record} does not open"));
        let mut parts = sealed.splitn(3, '.');
        let (Some("v1"), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(broken());
        };
        let raw = hex::decode(body).map_err(|_| broken())?;
        self.decrypt(field, record, id, &raw)
    }

    /// Seals a file's bytes for field `field` of record `record` with the newest key, as bytes:
    /// `v1.<key id>.` and the nonce ‖ ciphertext ‖ tag (a BLOB or BYTEA column).
    pub fn seal_blob(&self, field: &str, record: &str, plain: &[u8]) -> Result<Vec<u8>, Error> {
        let (id, raw) = self.encrypt(field, record, plain)?;
        let mut out = Vec::with_capacity(4 + id.len() + raw.len());
        out.extend_from_slice(b"v1.");
        out.extend_from_slice(id.as_bytes());
        out.push(b'.');
        out.extend_from_slice(&raw);
        Ok(out)
    }

    /// Opens bytes sealed by [`Keyring::seal_blob`] for field `field` of record `record`.
    pub fn open_blob(&self, field: &str, record: &str, sealed: &[u8]) -> Result<Vec<u8>, Error> {
        let broken = || Error::internal(format!("sealed {field} of {record} does not open"));
        let rest = sealed.strip_prefix(b"v1.").ok_or_else(broken)?;
        // A key id is at most 16 characters: the dot after it is within the first 17 bytes.
        let dot = rest
            .iter()
            .take(17)
            .position(|b| *b == b'.')
            .ok_or_else(broken)?;
        let id = std::str::from_utf8(&rest[..dot]).map_err(|_| broken())?;
        self.decrypt(field, record, id, &rest[dot + 1..])
    }

    /// Encrypts `plain` for its place with the newest key: the key's id, nonce ‖ ciphertext ‖ tag.
    fn encrypt(&self, field: &str, record: &str, plain: &[u8]) -> Result<(&str, Vec<u8>), Error> {
        let key = &self.keys[0];
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let aad = associated(field, record);
        let sealed = key
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plain,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| Error::internal("personal data not sealed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok((&key.id, out))
    }

    /// Decrypts nonce ‖ ciphertext ‖ tag sealed for its place with key `id`.
    fn decrypt(&self, field: &str, record: &str, id: &str, raw: &[u8]) -> Result<Vec<u8>, Error> {
        let broken = || Error::internal(format!("sealed {field} of {record} does not open"));
        let key = self
            .keys
            .iter()
            .find(|k| k.id == id)
            .ok_or_else(|| Error::internal(format!("key {id} is not in the key file")))?;
        if raw.len() < 24 + 16 {
            return Err(broken());
        }
        let (nonce, ct) = raw.split_at(24);
        let nonce: [u8; 24] = nonce.try_into().map_err(|_| broken())?;
        let aad = associated(field, record);
        key.cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: ct,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| broken())
    }

    /// Whether a sealed value is under the newest key (else re-seal it).
    pub fn is_current(&self, sealed: &str) -> bool {
        sealed
            .strip_prefix("v1.")
            .and_then(|rest| rest.split_once('.'))
            .is_some_and(|(id, _)| id == self.keys[0].id)
    }
}

fn associated(field: &str, record: &str) -> String {
    format!("zhanqun/pii/v1/{field}/{record}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ring(lines: &[&str]) -> Keyring {
        Keyring::parse(&lines.join("\n")).unwrap()
    }

    #[test]
    fn a_value_opens_only_in_its_own_place() {
        let k = ring(&[&Keyring::new_key_line("k2026")]);
        let sealed = k.seal("phone", "letter:42", "13812345678").unwrap();
        assert!(sealed.starts_with("v1.k2026."));
        assert!(!sealed.contains("13812345678"));
        assert_eq!(
            k.open("phone", "letter:42", &sealed).unwrap(),
            "13812345678"
        );
        // Same value twice: different ciphertexts (a fresh nonce each time).
        assert_ne!(sealed, k.seal("phone", "letter:42", "13812345678").unwrap());
        // Moved to another letter or another field: refused.
        assert!(k.open("phone", "letter:43", &sealed).is_err());
        assert!(k.open("id_number", "letter:42", &sealed).is_err());
        // Altered by one hex digit: refused.
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 1;
        tampered[last] = if tampered[last] == b'0' { b'1' } else { b'0' };
        assert!(
            k.open("phone", "letter:42", &String::from_utf8(tampered).unwrap())
                .is_err()
        );
        assert!(k.open("phone", "letter:42", "13812345678").is_err());
    }

    #[test]
    fn a_file_is_sealed_as_bytes_and_opens_as_its_hex_form_did() {
        let k = ring(&[&Keyring::new_key_line("k2026")]);
        let file = b"%PDF-1.7 \x00\xff binary".to_vec();
        let blob = k.seal_blob("attachment1", "letter:A1", &file).unwrap();
        assert!(blob.starts_with(b"v1.k2026."));
        assert_eq!(blob.len(), "v1.k2026.".len() + 24 + file.len() + 16);
        assert_eq!(
            k.open_blob("attachment1", "letter:A1", &blob).unwrap(),
            file
        );
        // Bound to its place, and tamper-evident, like a value.
        assert!(k.open_blob("attachment2", "letter:A1", &blob).is_err());
        assert!(k.open_blob("attachment1", "letter:A2", &blob).is_err());
        let mut tampered = blob.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(k.open_blob("attachment1", "letter:A1", &tampered).is_err());
        for bad in [
            &b""[..],
            b"v1.",
            b"v1.k2026",
            b"v2.k2026.abc",
            b"v1.nokey.0123456789",
        ] {
            assert!(k.open_blob("attachment1", "letter:A1", bad).is_err());
        }
        // What migration 0047 does to a file sealed in hex: the prefix, then the hex decoded.
        let hex_form = k.seal_bytes("attachment1", "letter:A1", &file).unwrap();
        let (prefix, body) = hex_form.split_at("v1.k2026.".len());
        let mut converted = prefix.as_bytes().to_vec();
        converted.extend(hex::decode(body).unwrap());
        assert_eq!(
            k.open_blob("attachment1", "letter:A1", &converted).unwrap(),
            file
        );
    }

    #[test]
    fn keys_rotate_newest_first() {
        let old = Keyring::new_key_line("k2025");
        let new = Keyring::new_key_line("k2026");
        let before = ring(&[&old]);
        let sealed_old = before.seal("name", "letter:1", "张三").unwrap();
        let after = ring(&[&new, &old]);
        assert_eq!(after.open("name", "letter:1", &sealed_old).unwrap(), "张三");
        assert!(!after.is_current(&sealed_old));
        let resealed = after.seal("name", "letter:1", "张三").unwrap();
        assert!(after.is_current(&resealed));
        // The old key removed: what it sealed no longer opens, and says which key is missing.
        let only_new = ring(&[&new]);
        let e = only_new.open("name", "letter:1", &sealed_old).unwrap_err();
        assert!(e.to_string().contains("k2025") || format!("{e:?}").contains("k2025"));
    }

    #[test]
    fn bad_key_files_are_refused_with_the_line() {
        let key = "00".repeat(32);
        for (text, why) in [
            ("", "没有密钥"),
            ("# only a comment\n", "没有密钥"),
            ("k1", "第 1 行"),
            (&format!("k1 {}", "00".repeat(16)) as &str, "32 字节"),
            (&format!("k1 {key}\nk1 {key}"), "第 2 行：密钥编号重复"),
            (&format!("k/1 {key}"), "密钥编号"),
            ("k1 zz", "十六进制"),
        ] {
            let e = Keyring::parse(text).unwrap_err().to_string();
            assert!(e.contains(why), "{text:?}: {e}");
        }
        assert!(format!("{:?}", ring(&[&format!("k1 {key}")])).contains("k1"));
        assert!(!format!("{:?}", ring(&[&format!("k1 {key}")])).contains(&key));
    }
}
