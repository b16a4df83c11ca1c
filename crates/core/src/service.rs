//! 办事服务: a service item's guide (办事指南) as structured content, the elements seed 003
//! 第二十四条 lists (and 申请条件, which the national check names), the key elements a guide must
//! have before it is published (configurable; the default is the national check's ten), and the
//! check indicator 服务不实用 computed from a site's published items.
//!
//! A service item is an article of the site (same workflow, revisions, audit) with a guide
//! attached; the article's title is the 事项名称 and its unit the department that carries it.

use serde::{Deserialize, Serialize};

use crate::letters::text_field;
use crate::{Error, Result};

/// Who an item serves (服务对象).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// 个人办事
    #[default]
    Person,
    /// 法人办事
    Legal,
    /// 个人和法人
    Both,
}

impl Audience {
    pub const ALL: [Audience; 3] = [Audience::Person, Audience::Legal, Audience::Both];

    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Person => "person",
            Audience::Legal => "legal",
            Audience::Both => "both",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Audience::Person => "个人办事",
            Audience::Legal => "法人办事",
            Audience::Both => "个人和法人",
        }
    }

    pub fn parse(s: &str) -> Result<Audience> {
        Audience::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| {
                Error::invalid(format!("服务对象“{s}”不存在：可选 个人、法人、个人和法人"))
            })
    }

    /// Whether an item for `self` is listed when a visitor picks `wanted`.
    pub fn serves(self, wanted: Audience) -> bool {
        self == wanted || self == Audience::Both || wanted == Audience::Both
    }
}

/// 事项类型, the kinds of government service item (权力清单 and 公共服务).
pub const ITEM_TYPES: [&str; 11] = [
    "行政许可",
    "行政确认",
    "行政给付",
    "行政奖励",
    "行政裁决",
    "行政征收",
    "行政检查",
    "行政处罚",
    "行政强制",
    "其他行政权力",
    "公共服务",
];

/// The usual themes of the national catalogue (个人 and 法人 主题); an item may name another.
pub const THEMES: [&str; 16] = [
    "生育收养",
    "户籍办理",
    "教育科研",
    "就业创业",
    "社会保障",
    "医疗卫生",
    "婚姻登记",
    "住房保障",
    "证件办理",
    "交通出行",
    "设立变更",
    "准营准办",
    "规划建设",
    "农业农村",
    "民族宗教",
    "其他",
];

/// One 申请材料, with the fields seed 003 第二十四条(一) lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Material {
    /// 材料名称
    pub name: String,
    /// 材料类型: 原件, 复印件, 原件和复印件, 电子证照.
    pub kind: String,
    /// 材料样本: `/media/…` of the site (a filled-in example).
    pub sample: Option<String>,
    /// 电子表单: `/media/…` of the site (the blank form, docx/xlsx/pdf).
    pub form: Option<String>,
    /// 来源渠道: 申请人自备, 政府部门核发, …
    pub source: String,
    /// 纸质材料份数和规格
    pub copies: String,
    /// 填报须知
    pub notes: String,
    /// 受理标准
    pub acceptance: String,
    /// 是否需电子材料
    pub electronic: bool,
}

/// A service item's guide. Free-text elements are kept as the department writes them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServiceGuide {
    /// 事项类型 (one of [`ITEM_TYPES`]).
    pub item_type: String,
    pub audience: Audience,
    /// 主题分类
    pub theme: String,
    /// 设定依据
    pub basis: String,
    /// 申请条件
    pub conditions: String,
    /// 实施机构
    pub agency: String,
    /// 法定办结时限
    pub legal_limit: String,
    /// 承诺办结时限
    pub promised_limit: String,
    /// 结果名称
    pub result_name: String,
    /// 结果样本: `/media/…` of the site.
    pub result_sample: Option<String>,
    /// 收费标准 ("不收费" when free).
    pub fee: String,
    /// 收费依据
    pub fee_basis: String,
    pub materials: Vec<Material>,
    /// 办理流程, one step a line.
    pub process: String,
    /// 办理形式: 窗口办理, 网上办理, 快递申请, …
    pub channels: String,
    /// 审查标准
    pub review_standard: String,
    /// 通办范围: 全省, 全市, 全县, 不通办.
    pub scope: String,
    /// 预约办理
    pub appointment: String,
    /// 网上支付
    pub online_payment: String,
    /// 物流快递
    pub delivery: String,
    /// 办理地点
    pub place: String,
    /// 办理时间
    pub hours: String,
    /// 咨询电话
    pub consult_phone: String,
    /// 监督电话
    pub complaint_phone: String,
}

/// An element of a guide, as the key-element rule names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Element {
    Name,
    ItemType,
    Basis,
    Conditions,
    Agency,
    LegalLimit,
    PromisedLimit,
    ResultName,
    Fee,
    FeeBasis,
    Materials,
    Process,
    Channels,
    ReviewStandard,
    Scope,
    Appointment,
    Place,
    Hours,
    ConsultPhone,
    ComplaintPhone,
}

impl Element {
    /// The default key elements: the ten of the national check (国办秘函〔2019〕19号, 服务不实用:
    /// 事项名称、设定依据、申请条件、办理材料、办理地点、办理机构、收费标准、办理时间、联系电话、办理流程).
    pub const NATIONAL: [Element; 10] = [
        Element::Name,
        Element::Basis,
        Element::Conditions,
        Element::Materials,
        Element::Place,
        Element::Agency,
        Element::Fee,
        Element::Hours,
        Element::ConsultPhone,
        Element::Process,
    ];

    /// Every element, in the order of the guide (the test `the_kept_mask_says_what_missing_says`
    /// checks that their bits cover 0–19 without a gap).
    pub const ALL: [Element; 20] = [
        Element::Name,
        Element::ItemType,
        Element::Basis,
        Element::Conditions,
        Element::Agency,
        Element::LegalLimit,
        Element::PromisedLimit,
        Element::ResultName,
        Element::Fee,
        Element::FeeBasis,
        Element::Materials,
        Element::Process,
        Element::Channels,
        Element::ReviewStandard,
        Element::Scope,
        Element::Appointment,
        Element::Place,
        Element::Hours,
        Element::ConsultPhone,
        Element::ComplaintPhone,
    ];

    /// The element's bit in the masks the store keeps (`service_items.elements`). Stored
    /// values: a new element takes a new bit (and a place in [`Element::ALL`]), an existing one
    /// never changes. Items saved before a new element, or before a change to
    /// [`Element::present`], keep their old bits until a migration sets `elements` to NULL
    /// (the store then computes them again from the guides at start).
    pub fn bit(self) -> i64 {
        1 << match self {
            Element::Name => 0,
            Element::ItemType => 1,
            Element::Basis => 2,
            Element::Conditions => 3,
            Element::Agency => 4,
            Element::LegalLimit => 5,
            Element::PromisedLimit => 6,
            Element::ResultName => 7,
            Element::Fee => 8,
            Element::FeeBasis => 9,
            Element::Materials => 10,
            Element::Process => 11,
            Element::Channels => 12,
            Element::ReviewStandard => 13,
            Element::Scope => 14,
            Element::Appointment => 15,
            Element::Place => 16,
            Element::Hours => 17,
            Element::ConsultPhone => 18,
            Element::ComplaintPhone => 19,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Element::Name => "事项名称",
            Element::ItemType => "事项类型",
            Element::Basis => "设定依据",
            Element::Conditions => "申请条件",
            Element::Agency => "实施机构",
            Element::LegalLimit => "法定办结时限",
            Element::PromisedLimit => "承诺办结时限",
            Element::ResultName => "结果名称",
            Element::Fee => "收费标准",
            Element::FeeBasis => "收费依据",
            Element::Materials => "申请材料",
            Element::Process => "办理流程",
            Element::Channels => "办理形式",
            Element::ReviewStandard => "审查标准",
            Element::Scope => "通办范围",
            Element::Appointment => "预约办理",
            Element::Place => "办理地点",
            Element::Hours => "办理时间",
            Element::ConsultPhone => "咨询电话",
            Element::ComplaintPhone => "监督电话",
        }
    }

    /// Whether the guide (of the item named `title`) has this element.
    pub fn present(self, title: &str, g: &ServiceGuide) -> bool {
        let text = match self {
            Element::Name => title,
            Element::ItemType => &g.item_type,
            Element::Basis => &g.basis,
            Element::Conditions => &g.conditions,
            Element::Agency => &g.agency,
            Element::LegalLimit => &g.legal_limit,
            Element::PromisedLimit => &g.promised_limit,
            Element::ResultName => &g.result_name,
            Element::Fee => &g.fee,
            Element::FeeBasis => &g.fee_basis,
            Element::Materials => {
                return g.materials.iter().any(|m| !m.name.trim().is_empty());
            }
            Element::Process => &g.process,
            Element::Channels => &g.channels,
            Element::ReviewStandard => &g.review_standard,
            Element::Scope => &g.scope,
            Element::Appointment => &g.appointment,
            Element::Place => &g.place,
            Element::Hours => &g.hours,
            Element::ConsultPhone => &g.consult_phone,
            Element::ComplaintPhone => &g.complaint_phone,
        };
        !text.trim().is_empty()
    }
}

/// The elements a guide has, as bits ([`Element::bit`]): what the store keeps beside each item
/// so that the check indicator reads a number per item instead of parsing every guide.
pub fn present_mask(title: &str, g: &ServiceGuide) -> i64 {
    Element::ALL
        .iter()
        .filter(|e| e.present(title, g))
        .fold(0, |m, e| m | e.bit())
}

/// The bits of `elements`: a guide has them all when `present_mask & mask == mask`.
pub fn required_mask(elements: &[Element]) -> i64 {
    elements.iter().fold(0, |m, e| m | e.bit())
}

/// The key elements the guide lacks, in the order of `required`.
pub fn missing(title: &str, g: &ServiceGuide, required: &[Element]) -> Vec<Element> {
    required
        .iter()
        .copied()
        .filter(|e| !e.present(title, g))
        .collect()
}

/// Refuses to publish (or send for review) a guide that lacks a key element, naming them all.
pub fn publishable(title: &str, g: &ServiceGuide, required: &[Element]) -> Result<()> {
    let gaps = missing(title, g, required);
    if gaps.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = gaps.iter().map(|e| e.label()).collect();
    Err(Error::invalid(format!(
        "办事指南缺少关键要素：{}。补齐后才能送审和发布",
        names.join("、")
    )))
}

/// A media link of a guide: `/media/` and a stored name (letters, digits and one dot).
fn media_link(v: &Option<String>, what: &str) -> Result<Option<String>> {
    let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let ok = v.strip_prefix("/media/").is_some_and(|n| {
        !n.is_empty()
            && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')
            && n.matches('.').count() == 1
    });
    if ok {
        Ok(Some(v.to_string()))
    } else {
        Err(Error::invalid(format!(
            "{what}须是本站媒体库中的文件（/media/…），请先上传再选择"
        )))
    }
}

impl ServiceGuide {
    /// Whether the item can be handled entirely online (the annual report's 可全程在线办理政务服务
    /// 事项数量), as its 办理形式 says. The text is read clause by clause (split at 、，；/ 或 and
    /// brackets); a clause that says what is not needed or not offered (无需到现场, 暂不支持全程网办)
    /// names no way of handling it. The item counts when a clause says 全程网办 (全程网上办理,
    /// 全程在线办理), or when one names 网上办理 (在线办理, 网上申报, 网上申请) and none names a
    /// window, a visit or the post. An empty 办理形式 does not count.
    pub fn fully_online(&self) -> bool {
        let clauses: Vec<&str> = self
            .channels
            .split(|c: char| "、，,；;/／（）()或和及 \n".contains(c))
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .filter(|c| {
                ![
                    "无需",
                    "不需",
                    "不用",
                    "免于",
                    "暂不",
                    "不支持",
                    "未开通",
                    "不能",
                    "不可",
                ]
                .iter()
                .any(|no| c.starts_with(no))
            })
            .collect();
        let says = |words: &[&str]| clauses.iter().any(|c| words.iter().any(|w| c.contains(w)));
        says(&["全程网办", "全程网上办理", "全程在线办理"])
            || (says(&["网上办理", "在线办理", "网上申报", "网上申请"])
                && !says(&[
                    "窗口", "现场", "到场", "大厅", "线下", "上门", "快递", "邮寄", "自助",
                ]))
    }

    /// Checks and trims every field as a department writes it (lengths, control characters, the
    /// item type, media links); returns the guide as it is stored. Key elements are not asked
    /// for here: a draft may be incomplete, [`publishable`] decides publication.
    pub fn cleaned(mut self) -> Result<ServiceGuide> {
        let short = |v: &str, what: &str| text_field(v, what, 0, 200);
        let long = |v: &str, what: &str| text_field(v, what, 0, 5000);
        if !self.item_type.trim().is_empty() && !ITEM_TYPES.contains(&self.item_type.trim()) {
            return Err(Error::invalid(format!(
                "事项类型“{}”不存在：可选 {}",
                self.item_type.trim(),
                ITEM_TYPES.join("、")
            )));
        }
        self.item_type = self.item_type.trim().to_string();
        self.theme = text_field(&self.theme, "主题分类", 0, 20)?;
        self.basis = long(&self.basis, "设定依据")?;
        self.conditions = long(&self.conditions, "申请条件")?;
        self.agency = short(&self.agency, "实施机构")?;
        self.legal_limit = short(&self.legal_limit, "法定办结时限")?;
        self.promised_limit = short(&self.promised_limit, "承诺办结时限")?;
        self.result_name = short(&self.result_name, "结果名称")?;
        self.result_sample = media_link(&self.result_sample, "结果样本")?;
        self.fee = short(&self.fee, "收费标准")?;
        self.fee_basis = long(&self.fee_basis, "收费依据")?;
        self.process = long(&self.process, "办理流程")?;
        self.channels = short(&self.channels, "办理形式")?;
        self.review_standard = long(&self.review_standard, "审查标准")?;
        self.scope = short(&self.scope, "通办范围")?;
        self.appointment = short(&self.appointment, "预约办理")?;
        self.online_payment = short(&self.online_payment, "网上支付")?;
        self.delivery = short(&self.delivery, "物流快递")?;
        self.place = long(&self.place, "办理地点")?;
        self.hours = short(&self.hours, "办理时间")?;
        self.consult_phone = short(&self.consult_phone, "咨询电话")?;
        self.complaint_phone = short(&self.complaint_phone, "监督电话")?;
        if self.materials.len() > 50 {
            return Err(Error::invalid("申请材料不能超过 50 项"));
        }
        let mut materials = Vec::with_capacity(self.materials.len());
        for (i, m) in self.materials.into_iter().enumerate() {
            let n = i + 1;
            let m = Material {
                name: short(&m.name, &format!("第 {n} 项材料的名称"))?,
                kind: short(&m.kind, &format!("第 {n} 项材料的类型"))?,
                sample: media_link(&m.sample, &format!("第 {n} 项材料的样本"))?,
                form: media_link(&m.form, &format!("第 {n} 项材料的电子表单"))?,
                source: short(&m.source, &format!("第 {n} 项材料的来源渠道"))?,
                copies: short(&m.copies, &format!("第 {n} 项材料的份数和规格"))?,
                notes: long(&m.notes, &format!("第 {n} 项材料的填报须知"))?,
                acceptance: long(&m.acceptance, &format!("第 {n} 项材料的受理标准"))?,
                electronic: m.electronic,
            };
            let blank = m.name.is_empty()
                && m.kind.is_empty()
                && m.sample.is_none()
                && m.form.is_none()
                && m.source.is_empty()
                && m.copies.is_empty()
                && m.notes.is_empty()
                && m.acceptance.is_empty();
            if blank {
                continue;
            }
            if m.name.is_empty() {
                return Err(Error::invalid(format!("第 {n} 项材料没有填写名称")));
            }
            materials.push(m);
        }
        self.materials = materials;
        Ok(self)
    }

    /// Every `/media/…` link of the guide (forms, samples, the result sample).
    pub fn media_links(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        let all = self.materials.iter().flat_map(|m| [&m.sample, &m.form]);
        for link in std::iter::once(&self.result_sample).chain(all).flatten() {
            if !out.contains(&link.as_str()) {
                out.push(link);
            }
        }
        out
    }

    /// The guide as readable lines (a revision keeps them, so the diff shows element changes).
    pub fn revision_text(&self) -> String {
        let mut lines = Vec::new();
        let mut push = |k: &str, v: &str| {
            if !v.trim().is_empty() {
                lines.push(format!("{k}：{}", v.trim()));
            }
        };
        push("事项类型", &self.item_type);
        push("服务对象", self.audience.label());
        push("主题分类", &self.theme);
        push("设定依据", &self.basis);
        push("申请条件", &self.conditions);
        push("实施机构", &self.agency);
        push("法定办结时限", &self.legal_limit);
        push("承诺办结时限", &self.promised_limit);
        push("结果名称", &self.result_name);
        push("结果样本", self.result_sample.as_deref().unwrap_or(""));
        push("收费标准", &self.fee);
        push("收费依据", &self.fee_basis);
        push("办理流程", &self.process);
        push("办理形式", &self.channels);
        push("审查标准", &self.review_standard);
        push("通办范围", &self.scope);
        push("预约办理", &self.appointment);
        push("网上支付", &self.online_payment);
        push("物流快递", &self.delivery);
        push("办理地点", &self.place);
        push("办理时间", &self.hours);
        push("咨询电话", &self.consult_phone);
        push("监督电话", &self.complaint_phone);
        for m in &self.materials {
            let files = [m.form.as_deref(), m.sample.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            push(
                "申请材料",
                &format!(
                    "{}（{}，{}，{}）{files}",
                    m.name,
                    m.kind,
                    m.copies,
                    if m.electronic {
                        "需电子材料"
                    } else {
                        "不需电子材料"
                    }
                ),
            );
        }
        lines.join("\n")
    }
}

/// What a site's published service items bring to the check indicators.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceStanding {
    /// Whether the site must offer services (a portal, or a site that lists any).
    pub expected: bool,
    /// Published service items.
    pub items: usize,
    /// Titles of published items whose guide lacks a key element.
    pub incomplete: Vec<String>,
    /// Form, sample and result links of published items that no published file of the site
    /// answers.
    pub broken_links: usize,
}

impl ServiceStanding {
    /// 服务不实用 (veto): no service where one is expected, a key element missing, or a form that
    /// cannot be downloaded. `None` when the site passes.
    pub fn failure(&self) -> Option<String> {
        let mut why = Vec::new();
        if self.expected && self.items == 0 {
            why.push("未提供任何办事服务事项".to_string());
        }
        if let Some(first) = self.incomplete.first() {
            why.push(format!(
                "{} 个事项的办事指南缺少关键要素（如“{first}”）",
                self.incomplete.len()
            ));
        }
        if self.broken_links > 0 {
            why.push(format!("{} 个表格或样本无法下载", self.broken_links));
        }
        if why.is_empty() {
            None
        } else {
            Some(format!("{}（服务不实用，单项否决）", why.join("；")))
        }
    }
}

/// A 办结时限 as a guide writes it: `即时办结` (the same day), `5个工作日` (working days on the
/// platform's calendar), `30日` or `30天` (calendar days). Other wordings are not measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeLimit {
    Immediate,
    WorkingDays(u32),
    Days(u32),
}

impl TimeLimit {
    pub fn parse(text: &str) -> Option<TimeLimit> {
        let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if [
            "即时办结",
            "即办",
            "当场办结",
            "即办件",
            "当日办结",
            "立即办结",
        ]
        .contains(&t.as_str())
        {
            return Some(TimeLimit::Immediate);
        }
        let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
        let n: u32 = digits.parse().ok().filter(|n| (1..=365).contains(n))?;
        match &t[digits.len()..] {
            "个工作日" | "工作日" => Some(TimeLimit::WorkingDays(n)),
            "日" | "天" | "个自然日" | "自然日" => Some(TimeLimit::Days(n)),
            _ => None,
        }
    }

    /// The end of the last day allowed when the clock starts at `from` (Beijing days).
    pub fn due(
        self,
        cal: &crate::timeliness::WorkCalendar,
        from: chrono::DateTime<chrono::Utc>,
    ) -> chrono::DateTime<chrono::Utc> {
        let day = crate::beijing::day(from);
        let last = match self {
            TimeLimit::Immediate => day,
            TimeLimit::WorkingDays(n) => cal.working_days_after(day, n),
            TimeLimit::Days(n) => day + chrono::Duration::days(i64::from(n)),
        };
        use chrono::TimeZone;
        crate::beijing::OFFSET
            .from_local_datetime(&last.and_hms_opt(23, 59, 59).unwrap_or_default())
            .single()
            .map_or(from, |t| t.with_timezone(&chrono::Utc))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
