"""GB/T 4754-2017 industry classification: the 20 sections, all 97 divisions, and the groups
of divisions 59 and 70, which the enterprise size standard splits."""

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final


@dataclass(frozen=True, slots=True)
class IndustrySection:
    """A section (门类), lettered A–T."""

    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class IndustryDivision:
    """A division (大类), two digits 01–97, within a section."""

    code: str
    section: str
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class IndustryGroup:
    """A group (中类), three digits, within a division."""

    code: str
    division: str
    name_zh: str
    name_en: str


SECTIONS: Final[tuple[IndustrySection, ...]] = (
    IndustrySection("A", "农、林、牧、渔业", "Agriculture, forestry, animal husbandry and fishery"),
    IndustrySection("B", "采矿业", "Mining"),
    IndustrySection("C", "制造业", "Manufacturing"),
    IndustrySection(
        "D",
        "电力、热力、燃气及水生产和供应业",
        "Production and supply of electricity, heat, gas and water",
    ),
    IndustrySection("E", "建筑业", "Construction"),
    IndustrySection("F", "批发和零售业", "Wholesale and retail trade"),
    IndustrySection("G", "交通运输、仓储和邮政业", "Transport, storage and postal services"),
    IndustrySection("H", "住宿和餐饮业", "Accommodation and catering"),
    IndustrySection(
        "I",
        "信息传输、软件和信息技术服务业",
        "Information transmission, software and information technology services",
    ),
    IndustrySection("J", "金融业", "Finance"),
    IndustrySection("K", "房地产业", "Real estate"),
    IndustrySection("L", "租赁和商务服务业", "Leasing and business services"),
    IndustrySection("M", "科学研究和技术服务业", "Scientific research and technical services"),
    IndustrySection(
        "N",
        "水利、环境和公共设施管理业",
        "Water conservancy, environment and public facilities management",
    ),
    IndustrySection(
        "O", "居民服务、修理和其他服务业", "Resident services, repair and other services"
    ),
    IndustrySection("P", "教育", "Education"),
    IndustrySection("Q", "卫生和社会工作", "Health and social work"),
    IndustrySection("R", "文化、体育和娱乐业", "Culture, sports and entertainment"),
    IndustrySection(
        "S",
        "公共管理、社会保障和社会组织",
        "Public administration, social security and social organisations",
    ),
    IndustrySection("T", "国际组织", "International organisations"),
)

DIVISIONS: Final[tuple[IndustryDivision, ...]] = (
    IndustryDivision("01", "A", "农业", "Agriculture"),
    IndustryDivision("02", "A", "林业", "Forestry"),
    IndustryDivision("03", "A", "畜牧业", "Animal husbandry"),
    IndustryDivision("04", "A", "渔业", "Fishery"),
    IndustryDivision(
        "05",
        "A",
        "农、林、牧、渔专业及辅助性活动",
        "Support activities for agriculture, forestry, animal husbandry and fishery",
    ),
    IndustryDivision("06", "B", "煤炭开采和洗选业", "Mining and washing of coal"),
    IndustryDivision("07", "B", "石油和天然气开采业", "Extraction of petroleum and natural gas"),
    IndustryDivision("08", "B", "黑色金属矿采选业", "Mining and processing of ferrous metal ores"),
    IndustryDivision(
        "09", "B", "有色金属矿采选业", "Mining and processing of non-ferrous metal ores"
    ),
    IndustryDivision("10", "B", "非金属矿采选业", "Mining and processing of non-metal ores"),
    IndustryDivision("11", "B", "开采专业及辅助性活动", "Mining support activities"),
    IndustryDivision("12", "B", "其他采矿业", "Other mining"),
    IndustryDivision("13", "C", "农副食品加工业", "Processing of food from agricultural products"),
    IndustryDivision("14", "C", "食品制造业", "Manufacture of foods"),
    IndustryDivision(
        "15", "C", "酒、饮料和精制茶制造业", "Manufacture of liquor, beverages and refined tea"
    ),
    IndustryDivision("16", "C", "烟草制品业", "Manufacture of tobacco"),
    IndustryDivision("17", "C", "纺织业", "Manufacture of textiles"),
    IndustryDivision(
        "18", "C", "纺织服装、服饰业", "Manufacture of textile wearing apparel and accessories"
    ),
    IndustryDivision(
        "19",
        "C",
        "皮革、毛皮、羽毛及其制品和制鞋业",
        "Manufacture of leather, fur, feather and related products and footwear",
    ),
    IndustryDivision(
        "20",
        "C",
        "木材加工和木、竹、藤、棕、草制品业",
        "Processing of timber and manufacture of wood, bamboo, rattan, palm and straw products",
    ),
    IndustryDivision("21", "C", "家具制造业", "Manufacture of furniture"),
    IndustryDivision("22", "C", "造纸和纸制品业", "Manufacture of paper and paper products"),
    IndustryDivision(
        "23", "C", "印刷和记录媒介复制业", "Printing and reproduction of recording media"
    ),
    IndustryDivision(
        "24",
        "C",
        "文教、工美、体育和娱乐用品制造业",
        "Manufacture of articles for culture, education, arts and crafts, sport and entertainment",
    ),
    IndustryDivision(
        "25", "C", "石油、煤炭及其他燃料加工业", "Processing of petroleum, coal and other fuels"
    ),
    IndustryDivision(
        "26",
        "C",
        "化学原料和化学制品制造业",
        "Manufacture of raw chemical materials and chemical products",
    ),
    IndustryDivision("27", "C", "医药制造业", "Manufacture of medicines"),
    IndustryDivision("28", "C", "化学纤维制造业", "Manufacture of chemical fibres"),
    IndustryDivision("29", "C", "橡胶和塑料制品业", "Manufacture of rubber and plastic products"),
    IndustryDivision("30", "C", "非金属矿物制品业", "Manufacture of non-metallic mineral products"),
    IndustryDivision(
        "31", "C", "黑色金属冶炼和压延加工业", "Smelting and pressing of ferrous metals"
    ),
    IndustryDivision(
        "32", "C", "有色金属冶炼和压延加工业", "Smelting and pressing of non-ferrous metals"
    ),
    IndustryDivision("33", "C", "金属制品业", "Manufacture of metal products"),
    IndustryDivision("34", "C", "通用设备制造业", "Manufacture of general-purpose machinery"),
    IndustryDivision("35", "C", "专用设备制造业", "Manufacture of special-purpose machinery"),
    IndustryDivision("36", "C", "汽车制造业", "Manufacture of motor vehicles"),
    IndustryDivision(
        "37",
        "C",
        "铁路、船舶、航空航天和其他运输设备制造业",
        "Manufacture of railway, ship, aerospace and other transport equipment",
    ),
    IndustryDivision(
        "38", "C", "电气机械和器材制造业", "Manufacture of electrical machinery and equipment"
    ),
    IndustryDivision(
        "39",
        "C",
        "计算机、通信和其他电子设备制造业",
        "Manufacture of computers, communication and other electronic equipment",
    ),
    IndustryDivision(
        "40", "C", "仪器仪表制造业", "Manufacture of measuring instruments and meters"
    ),
    IndustryDivision("41", "C", "其他制造业", "Other manufacturing"),
    IndustryDivision("42", "C", "废弃资源综合利用业", "Utilisation of waste resources"),
    IndustryDivision(
        "43", "C", "金属制品、机械和设备修理业", "Repair of metal products, machinery and equipment"
    ),
    IndustryDivision(
        "44", "D", "电力、热力生产和供应业", "Production and supply of electricity and heat"
    ),
    IndustryDivision("45", "D", "燃气生产和供应业", "Production and supply of gas"),
    IndustryDivision("46", "D", "水的生产和供应业", "Production and supply of water"),
    IndustryDivision("47", "E", "房屋建筑业", "Construction of buildings"),
    IndustryDivision("48", "E", "土木工程建筑业", "Civil engineering"),
    IndustryDivision("49", "E", "建筑安装业", "Construction installation"),
    IndustryDivision(
        "50",
        "E",
        "建筑装饰、装修和其他建筑业",
        "Building decoration, renovation and other construction",
    ),
    IndustryDivision("51", "F", "批发业", "Wholesale trade"),
    IndustryDivision("52", "F", "零售业", "Retail trade"),
    IndustryDivision("53", "G", "铁路运输业", "Rail transport"),
    IndustryDivision("54", "G", "道路运输业", "Road transport"),
    IndustryDivision("55", "G", "水上运输业", "Water transport"),
    IndustryDivision("56", "G", "航空运输业", "Air transport"),
    IndustryDivision("57", "G", "管道运输业", "Pipeline transport"),
    IndustryDivision(
        "58", "G", "多式联运和运输代理业", "Multimodal transport and transport agency"
    ),
    IndustryDivision("59", "G", "装卸搬运和仓储业", "Loading, unloading and storage"),
    IndustryDivision("60", "G", "邮政业", "Postal services"),
    IndustryDivision("61", "H", "住宿业", "Accommodation"),
    IndustryDivision("62", "H", "餐饮业", "Catering"),
    IndustryDivision(
        "63",
        "I",
        "电信、广播电视和卫星传输服务",
        "Telecommunications, radio, television and satellite transmission services",
    ),
    IndustryDivision("64", "I", "互联网和相关服务", "Internet and related services"),
    IndustryDivision(
        "65", "I", "软件和信息技术服务业", "Software and information technology services"
    ),
    IndustryDivision("66", "J", "货币金融服务", "Monetary financial services"),
    IndustryDivision("67", "J", "资本市场服务", "Capital market services"),
    IndustryDivision("68", "J", "保险业", "Insurance"),
    IndustryDivision("69", "J", "其他金融业", "Other financial services"),
    IndustryDivision("70", "K", "房地产业", "Real estate"),
    IndustryDivision("71", "L", "租赁业", "Leasing"),
    IndustryDivision("72", "L", "商务服务业", "Business services"),
    IndustryDivision("73", "M", "研究和试验发展", "Research and experimental development"),
    IndustryDivision("74", "M", "专业技术服务业", "Professional technical services"),
    IndustryDivision(
        "75", "M", "科技推广和应用服务业", "Technology promotion and application services"
    ),
    IndustryDivision("76", "N", "水利管理业", "Water conservancy management"),
    IndustryDivision(
        "77", "N", "生态保护和环境治理业", "Ecological protection and environmental management"
    ),
    IndustryDivision("78", "N", "公共设施管理业", "Public facilities management"),
    IndustryDivision("79", "N", "土地管理业", "Land management"),
    IndustryDivision("80", "O", "居民服务业", "Resident services"),
    IndustryDivision(
        "81",
        "O",
        "机动车、电子产品和日用产品修理业",
        "Repair of motor vehicles, electronic and household products",
    ),
    IndustryDivision("82", "O", "其他服务业", "Other services"),
    IndustryDivision("83", "P", "教育", "Education"),
    IndustryDivision("84", "Q", "卫生", "Health"),
    IndustryDivision("85", "Q", "社会工作", "Social work"),
    IndustryDivision("86", "R", "新闻和出版业", "News and publishing"),
    IndustryDivision(
        "87", "R", "广播、电视、电影和录音制作业", "Radio, television, film and sound recording"
    ),
    IndustryDivision("88", "R", "文化艺术业", "Culture and arts"),
    IndustryDivision("89", "R", "体育", "Sports"),
    IndustryDivision("90", "R", "娱乐业", "Entertainment"),
    IndustryDivision("91", "S", "中国共产党机关", "Organs of the Communist Party of China"),
    IndustryDivision("92", "S", "国家机构", "State organs"),
    IndustryDivision("93", "S", "人民政协、民主党派", "CPPCC and democratic parties"),
    IndustryDivision("94", "S", "社会保障", "Social security"),
    IndustryDivision(
        "95",
        "S",
        "群众团体、社会团体和其他成员组织",
        "Mass organisations, social organisations and other membership organisations",
    ),
    IndustryDivision(
        "96", "S", "基层群众自治组织及其他组织", "Grassroots self-governing and other organisations"
    ),
    IndustryDivision("97", "T", "国际组织", "International organisations"),
)

# Only the groups the size standard needs to tell apart (divisions 59 and 70).
GROUPS: Final[tuple[IndustryGroup, ...]] = (
    IndustryGroup("591", "59", "装卸搬运", "Loading and unloading"),
    IndustryGroup("592", "59", "通用仓储", "General warehousing"),
    IndustryGroup("593", "59", "低温仓储", "Cold storage"),
    IndustryGroup("594", "59", "危险品仓储", "Dangerous goods storage"),
    IndustryGroup(
        "595", "59", "谷物、棉花等农产品仓储", "Storage of grain, cotton and other farm products"
    ),
    IndustryGroup("596", "59", "中药材仓储", "Storage of Chinese medicinal materials"),
    IndustryGroup("599", "59", "其他仓储业", "Other storage"),
    IndustryGroup("701", "70", "房地产开发经营", "Real estate development and operation"),
    IndustryGroup("702", "70", "物业管理", "Property management"),
    IndustryGroup("703", "70", "房地产中介服务", "Real estate agency"),
    IndustryGroup("704", "70", "房地产租赁经营", "Real estate leasing"),
    IndustryGroup("709", "70", "其他房地产业", "Other real estate activities"),
)

SECTIONS_BY_CODE: Final = MappingProxyType({s.code: s for s in SECTIONS})
DIVISIONS_BY_CODE: Final = MappingProxyType({d.code: d for d in DIVISIONS})
GROUPS_BY_CODE: Final = MappingProxyType({g.code: g for g in GROUPS})
# Divisions whose groups fall under different rows of the size standard.
DIVISIONS_SPLIT_BY_GROUP: Final = frozenset(g.division for g in GROUPS)
