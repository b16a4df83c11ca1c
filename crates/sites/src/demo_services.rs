//! The demo province's 办事服务: every site's 办事指南 column holds two service items with complete
//! guides (企业开办 and 城乡居民养老保险参保登记); the demo county (佳县) and the province portal
//! hold a dozen more, across themes, departments and both audiences. Real-looking, not real:
//! the bases cited are real laws and regulations, the telephone numbers and places invented.

use zhanqun_core::service::{Audience, Material, ServiceGuide};

/// A service item of the demo: its name, a line of description, the index of the unit that
/// carries it (in the site's unit list) and its guide.
pub struct DemoService {
    pub title: String,
    pub summary: String,
    pub unit: usize,
    pub guide: ServiceGuide,
}

fn material(name: &str, kind: &str, source: &str, copies: &str) -> Material {
    Material {
        name: name.into(),
        kind: kind.into(),
        source: source.into(),
        copies: copies.into(),
        acceptance: "材料齐全、内容真实、符合法定形式".into(),
        ..Material::default()
    }
}

/// What the items of one place share: where and when, and the telephones.
struct Place {
    hall: String,
    phone: String,
    complaint: String,
    scope: String,
}

/// Items a citizen or a company finishes without going anywhere, as provinces run them.
const FULLY_ONLINE: [&str; 2] = ["企业开办“一网通办”", "城乡居民基本养老保险参保登记"];

#[allow(clippy::too_many_arguments)]
fn item(
    at: &Place,
    title: &str,
    summary: &str,
    unit: usize,
    (item_type, audience, theme): (&str, Audience, &str),
    agency: &str,
    basis: &str,
    conditions: &str,
    (legal, promised): (&str, &str),
    result: &str,
    fee: &str,
    materials: Vec<Material>,
) -> DemoService {
    DemoService {
        title: title.into(),
        summary: summary.into(),
        unit,
        guide: ServiceGuide {
            item_type: item_type.into(),
            audience,
            theme: theme.into(),
            basis: basis.into(),
            conditions: conditions.into(),
            agency: agency.into(),
            legal_limit: legal.into(),
            promised_limit: promised.into(),
            result_name: result.into(),
            result_sample: None,
            fee: fee.into(),
            fee_basis: if fee == "不收费" {
                "无".into()
            } else {
                "按国家和省规定的收费标准执行".into()
            },
            materials,
            process: "申请：申请人通过窗口或网上提交申请材料\n受理：窗口工作人员核对材料，材料齐全的当场受理，不齐全的一次性告知补正内容\n审查：承办机构对申请材料进行审查\n决定：作出准予或不予办理的决定\n送达：窗口领取或邮寄送达办理结果".into(),
            channels: if FULLY_ONLINE.contains(&title) {
                "网上办理（全程网办）"
            } else {
                "窗口办理、网上办理"
            }
            .into(),
            review_standard: "申请材料齐全，符合法定形式，申请人符合申请条件".into(),
            scope: at.scope.clone(),
            appointment: "支持电话预约和网上预约".into(),
            online_payment: if fee == "不收费" {
                "不涉及".into()
            } else {
                "支持".into()
            },
            delivery: "支持办理结果免费邮寄".into(),
            place: at.hall.clone(),
            hours: "法定工作日 上午 9:00—12:00，下午 14:30—17:30".into(),
            consult_phone: at.phone.clone(),
            complaint_phone: at.complaint.clone(),
        },
    }
}

/// The service items of a demo site: two on every site, a dozen more when `featured`.
/// `place` is 佳县, 陕西省, …; `level` 县 / 市 / 省.
pub fn items(place: &str, level: &str, featured: bool) -> Vec<DemoService> {
    let at = Place {
        hall: format!("{place}政务服务中心一楼综合受理窗口"),
        phone: "0912-6722699".into(),
        complaint: "12345".into(),
        scope: format!("全{level}通办"),
    };
    let lvl = if level == "省" { "省" } else { level };
    let id_card = || material("居民身份证", "原件", "公安机关核发", "原件1份");
    let mut out = vec![
        item(
            &at,
            "企业开办“一网通办”",
            "企业设立登记、公章刻制、发票申领、社保登记一次申请、一日办结。",
            0,
            ("行政许可", Audience::Legal, "设立变更"),
            &format!("{place}市场监督管理局"),
            "《中华人民共和国市场主体登记管理条例》第三条、第十六条",
            "有符合规定的名称、住所、经营范围和出资；申请人具有完全民事行为能力",
            ("15个工作日", "1个工作日"),
            "营业执照",
            "不收费",
            vec![
                material(
                    "公司登记（备案）申请书",
                    "原件",
                    "申请人自备",
                    "原件1份，A4",
                ),
                material("公司章程", "原件", "申请人自备", "原件1份，A4"),
                id_card(),
                material("住所使用相关文件", "复印件", "申请人自备", "复印件1份，A4"),
            ],
        ),
        item(
            &at,
            "城乡居民基本养老保险参保登记",
            "年满16周岁、不属于职工基本养老保险覆盖范围的城乡居民参保登记。",
            0,
            ("公共服务", Audience::Person, "社会保障"),
            &format!("{place}社会保险经办机构"),
            "《中华人民共和国社会保险法》第二十条、第二十二条；《国务院关于建立统一的城乡居民基本养老保险制度的意见》（国发〔2014〕8号）",
            "年满16周岁（不含在校学生），非国家机关和事业单位工作人员及不属于职工基本养老保险制度覆盖范围的城乡居民",
            ("即时办结", "即时办结"),
            "参保登记信息",
            "不收费",
            vec![
                id_card(),
                material("居民户口簿", "原件", "公安机关核发", "原件1份"),
            ],
        ),
    ];
    if !featured {
        return out;
    }
    out.extend([
        item(
            &at,
            "结婚登记",
            "内地居民双方共同到婚姻登记机关申请结婚登记。",
            0,
            ("行政确认", Audience::Person, "婚姻登记"),
            &format!("{place}民政局婚姻登记处"),
            "《中华人民共和国民法典》第一千零四十九条；《婚姻登记条例》第四条至第七条",
            "男年满22周岁、女年满20周岁；双方自愿；双方均无配偶；双方没有直系血亲和三代以内旁系血亲关系",
            ("即时办结", "即时办结"),
            "结婚证",
            "不收费",
            vec![
                id_card(),
                material("居民户口簿", "原件", "公安机关核发", "原件1份"),
                material("本人近期半身免冠合影照片", "原件", "申请人自备", "2寸3张"),
                material("申请结婚登记声明书", "原件", "登记机关现场填写", "原件1份"),
            ],
        ),
        item(
            &at,
            "生育登记",
            "生育第一、二、三个子女的家庭办理生育登记，享受相关服务。",
            6,
            ("公共服务", Audience::Person, "生育收养"),
            &format!("{place}卫生健康局"),
            "《中华人民共和国人口与计划生育法》；《陕西省人口与计划生育条例》",
            "夫妻双方或一方户籍在本地，或在本地居住的流动人口",
            ("即时办结", "即时办结"),
            "生育登记服务证明",
            "不收费",
            vec![id_card(), material("结婚证", "原件", "民政部门核发", "原件1份")],
        ),
        item(
            &at,
            "居民身份证换领",
            "居民身份证有效期满或损坏的，申请换领新证。",
            0,
            ("行政确认", Audience::Person, "证件办理"),
            &format!("{place}公安局户政大厅"),
            "《中华人民共和国居民身份证法》第三条、第十一条",
            "居民身份证有效期满、证件损坏难以辨认或登记项目变更",
            ("60日", "20个工作日"),
            "居民身份证",
            "20元/证（工本费）",
            vec![
                material("原居民身份证", "原件", "公安机关核发", "原件1份"),
                material("居民户口簿", "原件", "公安机关核发", "原件1份"),
            ],
        ),
        item(
            &at,
            "义务教育阶段学生转学",
            "义务教育阶段学生因户籍迁移、随父母工作变动等原因申请转学。",
            2,
            ("公共服务", Audience::Person, "教育科研"),
            &format!("{place}教育局"),
            "《中华人民共和国义务教育法》第十二条；《中小学生学籍管理办法》第十四条",
            "具有本{lvl}义务教育学校学籍，因户籍迁移、随父母工作变动等原因需要转学".replace("{lvl}", lvl).as_str(),
            ("10个工作日", "5个工作日"),
            "转学联系单",
            "不收费",
            vec![
                material("转学申请表", "原件", "申请人自备", "原件1份，A4"),
                material("户籍或居住证明", "复印件", "公安机关核发", "复印件1份"),
            ],
        ),
        item(
            &at,
            "农村宅基地审批",
            "农村村民建造住宅使用宅基地的申请和审批。",
            4,
            ("行政许可", Audience::Person, "农业农村"),
            &format!("{place}农业农村局"),
            "《中华人民共和国土地管理法》第六十二条；《农业农村部 自然资源部关于规范农村宅基地审批管理的通知》",
            "本集体经济组织成员，以户为单位申请，一户只能拥有一处宅基地",
            ("20个工作日", "15个工作日"),
            "农村宅基地批准书",
            "不收费",
            vec![
                material("农村宅基地和建房（规划许可）申请表", "原件", "申请人自备", "原件1份，A4"),
                material("农村宅基地使用承诺书", "原件", "申请人自备", "原件1份，A4"),
                material("居民户口簿", "复印件", "公安机关核发", "复印件1份"),
            ],
        ),
        item(
            &at,
            "建筑工程施工许可证核发",
            "在本行政区域内从事建筑工程施工，建设单位申领施工许可证。",
            5,
            ("行政许可", Audience::Legal, "规划建设"),
            &format!("{place}住房和城乡建设局"),
            "《中华人民共和国建筑法》第七条、第八条；《建筑工程施工许可管理办法》",
            "已办理用地批准手续；已取得建设工程规划许可证；施工场地已基本具备施工条件；已确定施工企业；有满足施工需要的资金安排、施工图纸及技术资料",
            ("7个工作日", "3个工作日"),
            "建筑工程施工许可证",
            "不收费",
            vec![
                material("建筑工程施工许可证申请表", "原件", "申请人自备", "原件1份，A4"),
                material("建设工程规划许可证", "复印件", "自然资源部门核发", "复印件1份"),
                material("施工合同", "复印件", "申请人自备", "复印件1份"),
            ],
        ),
        item(
            &at,
            "危险化学品经营许可",
            "经营危险化学品（不含仓储）的企业申请经营许可证。",
            3,
            ("行政许可", Audience::Legal, "准营准办"),
            &format!("{place}应急管理局"),
            "《危险化学品安全管理条例》第三十三条至第三十五条；《危险化学品经营许可证管理办法》",
            "有符合国家标准的经营场所；从业人员经过专业技术培训并经考核合格；有健全的安全管理规章制度；有符合规定的事故应急预案",
            ("30日", "10个工作日"),
            "危险化学品经营许可证",
            "不收费",
            vec![
                material("危险化学品经营许可证申请表", "原件", "申请人自备", "原件1份，A4"),
                material("安全生产管理制度和岗位操作规程", "原件", "申请人自备", "原件1份"),
                material("主要负责人和安全管理人员考核合格证明", "复印件", "应急管理部门核发", "复印件1份"),
            ],
        ),
        item(
            &at,
            "建设项目环境影响报告表审批",
            "编制环境影响报告表的建设项目，开工前报请审批。",
            7,
            ("行政许可", Audience::Legal, "规划建设"),
            &format!("{place}生态环境局"),
            "《中华人民共和国环境影响评价法》第十六条、第二十二条",
            "建设项目符合生态环境保护法律法规和相关法定规划",
            ("30日", "15个工作日"),
            "环境影响报告表批复",
            "不收费",
            vec![
                material("建设项目环境影响报告表审批申请书", "原件", "申请人自备", "原件1份，A4"),
                material("建设项目环境影响报告表", "原件", "申请人自备", "原件2份"),
            ],
        ),
        item(
            &at,
            "企业投资项目备案",
            "不属于核准范围的企业投资项目，开工前通过在线平台备案。",
            1,
            ("其他行政权力", Audience::Legal, "准营准办"),
            &format!("{place}发展和改革局"),
            "《企业投资项目核准和备案管理条例》第三条、第十三条",
            "项目不属于《政府核准的投资项目目录》范围，符合产业政策",
            ("即时办结", "即时办结"),
            "项目备案证明",
            "不收费",
            vec![material("企业投资项目备案信息表", "原件", "投资项目在线审批监管平台填写", "在线填报")],
        ),
        item(
            &at,
            "医师执业注册",
            "取得医师资格的人员申请在医疗、预防、保健机构中执业注册。",
            6,
            ("行政许可", Audience::Person, "医疗卫生"),
            &format!("{place}卫生健康局"),
            "《中华人民共和国医师法》第十三条、第十四条",
            "取得医师资格，拟在本地医疗、预防、保健机构中执业",
            ("20个工作日", "5个工作日"),
            "医师执业证书",
            "不收费",
            vec![
                material("医师执业注册申请审核表", "原件", "申请人自备", "原件1份，A4"),
                material("医师资格证书", "原件", "卫生健康部门核发", "原件1份"),
                material("拟执业机构聘用证明", "原件", "聘用单位出具", "原件1份"),
            ],
        ),
        item(
            &at,
            "公共租赁住房申请",
            "城镇中等偏下收入住房困难家庭、新就业无房职工申请公共租赁住房。",
            5,
            ("公共服务", Audience::Person, "住房保障"),
            &format!("{place}住房和城乡建设局"),
            "《公共租赁住房管理办法》（住房和城乡建设部令第11号）第七条",
            "在本地无住房或住房面积低于规定标准；收入、财产低于规定标准",
            ("30个工作日", "20个工作日"),
            "公共租赁住房配租通知书",
            "不收费",
            vec![
                material("公共租赁住房申请表", "原件", "申请人自备", "原件1份，A4"),
                material("家庭成员身份证明", "复印件", "公安机关核发", "复印件各1份"),
                material("家庭收入和住房情况声明", "原件", "申请人自备", "原件1份"),
            ],
        ),
    ]);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use zhanqun_core::service::{Element, publishable};

    #[test]
    fn every_demo_item_is_complete_and_clean() {
        let all = items("佳县", "县", true);
        assert_eq!(all.len(), 13);
        for s in all {
            let g = s.guide.clone().cleaned().unwrap();
            assert_eq!(g, s.guide, "{} is stored as written", s.title);
            publishable(&s.title, &g, &Element::NATIONAL).unwrap();
        }
        assert_eq!(items("榆林市", "市", false).len(), 2);
    }
}
