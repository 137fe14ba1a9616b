"""Fixed word lists for the synthetic city of Lancheng: names, firms, districts, streets.

Everything here is invented from short fixed lists, so the city needs no external data and the
same seed always gives the same names.
"""

from __future__ import annotations

import random
from typing import Final

CITY: Final = "澜城市"

# District id, Chinese name, share of residents, how penalty-prone its firms are (1.0 = average).
DISTRICTS: Final = (
    ("donghu", "东湖区", 0.24, 0.8),
    ("xishan", "西山区", 0.18, 1.6),
    ("nanhe", "南河区", 0.16, 1.0),
    ("beiyuan", "北苑区", 0.14, 1.9),
    ("zhongshan", "中山区", 0.17, 0.7),
    ("jiangbin", "江滨区", 0.11, 1.2),
)

SURNAMES: Final = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武"
)
# Weights that make the first surnames much more common, as they are.
_SURNAME_WEIGHTS: Final = tuple(1.0 / (rank + 8) for rank in range(len(SURNAMES)))

GIVEN: Final = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红鹏辉建文斌宇浩凯鑫波俊峰帆琳欣雪晨"
    "思雨嘉怡佳颖子涵梓轩博文昊然宏志国庆海燕晓东春梅建华丹阳婷慧敏宁倩瑶璐晶莹阳光荣成德福"
)

BRAND: Final = (
    "恒", "瑞", "鑫", "华", "宏", "信", "达", "盛", "隆", "泰", "嘉", "安", "源", "通", "锦", "弘",
    "丰", "润", "祥", "昌", "天", "诚", "金", "新", "联", "远", "欣", "博", "康", "益", "正", "立",
    "星", "辉", "腾", "飞", "海", "龙", "凤", "光", "德", "福", "顺", "和", "美", "佳", "富", "兴",
    "旺", "创", "科", "汇", "志", "捷", "晟", "峰", "越", "航", "宇", "银", "东", "中", "开", "永",
)

# Industry id, Chinese trade words, share of firms.
INDUSTRIES: Final = (
    ("retail", ("商贸", "百货", "超市"), 0.24),
    ("food", ("食品", "餐饮", "粮油"), 0.14),
    ("manufacturing", ("机械", "电子", "制造"), 0.17),
    ("chemical", ("化工", "材料", "涂料"), 0.06),
    ("construction", ("建设", "建筑工程", "装饰"), 0.12),
    ("logistics", ("物流", "运输", "仓储"), 0.10),
    ("services", ("科技", "咨询", "信息技术"), 0.17),
)

FIRM_SUFFIXES: Final = ("有限公司", "有限责任公司", "股份有限公司")
ROADS: Final = ("人民路", "解放路", "建设路", "中山路", "滨江路", "和平街", "新华路", "光明街",
                "长江路", "文化路", "工业大道", "湖滨路")


def district_names() -> dict[str, str]:
    """District id → Chinese name."""
    return {key: name for key, name, _share, _risk in DISTRICTS}


def person_name(rng: random.Random) -> str:
    """A Chinese personal name: one surname and one or two given characters."""
    surname = rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0]
    size = 2 if rng.random() < 0.7 else 1
    return surname + "".join(rng.choice(GIVEN) for _ in range(size))


def firm_name(rng: random.Random, district: str, industry: str) -> str:
    """A firm's registered name: city, two brand characters, trade, legal form."""
    words = next(words for key, words, _share in INDUSTRIES if key == industry)
    brand = rng.choice(BRAND) + rng.choice(BRAND)
    prefix = CITY.removesuffix("市") if rng.random() < 0.7 else district_names()[district]
    return prefix + brand + rng.choice(words) + rng.choice(FIRM_SUFFIXES)


def address(rng: random.Random, district: str) -> str:
    """A street address inside a district."""
    return f"{CITY}{district_names()[district]}{rng.choice(ROADS)}{rng.randint(1, 399)}号"


def name_variant(rng: random.Random, name: str) -> str:
    """How an older database may spell the same firm: legal form or city prefix changed."""
    for long, short in (("有限责任公司", "有限公司"), ("股份有限公司", "股份公司")):
        if name.endswith(long):
            return name.removesuffix(long) + short
    city = CITY.removesuffix("市")
    if name.startswith(city) and rng.random() < 0.5:
        return name.removeprefix(city)
    return name.replace("有限公司", "公司")
