"""Reference data (districts, industries), enterprises, their change history, bulk imports.

Revision ID: registry_0002
Revises: registry_0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "registry_0002"
down_revision: str | None = "registry_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)

# The reference data as this revision loaded it, frozen here: later edits to the live reference
# modules need a migration of their own.
DISTRICT_COLUMNS = ('code', 'name_zh', 'name_en', 'kind', 'admin_code', 'matching_city', 'matching_district', 'position')
DISTRICT_ROWS = (
    ('xiaodian', '小店区', 'Xiaodian District', 'city_district', '140105', 2, 3, 0),
    ('yingze', '迎泽区', 'Yingze District', 'city_district', '140106', 2, 3, 1),
    ('xinghualing', '杏花岭区', 'Xinghualing District', 'city_district', '140107', 2, 3, 2),
    ('jiancaoping', '尖草坪区', 'Jiancaoping District', 'city_district', '140108', 2, 3, 3),
    ('wanbailin', '万柏林区', 'Wanbailin District', 'city_district', '140109', 2, 3, 4),
    ('jinyuan', '晋源区', 'Jinyuan District', 'city_district', '140110', 2, 3, 5),
    ('qingxu', '清徐县', 'Qingxu County', 'county', '140121', 1, 1, 6),
    ('yangqu', '阳曲县', 'Yangqu County', 'county', '140122', 2, 1, 7),
    ('loufan', '娄烦县', 'Loufan County', 'county', '140123', 2, 1, 8),
    ('gujiao', '古交市', 'Gujiao City', 'county_level_city', '140181', 1, 1, 9),
    ('hi_tech_zone', '高新区', 'Hi-tech Industrial Development Zone', 'development_zone', None, 1, 2, 10),
    ('economic_zone', '经济区', 'Economic and Technological Development Zone', 'development_zone', None, 1, 2, 11),
    ('private_economy_zone', '民营区', 'Private Economy Development Zone', 'development_zone', None, 2, 3, 12),
    ('stainless_steel_park', '不锈钢园区', 'Stainless Steel Industrial Park', 'development_zone', None, 2, 3, 13),
)
INDUSTRY_COLUMNS = ('code', 'level', 'section', 'parent', 'name_zh', 'name_en')
INDUSTRY_ROWS = (
    ('A', 'section', 'A', None, '农、林、牧、渔业', 'Agriculture, forestry, animal husbandry and fishery'),
    ('B', 'section', 'B', None, '采矿业', 'Mining'),
    ('C', 'section', 'C', None, '制造业', 'Manufacturing'),
    ('D', 'section', 'D', None, '电力、热力、燃气及水生产和供应业', 'Production and supply of electricity, heat, gas and water'),
    ('E', 'section', 'E', None, '建筑业', 'Construction'),
    ('F', 'section', 'F', None, '批发和零售业', 'Wholesale and retail trade'),
    ('G', 'section', 'G', None, '交通运输、仓储和邮政业', 'Transport, storage and postal services'),
    ('H', 'section', 'H', None, '住宿和餐饮业', 'Accommodation and catering'),
    ('I', 'section', 'I', None, '信息传输、软件和信息技术服务业', 'Information transmission, software and information technology services'),
    ('J', 'section', 'J', None, '金融业', 'Finance'),
    ('K', 'section', 'K', None, '房地产业', 'Real estate'),
    ('L', 'section', 'L', None, '租赁和商务服务业', 'Leasing and business services'),
    ('M', 'section', 'M', None, '科学研究和技术服务业', 'Scientific research and technical services'),
    ('N', 'section', 'N', None, '水利、环境和公共设施管理业', 'Water conservancy, environment and public facilities management'),
    ('O', 'section', 'O', None, '居民服务、修理和其他服务业', 'Resident services, repair and other services'),
    ('P', 'section', 'P', None, '教育', 'Education'),
    ('Q', 'section', 'Q', None, '卫生和社会工作', 'Health and social work'),
    ('R', 'section', 'R', None, '文化、体育和娱乐业', 'Culture, sports and entertainment'),
    ('S', 'section', 'S', None, '公共管理、社会保障和社会组织', 'Public administration, social security and social organisations'),
    ('T', 'section', 'T', None, '国际组织', 'International organisations'),
    ('01', 'division', 'A', 'A', '农业', 'Agriculture'),
    ('02', 'division', 'A', 'A', '林业', 'Forestry'),
    ('03', 'division', 'A', 'A', '畜牧业', 'Animal husbandry'),
    ('04', 'division', 'A', 'A', '渔业', 'Fishery'),
    ('05', 'division', 'A', 'A', '农、林、牧、渔专业及辅助性活动', 'Support activities for agriculture, forestry, animal husbandry and fishery'),
    ('06', 'division', 'B', 'B', '煤炭开采和洗选业', 'Mining and washing of coal'),
    ('07', 'division', 'B', 'B', '石油和天然气开采业', 'Extraction of petroleum and natural gas'),
    ('08', 'division', 'B', 'B', '黑色金属矿采选业', 'Mining and processing of ferrous metal ores'),
    ('09', 'division', 'B', 'B', '有色金属矿采选业', 'Mining and processing of non-ferrous metal ores'),
    ('10', 'division', 'B', 'B', '非金属矿采选业', 'Mining and processing of non-metal ores'),
    ('11', 'division', 'B', 'B', '开采专业及辅助性活动', 'Mining support activities'),
    ('12', 'division', 'B', 'B', '其他采矿业', 'Other mining'),
    ('13', 'division', 'C', 'C', '农副食品加工业', 'Processing of food from agricultural products'),
    ('14', 'division', 'C', 'C', '食品制造业', 'Manufacture of foods'),
    ('15', 'division', 'C', 'C', '酒、饮料和精制茶制造业', 'Manufacture of liquor, beverages and refined tea'),
    ('16', 'division', 'C', 'C', '烟草制品业', 'Manufacture of tobacco'),
    ('17', 'division', 'C', 'C', '纺织业', 'Manufacture of textiles'),
    ('18', 'division', 'C', 'C', '纺织服装、服饰业', 'Manufacture of textile wearing apparel and accessories'),
    ('19', 'division', 'C', 'C', '皮革、毛皮、羽毛及其制品和制鞋业', 'Manufacture of leather, fur, feather and related products and footwear'),
    ('20', 'division', 'C', 'C', '木材加工和木、竹、藤、棕、草制品业', 'Processing of timber and manufacture of wood, bamboo, rattan, palm and straw products'),
    ('21', 'division', 'C', 'C', '家具制造业', 'Manufacture of furniture'),
    ('22', 'division', 'C', 'C', '造纸和纸制品业', 'Manufacture of paper and paper products'),
    ('23', 'division', 'C', 'C', '印刷和记录媒介复制业', 'Printing and reproduction of recording media'),
    ('24', 'division', 'C', 'C', '文教、工美、体育和娱乐用品制造业', 'Manufacture of articles for culture, education, arts and crafts, sport and entertainment'),
    ('25', 'division', 'C', 'C', '石油、煤炭及其他燃料加工业', 'Processing of petroleum, coal and other fuels'),
    ('26', 'division', 'C', 'C', '化学原料和化学制品制造业', 'Manufacture of raw chemical materials and chemical products'),
    ('27', 'division', 'C', 'C', '医药制造业', 'Manufacture of medicines'),
    ('28', 'division', 'C', 'C', '化学纤维制造业', 'Manufacture of chemical fibres'),
    ('29', 'division', 'C', 'C', '橡胶和塑料制品业', 'Manufacture of rubber and plastic products'),
    ('30', 'division', 'C', 'C', '非金属矿物制品业', 'Manufacture of non-metallic mineral products'),
    ('31', 'division', 'C', 'C', '黑色金属冶炼和压延加工业', 'Smelting and pressing of ferrous metals'),
    ('32', 'division', 'C', 'C', '有色金属冶炼和压延加工业', 'Smelting and pressing of non-ferrous metals'),
    ('33', 'division', 'C', 'C', '金属制品业', 'Manufacture of metal products'),
    ('34', 'division', 'C', 'C', '通用设备制造业', 'Manufacture of general-purpose machinery'),
    ('35', 'division', 'C', 'C', '专用设备制造业', 'Manufacture of special-purpose machinery'),
    ('36', 'division', 'C', 'C', '汽车制造业', 'Manufacture of motor vehicles'),
    ('37', 'division', 'C', 'C', '铁路、船舶、航空航天和其他运输设备制造业', 'Manufacture of railway, ship, aerospace and other transport equipment'),
    ('38', 'division', 'C', 'C', '电气机械和器材制造业', 'Manufacture of electrical machinery and equipment'),
    ('39', 'division', 'C', 'C', '计算机、通信和其他电子设备制造业', 'Manufacture of computers, communication and other electronic equipment'),
    ('40', 'division', 'C', 'C', '仪器仪表制造业', 'Manufacture of measuring instruments and meters'),
    ('41', 'division', 'C', 'C', '其他制造业', 'Other manufacturing'),
    ('42', 'division', 'C', 'C', '废弃资源综合利用业', 'Utilisation of waste resources'),
    ('43', 'division', 'C', 'C', '金属制品、机械和设备修理业', 'Repair of metal products, machinery and equipment'),
    ('44', 'division', 'D', 'D', '电力、热力生产和供应业', 'Production and supply of electricity and heat'),
    ('45', 'division', 'D', 'D', '燃气生产和供应业', 'Production and supply of gas'),
    ('46', 'division', 'D', 'D', '水的生产和供应业', 'Production and supply of water'),
    ('47', 'division', 'E', 'E', '房屋建筑业', 'Construction of buildings'),
    ('48', 'division', 'E', 'E', '土木工程建筑业', 'Civil engineering'),
    ('49', 'division', 'E', 'E', '建筑安装业', 'Construction installation'),
    ('50', 'division', 'E', 'E', '建筑装饰、装修和其他建筑业', 'Building decoration, renovation and other construction'),
    ('51', 'division', 'F', 'F', '批发业', 'Wholesale trade'),
    ('52', 'division', 'F', 'F', '零售业', 'Retail trade'),
    ('53', 'division', 'G', 'G', '铁路运输业', 'Rail transport'),
    ('54', 'division', 'G', 'G', '道路运输业', 'Road transport'),
    ('55', 'division', 'G', 'G', '水上运输业', 'Water transport'),
    ('56', 'division', 'G', 'G', '航空运输业', 'Air transport'),
    ('57', 'division', 'G', 'G', '管道运输业', 'Pipeline transport'),
    ('58', 'division', 'G', 'G', '多式联运和运输代理业', 'Multimodal transport and transport agency'),
    ('59', 'division', 'G', 'G', '装卸搬运和仓储业', 'Loading, unloading and storage'),
    ('60', 'division', 'G', 'G', '邮政业', 'Postal services'),
    ('61', 'division', 'H', 'H', '住宿业', 'Accommodation'),
    ('62', 'division', 'H', 'H', '餐饮业', 'Catering'),
    ('63', 'division', 'I', 'I', '电信、广播电视和卫星传输服务', 'Telecommunications, radio, television and satellite transmission services'),
    ('64', 'division', 'I', 'I', '互联网和相关服务', 'Internet and related services'),
    ('65', 'division', 'I', 'I', '软件和信息技术服务业', 'Software and information technology services'),
    ('66', 'division', 'J', 'J', '货币金融服务', 'Monetary financial services'),
    ('67', 'division', 'J', 'J', '资本市场服务', 'Capital market services'),
    ('68', 'division', 'J', 'J', '保险业', 'Insurance'),
    ('69', 'division', 'J', 'J', '其他金融业', 'Other financial services'),
    ('70', 'division', 'K', 'K', '房地产业', 'Real estate'),
    ('71', 'division', 'L', 'L', '租赁业', 'Leasing'),
    ('72', 'division', 'L', 'L', '商务服务业', 'Business services'),
    ('73', 'division', 'M', 'M', '研究和试验发展', 'Research and experimental development'),
    ('74', 'division', 'M', 'M', '专业技术服务业', 'Professional technical services'),
    ('75', 'division', 'M', 'M', '科技推广和应用服务业', 'Technology promotion and application services'),
    ('76', 'division', 'N', 'N', '水利管理业', 'Water conservancy management'),
    ('77', 'division', 'N', 'N', '生态保护和环境治理业', 'Ecological protection and environmental management'),
    ('78', 'division', 'N', 'N', '公共设施管理业', 'Public facilities management'),
    ('79', 'division', 'N', 'N', '土地管理业', 'Land management'),
    ('80', 'division', 'O', 'O', '居民服务业', 'Resident services'),
    ('81', 'division', 'O', 'O', '机动车、电子产品和日用产品修理业', 'Repair of motor vehicles, electronic and household products'),
    ('82', 'division', 'O', 'O', '其他服务业', 'Other services'),
    ('83', 'division', 'P', 'P', '教育', 'Education'),
    ('84', 'division', 'Q', 'Q', '卫生', 'Health'),
    ('85', 'division', 'Q', 'Q', '社会工作', 'Social work'),
    ('86', 'division', 'R', 'R', '新闻和出版业', 'News and publishing'),
    ('87', 'division', 'R', 'R', '广播、电视、电影和录音制作业', 'Radio, television, film and sound recording'),
    ('88', 'division', 'R', 'R', '文化艺术业', 'Culture and arts'),
    ('89', 'division', 'R', 'R', '体育', 'Sports'),
    ('90', 'division', 'R', 'R', '娱乐业', 'Entertainment'),
    ('91', 'division', 'S', 'S', '中国共产党机关', 'Organs of the Communist Party of China'),
    ('92', 'division', 'S', 'S', '国家机构', 'State organs'),
    ('93', 'division', 'S', 'S', '人民政协、民主党派', 'CPPCC and democratic parties'),
    ('94', 'division', 'S', 'S', '社会保障', 'Social security'),
    ('95', 'division', 'S', 'S', '群众团体、社会团体和其他成员组织', 'Mass organisations, social organisations and other membership organisations'),
    ('96', 'division', 'S', 'S', '基层群众自治组织及其他组织', 'Grassroots self-governing and other organisations'),
    ('97', 'division', 'T', 'T', '国际组织', 'International organisations'),
    ('591', 'group', 'G', '59', '装卸搬运', 'Loading and unloading'),
    ('592', 'group', 'G', '59', '通用仓储', 'General warehousing'),
    ('593', 'group', 'G', '59', '低温仓储', 'Cold storage'),
    ('594', 'group', 'G', '59', '危险品仓储', 'Dangerous goods storage'),
    ('595', 'group', 'G', '59', '谷物、棉花等农产品仓储', 'Storage of grain, cotton and other farm products'),
    ('596', 'group', 'G', '59', '中药材仓储', 'Storage of Chinese medicinal materials'),
    ('599', 'group', 'G', '59', '其他仓储业', 'Other storage'),
    ('701', 'group', 'K', '70', '房地产开发经营', 'Real estate development and operation'),
    ('702', 'group', 'K', '70', '物业管理', 'Property management'),
    ('703', 'group', 'K', '70', '房地产中介服务', 'Real estate agency'),
    ('704', 'group', 'K', '70', '房地产租赁经营', 'Real estate leasing'),
    ('709', 'group', 'K', '70', '其他房地产业', 'Other real estate activities'),
)


def upgrade() -> None:
    districts = op.create_table(
        "districts",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("name_zh", sa.String(40), nullable=False, unique=True),
        sa.Column("name_en", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("admin_code", sa.String(6), nullable=True),
        sa.Column("matching_city", sa.Integer, nullable=False),
        sa.Column("matching_district", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    )
    industries = op.create_table(
        "industries",
        sa.Column("code", sa.String(4), primary_key=True),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("section", sa.String(1), nullable=False),
        sa.Column("parent", sa.String(4), nullable=True),
        sa.Column("name_zh", sa.String(80), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
    )
    op.bulk_insert(districts, [dict(zip(DISTRICT_COLUMNS, row, strict=True)) for row in DISTRICT_ROWS])
    op.bulk_insert(industries, [dict(zip(INDUSTRY_COLUMNS, row, strict=True)) for row in INDUSTRY_ROWS])

    op.create_table(
        "enterprises",
        sa.Column("uscc", sa.String(18), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("district", sa.String(40), sa.ForeignKey("districts.code"), nullable=False),
        sa.Column("industry", sa.String(4), nullable=False),
        sa.Column("industry_section", sa.String(1), nullable=False),
        sa.Column("industry_division", sa.String(2), nullable=False),
        sa.Column("founded_on", sa.Date, nullable=False),
        sa.Column("registered_capital_fen", sa.BigInteger, nullable=False),
        sa.Column("employees", sa.Integer, nullable=False),
        sa.Column("revenue_fen", sa.BigInteger, nullable=False),
        sa.Column("assets_fen", sa.BigInteger, nullable=True),
        sa.Column("size_class", sa.String(8), nullable=False),
        sa.Column("is_tech_sme", sa.Boolean, nullable=False),
        sa.Column("founder_graduated_on", sa.Date, nullable=True),
        sa.Column("legal_rep_name", sa.String(100), nullable=False),
        sa.Column("legal_rep_id_hash", sa.String(64), nullable=False),
        sa.Column("legal_rep_id_masked", sa.String(18), nullable=False),
        sa.Column("contact_name", sa.String(100), nullable=True),
        sa.Column("contact_phone", sa.String(32), nullable=True),
        sa.Column("contact_email", sa.String(254), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("deregistered_at", TS, nullable=True),
        sa.Column("deregistration_reason", sa.String(500), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("filed_at", TS, nullable=False),
        sa.Column("filed_by", sa.String(80), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("import_id", sa.String(40), nullable=True),
    )
    op.create_index("ix_enterprises_district", "enterprises", ["district"])
    op.create_index("ix_enterprises_industry_division", "enterprises", ["industry_division"])
    op.create_index("ix_enterprises_founded_on", "enterprises", ["founded_on"])
    # No index on size_class or status (a handful of values each) nor on the ID-number hash
    # (random keys): together they cost the bulk import a third of its write time.

    op.create_table(
        "enterprise_changes",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("uscc", sa.String(18), sa.ForeignKey("enterprises.uscc"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("actor_kind", sa.String(20), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.UniqueConstraint("uscc", "version", name="uq_enterprise_changes_version"),
    )

    op.create_table(
        "import_jobs",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("total_rows", sa.Integer, nullable=False),
        sa.Column("processed_rows", sa.Integer, nullable=False),
        sa.Column("filed_rows", sa.Integer, nullable=False),
        sa.Column("existing_rows", sa.Integer, nullable=False),
        sa.Column("rejected_rows", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("error", sa.String(500), nullable=True),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("started_at", TS, nullable=True),
        sa.Column("finished_at", TS, nullable=True),
    )
    op.create_table(
        "import_rejections",
        sa.Column("import_id", sa.String(40), sa.ForeignKey("import_jobs.id"), primary_key=True),
        sa.Column("row_number", sa.Integer, primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("field", sa.String(60), nullable=False),
        sa.Column("code", sa.String(60), nullable=False),
        sa.Column("message", sa.String(500), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("import_rejections")
    op.drop_table("import_jobs")
    op.drop_table("enterprise_changes")
    op.drop_table("enterprises")
    op.drop_table("industries")
    op.drop_table("districts")
