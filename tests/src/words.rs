//! The words of government sites, for generated articles: the search benchmark's index and
//! the national fixture in the store (`national`). Deterministic: the same seed, the same text.

/// xorshift64*: deterministic articles without a random-number crate.
pub struct Rng(pub u64);

impl Rng {
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

pub const TOPICS: &[&str] = &[
    "安全生产",
    "乡村振兴",
    "优化营商环境",
    "生态环境保护",
    "防汛抗旱",
    "森林防火",
    "义务教育",
    "医疗保障",
    "就业创业",
    "城乡环境整治",
    "冬季供暖",
    "政务公开",
    "数字政府建设",
    "食品安全",
    "河湖长制",
    "文明城市创建",
    "养老服务",
    "住房保障",
    "交通运输",
    "农田水利",
    "耕地保护",
    "招商引资",
    "消防安全",
    "社会救助",
    "退役军人服务",
    "民族团结进步",
    "公共文化服务",
    "全民健身",
    "地质灾害防治",
    "农村人居环境整治",
];

pub const TITLES: &[&str] = &[
    "{p}召开{y}年{t}工作会议",
    "关于进一步加强{t}工作的通知",
    "{p}人民政府关于印发《{p}{t}实施方案》的通知",
    "{p}开展{t}专项检查",
    "图解：《{p}{t}实施方案》",
    "{p}{t}工作取得阶段性成效",
    "关于公开征求《{p}{t}规划（征求意见稿）》意见的公告",
    "{p}召开{t}推进会",
    "{p}{y}年{t}工作要点",
    "关于做好{y}年{t}工作的通知",
];

pub const SENTENCES: &[&str] = &[
    "为深入贯彻落实党中央、国务院决策部署，扎实推进{t}工作，结合{p}实际，制定本方案。",
    "会议强调，各级各部门要提高政治站位，压实工作责任，确保{t}各项任务落地见效。",
    "{p}人民政府主要负责同志出席会议并讲话，要求坚持问题导向，补齐短板弱项。",
    "严格落实属地管理责任、部门监管责任和单位主体责任，确保责任到人、措施到位。",
    "要加强统筹协调，强化督促检查，对工作不力、推诿扯皮的严肃问责。",
    "截至目前，全县已累计投入资金{n}万元，惠及群众{m}余户。",
    "活动中，工作人员深入一线，详细了解情况，现场协调解决实际困难和问题。",
    "下一步，{p}将持续巩固拓展{t}成果，不断提升人民群众的获得感、幸福感、安全感。",
    "各乡镇人民政府、街道办事处，县政府各工作部门、各直属机构要认真贯彻执行。",
    "本方案自印发之日起施行，有效期五年。",
    "联系电话：0912-{n}，联系人：办公室。",
    "请各单位于{y}年{n}月底前将工作开展情况报送县政府办公室。",
];

/// A template with its place `{p}`, topic `{t}`, year `{y}` and numbers `{n}`, `{m}` filled in.
pub fn fill(s: &str, place: &str, topic: &str, year: i32, rng: &mut Rng) -> String {
    s.replace("{p}", place)
        .replace("{t}", topic)
        .replace("{y}", &year.to_string())
        .replace("{n}", &(rng.next() % 9000 + 1000).to_string())
        .replace("{m}", &(rng.next() % 900 + 100).to_string())
}
