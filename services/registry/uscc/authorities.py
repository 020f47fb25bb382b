"""Registration authorities (position 1) and their organisation categories (position 2).

GB 32100-2015 table 1 defines 1, 5, 9 and Y; the other authorities were added later by the
standardisation administration as further departments took up the code.
"""

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final


@dataclass(frozen=True, slots=True)
class RegistrationAuthority:
    """A registration authority and the organisation categories it may assign."""

    code: str
    name_zh: str
    name_en: str
    categories: MappingProxyType[str, str]


def _authority(code: str, zh: str, en: str, categories: dict[str, str]) -> RegistrationAuthority:
    return RegistrationAuthority(code, zh, en, MappingProxyType(categories))


REGISTRATION_AUTHORITIES: Final[MappingProxyType[str, RegistrationAuthority]] = MappingProxyType(
    {
        a.code: a
        for a in (
            _authority(
                "1",
                "机构编制",
                "establishment administration",
                {
                    "1": "机关",
                    "2": "事业单位",
                    "3": "中央编办直接管理机构编制的群众团体",
                    "9": "其他",
                },
            ),
            _authority("2", "外交", "foreign affairs", {"1": "外国常住新闻机构", "9": "其他"}),
            _authority(
                "3",
                "司法行政",
                "justice administration",
                {
                    "1": "律师执业机构",
                    "2": "公证处",
                    "3": "基层法律服务所",
                    "4": "司法鉴定机构",
                    "5": "仲裁委员会",
                    "9": "其他",
                },
            ),
            _authority("4", "文化", "culture", {"1": "外国在华文化中心", "9": "其他"}),
            _authority(
                "5",
                "民政",
                "civil affairs",
                {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"},
            ),
            _authority(
                "6",
                "旅游",
                "tourism",
                {
                    "1": "外国旅游部门常驻代表机构",
                    "2": "港澳台地区旅游部门常驻内地(大陆)代表机构",
                    "9": "其他",
                },
            ),
            _authority(
                "7",
                "宗教",
                "religious affairs",
                {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"},
            ),
            _authority("8", "工会", "trade unions", {"1": "基层工会", "9": "其他"}),
            _authority(
                "9",
                "工商",
                "business registration (market regulation)",
                {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"},
            ),
            _authority(
                "A",
                "中央军委改革和编制办公室",
                "Central Military Commission reform and establishment office",
                {"1": "军队事业单位", "9": "其他"},
            ),
            _authority(
                "N",
                "农业",
                "agriculture",
                {
                    "1": "组级集体经济组织",
                    "2": "村级集体经济组织",
                    "3": "乡镇级集体经济组织",
                    "9": "其他",
                },
            ),
            _authority("Y", "其他", "other", {"1": "其他"}),
        )
    }
)
