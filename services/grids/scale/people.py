"""People at scale: names drawn from common surnames and given-name characters, mobile
numbers and ID numbers, numbered from 1 as rows ready for COPY. Unlike the demo's, the
names need not be unique: there are a million of them."""

from __future__ import annotations

import random

from services.grids.demo.naming import id_check_digit
from services.grids.domain import Role

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红梅玉兰文斌辉林宇浩鹏飞海燕春雪婷晨阳云峰亮宏凤琴建忠德福金根水土生荣"  # noqa: E501
_PREFIXES = ("130", "133", "135", "138", "139", "150", "152", "158", "159", "177", "181", "187", "189", "199")


class People:
    def __init__(self, rng: random.Random, county_code: str):
        self.rng, self.region = rng, county_code
        self.rows: list[tuple] = []
        self.next_id = 1

    def name(self) -> str:
        rng = self.rng
        given = rng.choice(_GIVEN) + (rng.choice(_GIVEN) if rng.random() < 0.7 else "")
        return rng.choice(_SURNAMES) + given

    def phone(self) -> str:
        return self.rng.choice(_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def id_number(self) -> str:
        rng = self.rng
        first17 = (
            f"{self.region}{rng.randint(1945, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            f"{rng.randrange(1000):03d}"
        )
        return first17 + id_check_digit(first17)

    def add(
        self,
        role: Role,
        unit_id: int,
        *,
        name=None,
        phone=None,
        department_id=None,
        team_id=None,
        username=None,
    ) -> int:
        pid = self.next_id
        self.next_id += 1
        self.rows.append(
            (
                pid,
                f"P{pid:07d}",
                name or self.name(),
                phone or self.phone(),
                self.id_number(),
                [role.value],
                unit_id,
                department_id,
                team_id,
                username,
            )
        )
        return pid
