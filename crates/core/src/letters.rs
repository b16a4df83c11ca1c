//! What the public writes in (互动交流), the rules before any of it is stored: the kinds of letter
//! a site takes, the contact details a writer gives (phone, e-mail, 身份证号 with its check digit),
//! how personal data is masked wherever a list or an export shows it, and the 查询码 a writer
//! follows a letter with. Pure functions; the forms, the encryption at rest and the handling
//! workflow use them.

use serde::Serialize;

use crate::Error;

/// The kinds of letter a site takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LetterKind {
    /// 领导信箱: to a named leader or office.
    Mailbox,
    /// 咨询: a question, answered publicly without the writer's data.
    Consultation,
    /// 投诉: a complaint.
    Complaint,
    /// 建议: a suggestion (建言献策).
    Suggestion,
    /// 我为政府网站找错: a mistake on the site itself (a dead link, a wrong date, an error).
    SiteError,
}

impl LetterKind {
    pub const ALL: [LetterKind; 5] = [
        LetterKind::Mailbox,
        LetterKind::Consultation,
        LetterKind::Complaint,
        LetterKind::Suggestion,
        LetterKind::SiteError,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LetterKind::Mailbox => "mailbox",
            LetterKind::Consultation => "consultation",
            LetterKind::Complaint => "complaint",
            LetterKind::Suggestion => "suggestion",
            LetterKind::SiteError => "site_error",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            LetterKind::Mailbox => "领导信箱",
            LetterKind::Consultation => "咨询",
            LetterKind::Complaint => "投诉",
            LetterKind::Suggestion => "建议",
            LetterKind::SiteError => "我为政府网站找错",
        }
    }

    pub fn parse(s: &str) -> Result<LetterKind, Error> {
        LetterKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                Error::invalid("请选择留言类型：领导信箱、咨询、投诉、建议或我为政府网站找错")
            })
    }

    /// Counts for the national check's 互动回应差 (a 政务咨询 message unanswered for more than
    /// three months fails the site): the 咨询建言 channels. 找错 reports are scored apart.
    pub fn is_consultation_channel(self) -> bool {
        !matches!(self, LetterKind::SiteError)
    }
}

/// What a site takes from the public (its tenants file's `[letters]`): the kinds of letter its
/// form offers, and the leaders a 领导信箱 letter can be written to. Without leaders a 领导信箱
/// letter goes to the site's office, as every other letter does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LetterSettings {
    pub kinds: Vec<LetterKind>,
    /// "县长 王建国": a post and a name, as the 领导之窗 column shows them.
    pub leaders: Vec<String>,
}

impl Default for LetterSettings {
    fn default() -> LetterSettings {
        LetterSettings {
            kinds: LetterKind::ALL.to_vec(),
            leaders: Vec::new(),
        }
    }
}

/// At most this many leaders a site lists for its 领导信箱.
pub const MAX_LEADERS: usize = 30;

impl LetterSettings {
    /// Settings as declared: the kinds in their usual order without repeats, each leader trimmed
    /// (2 to 40 characters, one line, not listed twice). An empty `kinds` is allowed: such a site
    /// takes no letters (and fails 互动回应差 for want of a channel).
    pub fn new(kinds: &[LetterKind], leaders: &[String]) -> Result<LetterSettings, Error> {
        let kinds = LetterKind::ALL
            .into_iter()
            .filter(|k| kinds.contains(k))
            .collect();
        if leaders.len() > MAX_LEADERS {
            return Err(Error::invalid(format!(
                "领导信箱最多列 {MAX_LEADERS} 位领导"
            )));
        }
        let mut out: Vec<String> = Vec::with_capacity(leaders.len());
        for l in leaders {
            let l = text_field(l, "领导的职务和姓名", 2, 40)?;
            if l.contains(['\n', '\r', '\t']) {
                return Err(Error::invalid(format!("领导“{l}”须写在一行内")));
            }
            if out.contains(&l) {
                return Err(Error::invalid(format!("领导“{l}”列了两次")));
            }
            out.push(l);
        }
        Ok(LetterSettings {
            kinds,
            leaders: out,
        })
    }

    /// As the store keeps them: kinds comma-separated, leaders one a line.
    pub fn from_stored(kinds: &str, leaders: &str) -> Result<LetterSettings, Error> {
        let kinds = kinds
            .split(',')
            .filter(|k| !k.is_empty())
            .map(LetterKind::parse)
            .collect::<Result<Vec<_>, _>>()?;
        let leaders: Vec<String> = leaders
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        LetterSettings::new(&kinds, &leaders)
    }

    pub fn kinds_stored(&self) -> String {
        self.kinds
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn leaders_stored(&self) -> String {
        self.leaders.join("\n")
    }

    pub fn offers(&self, kind: LetterKind) -> bool {
        self.kinds.contains(&kind)
    }

    /// Whether the site has a 咨询建言 channel at all (国办秘函〔2019〕19号: a site without one
    /// fails 互动回应差).
    pub fn has_consultation_channel(&self) -> bool {
        self.kinds.iter().any(|k| k.is_consultation_channel())
    }

    /// Whether the site takes letters of `kind`, and whom such a letter is written to: for a
    /// 领导信箱 letter one of the listed leaders, or nobody named (`to` empty: the leaders as a
    /// whole, through the office); other kinds go to the office and `to` is ignored.
    pub fn admit(&self, kind: LetterKind, to: Option<&str>) -> Result<Option<String>, Error> {
        if !self.offers(kind) {
            return Err(Error::invalid(format!(
                "本网站不受理“{}”，请选择其他留言类型",
                kind.label()
            )));
        }
        let to = to.map(str::trim).filter(|t| !t.is_empty());
        match (kind, to) {
            (LetterKind::Mailbox, Some(to)) => self
                .leaders
                .iter()
                .find(|l| l.as_str() == to)
                .map(|l| Some(l.clone()))
                .ok_or_else(|| Error::invalid("请从列表中选择收信的领导")),
            _ => Ok(None),
        }
    }
}

/// At most this many files go with a letter.
pub const MAX_ATTACHMENTS: usize = 3;

/// What a file sent with a letter or an application is, recognised by its first bytes
/// (`media::detect`: the content, not the name, decides): a photo (PNG, JPEG) or a document (PDF,
/// Word .docx — not the old .doc, whose macros no check here can see). Anything else,
/// or a content its name belies, is refused with the file named and what is accepted.
pub fn attachment_type(head: &[u8], name: &str) -> Result<crate::media::MediaType, Error> {
    let refused = || {
        Error::invalid(format!(
            "文件“{name}”不能提交：只能附图片（JPG、PNG）、PDF 或 Word 文档（.docx），且扩展名与文件内容相符"
        ))
    };
    let t = crate::media::detect(head, name).map_err(|_| refused())?;
    if matches!(t.ext, "png" | "jpg" | "jpeg" | "pdf" | "docx") {
        Ok(t)
    } else {
        Err(refused())
    }
}

/// A text field of a public form or of the office's own (a subject, a name, a question, an
/// answer): trimmed, between `min` and `max` characters, without invisible control characters
/// (line breaks and tabs allowed); or a message that says what to fix.
pub fn text_field(v: &str, what: &str, min: usize, max: usize) -> Result<String, Error> {
    let v = v.trim();
    let n = v.chars().count();
    if n < min {
        return Err(Error::invalid(if min <= 1 {
            format!("请填写{what}")
        } else {
            format!("{what}至少 {min} 个字")
        }));
    }
    if n > max {
        return Err(Error::invalid(format!(
            "{what}不能超过 {max} 个字（现有 {n} 个）"
        )));
    }
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Error::invalid(format!(
            "{what}含有不可见的控制字符，请删除后重试"
        )));
    }
    Ok(v.to_string())
}

/// A mainland phone number as people write it: a mobile (11 digits from 13–19) or a landline
/// with its area code (`0912-1234567`, extension after a dash). Spaces and dashes are dropped
/// from what is kept, except the extension's.
pub fn phone(s: &str) -> Result<String, Error> {
    let s = s.trim();
    let (main, ext) = match s.rsplit_once(['转', '#']) {
        Some((m, e)) if !e.is_empty() && e.chars().all(|c| c.is_ascii_digit()) => (m, Some(e)),
        _ => (s, None),
    };
    let digits: String = main
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '（' | '）'))
        .collect();
    let wrong = || {
        Error::invalid(format!(
            "电话号码“{s}”不正确：请填写 11 位手机号码，或带区号的固定电话（如 0912-1234567）"
        ))
    };
    let digits = digits.strip_prefix("+86").unwrap_or(&digits).to_string();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(wrong());
    }
    let mobile = digits.len() == 11 && digits.starts_with('1') && digits.as_bytes()[1] >= b'3';
    let landline = digits.starts_with('0') && (10..=12).contains(&digits.len());
    if !(mobile || landline) {
        return Err(wrong());
    }
    Ok(match ext {
        Some(e) if landline => format!("{digits}-{e}"),
        Some(_) => return Err(wrong()),
        None => digits,
    })
}

/// An e-mail address, checked for its shape only (one `@`, a dotted domain, no spaces); whether
/// it receives mail is for the reply to find out.
pub fn email(s: &str) -> Result<String, Error> {
    let s = s.trim();
    let wrong = || Error::invalid(format!("电子邮箱“{s}”不正确：应形如 name@example.com"));
    let (local, domain) = s.split_once('@').ok_or_else(wrong)?;
    let ok = !local.is_empty()
        && local.len() <= 64
        && s.len() <= 254
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && s.chars().all(|c| c.is_ascii_graphic() || !c.is_ascii())
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
    if ok { Ok(s.to_string()) } else { Err(wrong()) }
}

/// A 居民身份证号码 (GB 11643-1999): 17 digits and a check character (0–9 or X) computed from
/// them, with a real date of birth. The 15-digit numbers of before 1999 are no longer valid.
pub fn id_number(s: &str) -> Result<String, Error> {
    let s = s.trim().to_ascii_uppercase();
    let wrong = |why: &str| Error::invalid(format!("身份证号码不正确：{why}"));
    let b = s.as_bytes();
    if b.len() != 18
        || !b[..17].iter().all(u8::is_ascii_digit)
        || !(b[17].is_ascii_digit() || b[17] == b'X')
    {
        return Err(wrong("应为 18 位，最后一位可为数字或 X"));
    }
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let sum: u32 = b[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    if CHECK[(sum % 11) as usize] != b[17] {
        return Err(wrong("校验位不符，请核对后重新填写"));
    }
    let birth = chrono::NaiveDate::parse_from_str(&s[6..14], "%Y%m%d")
        .map_err(|_| wrong("出生日期不存在"))?;
    if birth.format("%Y").to_string().as_str() < "1900" {
        return Err(wrong("出生日期不存在"));
    }
    Ok(s)
}

/// A name as lists show it: the family name and `*` for the rest (张*, 欧阳**).
pub fn mask_name(s: &str) -> String {
    let chars: Vec<char> = s.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".into(),
        n => {
            let keep = if n >= 4 { 2 } else { 1 };
            chars[..keep]
                .iter()
                .chain(std::iter::repeat_n(&'*', n - keep))
                .collect()
        }
    }
}

/// A phone number as lists show it: the first three and last four digits (138****5678).
pub fn mask_phone(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 7 {
        return "*".repeat(chars.len());
    }
    let n = chars.len();
    chars[..3]
        .iter()
        .chain(std::iter::repeat_n(&'*', n - 7))
        .chain(chars[n - 4..].iter())
        .collect()
}

/// An e-mail address as lists show it: the first character and the domain (z***@example.com).
pub fn mask_email(s: &str) -> String {
    match s.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

/// A 身份证号 as lists show it: the region's first six digits and the check character.
pub fn mask_id_number(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len());
    }
    let n = chars.len();
    chars[..6]
        .iter()
        .chain(std::iter::repeat_n(&'*', n - 7))
        .chain(chars[n - 1..].iter())
        .collect()
}

/// The alphabet of 查询码: no 0/O, 1/I/L, so that a code read aloud or copied by hand survives.
const CODE_ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A 查询码: what a writer keeps to follow a letter and read its reply. Twelve characters of
/// [`CODE_ALPHABET`] shown in groups of four (`K7QM-3XRD-PA9F`); the last is a check character,
/// so a mistyped code is told apart from an unknown one without a lookup. Eleven random
/// characters are 31^11 ≈ 2.5 × 10^16 codes: not guessable at the rate limit of the lookup form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QueryCode(String);

impl QueryCode {
    /// A code from 11 random bytes (the caller's random source: the store uses the OS's).
    pub fn from_random(bytes: [u8; 11]) -> QueryCode {
        let body: Vec<u8> = bytes
            .iter()
            .map(|b| CODE_ALPHABET[(*b as usize) % CODE_ALPHABET.len()])
            .collect();
        let mut code = String::from_utf8_lossy(&body).into_owned();
        code.push(check_char(&body) as char);
        QueryCode(code)
    }

    /// A new code from the operating system's random source.
    pub fn new_random() -> QueryCode {
        use chacha20poly1305::aead::OsRng;
        use chacha20poly1305::aead::rand_core::RngCore;
        let mut bytes = [0u8; 11];
        OsRng.fill_bytes(&mut bytes);
        QueryCode::from_random(bytes)
    }

    /// What a person typed: case, spaces and dashes do not matter.
    pub fn parse(s: &str) -> Result<QueryCode, Error> {
        let raw: String = s
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '－' | '—'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let wrong =
            || Error::invalid("查询码不正确：应为 12 位字母和数字（如 K7QM-3XRD-PA9F），请核对");
        let b = raw.as_bytes();
        if b.len() != 12 || !b.iter().all(|c| CODE_ALPHABET.contains(c)) {
            return Err(wrong());
        }
        if check_char(&b[..11]) != b[11] {
            return Err(wrong());
        }
        Ok(QueryCode(raw))
    }

    /// The 12 characters as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// As shown to the writer: three groups of four.
    pub fn display(&self) -> String {
        format!("{}-{}-{}", &self.0[..4], &self.0[4..8], &self.0[8..])
    }
}

/// A weighted sum modulo 31 over the alphabet's positions: catches every single wrong
/// character and every swap of two neighbours.
fn check_char(body: &[u8]) -> u8 {
    let sum: usize = body
        .iter()
        .enumerate()
        .map(|(i, c)| (i + 1) * CODE_ALPHABET.iter().position(|a| a == c).unwrap_or(0))
        .sum();
    CODE_ALPHABET[sum % CODE_ALPHABET.len()]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_site_errors_are_scored_apart() {
        for k in LetterKind::ALL {
            assert_eq!(LetterKind::parse(k.as_str()).unwrap(), k);
        }
        assert!(LetterKind::parse("letter").is_err());
        assert!(LetterKind::Consultation.is_consultation_channel());
        assert!(!LetterKind::SiteError.is_consultation_channel());
    }

    #[test]
    fn a_site_offers_its_kinds_and_a_mailbox_letter_goes_to_a_listed_leader() {
        let s = LetterSettings::new(
            &[
                LetterKind::SiteError,
                LetterKind::Mailbox,
                LetterKind::Mailbox,
            ],
            &[" 县长 王建国 ".to_string(), "副县长 李明".to_string()],
        )
        .unwrap();
        assert_eq!(s.kinds, [LetterKind::Mailbox, LetterKind::SiteError]);
        assert_eq!(s.leaders, ["县长 王建国", "副县长 李明"]);
        assert_eq!(
            LetterSettings::from_stored(&s.kinds_stored(), &s.leaders_stored()).unwrap(),
            s
        );
        assert_eq!(
            s.admit(LetterKind::Mailbox, Some("县长 王建国")).unwrap(),
            Some("县长 王建国".to_string())
        );
        assert_eq!(s.admit(LetterKind::Mailbox, Some(" ")).unwrap(), None);
        assert!(s.admit(LetterKind::Mailbox, Some("县委书记 张三")).is_err());
        // Only a 领导信箱 letter names its addressee.
        assert_eq!(
            s.admit(LetterKind::SiteError, Some("县长 王建国")).unwrap(),
            None
        );
        let refused = s.admit(LetterKind::Complaint, None).unwrap_err();
        assert!(refused.to_string().contains("不受理“投诉”"), "{refused}");
        assert!(s.has_consultation_channel());
        let errors_only = LetterSettings::new(&[LetterKind::SiteError], &[]).unwrap();
        assert!(!errors_only.has_consultation_channel());
        assert!(LetterSettings::default().has_consultation_channel());
    }

    #[test]
    fn a_letter_takes_photos_pdfs_and_word_files_only() {
        let t = attachment_type;
        assert!(t(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "现场.png").is_ok());
        assert!(t(b"%PDF-1.4\n", "材料.pdf").is_ok());
        let zip = b"PK\x03\x04\x14\0\0\0\0\0";
        assert!(
            t(zip, "材料.zip")
                .unwrap_err()
                .to_string()
                .contains("文件“材料.zip”不能")
        );
        let ole = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0\0\0\0\0";
        assert!(
            t(ole, "旧文档.doc").is_err(),
            "an old .doc may carry macros"
        );
        assert!(
            t(b"%PDF-1.4\n", "照片.png").is_err(),
            "a name its content belies"
        );
        assert!(t(b"GIF89a\x01\0\x01\0", "动图.gif").is_err());
        assert!(t(b"<html><script>", "x.html").is_err());
    }

    #[test]
    fn leaders_are_one_line_each_and_listed_once() {
        let one = |l: &str| LetterSettings::new(&[], &[l.to_string()]);
        assert!(one("县长").is_ok());
        assert!(one("县").is_err());
        assert!(one("县长\n王建国").is_err());
        assert!(one(&"长".repeat(41)).is_err());
        assert!(LetterSettings::new(&[], &["县长 王建国".into(), "县长 王建国".into()]).is_err());
        assert!(LetterSettings::new(&[], &vec!["县长 王建国".to_string(); 31]).is_err());
        assert!(LetterSettings::from_stored("mailbox,letter", "").is_err());
    }

    #[test]
    fn phones_are_mobiles_or_landlines_with_area_codes() {
        assert_eq!(phone(" 138 1234 5678 ").unwrap(), "13812345678");
        assert_eq!(phone("+86 13812345678").unwrap(), "13812345678");
        assert_eq!(phone("0912-5612345").unwrap(), "09125612345");
        assert_eq!(phone("(029)88881234转806").unwrap(), "02988881234-806");
        for bad in [
            "12812345678",
            "1381234567",
            "5612345",
            "abc",
            "",
            "13812345678转1",
        ] {
            let e = phone(bad).unwrap_err().to_string();
            assert!(e.contains("手机号码"), "{bad}: {e}");
        }
    }

    #[test]
    fn emails_have_one_at_and_a_dotted_domain() {
        assert_eq!(
            email(" zhang@jiaxian.gov.cn ").unwrap(),
            "zhang@jiaxian.gov.cn"
        );
        assert!(email("张三@例子.中国").is_ok());
        for bad in [
            "zhang", "zhang@", "@gov.cn", "a@b", "a@@b.cn", "a b@c.cn", "a@.cn", "a@b..cn",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn id_numbers_need_their_check_digit_and_a_real_birthday() {
        // The standard's own example (GB 11643-1999, appendix): 11010519491231002X.
        assert_eq!(
            id_number("11010519491231002x").unwrap(),
            "11010519491231002X"
        );
        assert!(
            id_number("110105194912310021")
                .unwrap_err()
                .to_string()
                .contains("校验位")
        );
        // Right check digit, impossible date (February 30th).
        let body = "11010519490230002";
        let sum: u32 = body
            .bytes()
            .zip([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
            .map(|(d, w)| u32::from(d - b'0') * w)
            .sum();
        let check = b"10X98765432"[(sum % 11) as usize] as char;
        let e = id_number(&format!("{body}{check}"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("出生日期"), "{e}");
        assert!(id_number("110105491231002").is_err(), "15 digits");
    }

    #[test]
    fn lists_show_masked_personal_data() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("李建国"), "李**");
        assert_eq!(mask_name("欧阳文华"), "欧阳**");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_email("zhang@jiaxian.gov.cn"), "z***@jiaxian.gov.cn");
        assert_eq!(mask_id_number("11010519491231002X"), "110105***********X");
    }

    #[test]
    fn query_codes_catch_typos_and_ignore_case_and_dashes() {
        let code = QueryCode::from_random([7, 200, 13, 99, 0, 255, 31, 62, 5, 128, 77]);
        assert_eq!(code.as_str().len(), 12);
        let shown = code.display();
        assert_eq!(QueryCode::parse(&shown.to_lowercase()).unwrap(), code);
        assert_eq!(
            QueryCode::parse(&format!(" {} ", code.as_str())).unwrap(),
            code
        );
        // Every single wrong character is caught.
        let s = code.as_str().as_bytes().to_vec();
        for i in 0..12 {
            for &c in CODE_ALPHABET {
                if c == s[i] {
                    continue;
                }
                let mut t = s.clone();
                t[i] = c;
                assert!(QueryCode::parse(std::str::from_utf8(&t).unwrap()).is_err());
            }
        }
        // And every swap of two different neighbours.
        for i in 0..11 {
            if s[i] != s[i + 1] {
                let mut t = s.clone();
                t.swap(i, i + 1);
                assert!(QueryCode::parse(std::str::from_utf8(&t).unwrap()).is_err());
            }
        }
        assert!(QueryCode::parse("K7QM-3XRD-PA9").is_err());
        assert!(
            QueryCode::parse("K7QM-3XRD-PA90").is_err(),
            "0 is not in the alphabet"
        );
    }
}
