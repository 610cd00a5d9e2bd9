"""Made-up people for the demo county: names from `Faker("zh_CN")`, mobile numbers and 18-digit
ID numbers (with their check digit), unique and reproducible for one seed."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from faker import Faker

from services.grids.demo.naming import id_check_digit
from services.grids.demo.tree import COUNTY_CODE
from services.grids.domain import valid_id_number, valid_phone

# Region codes for ID numbers: mostly born in the county, some elsewhere in Zhejiang.
_OTHER_REGIONS = ["330802", "330803", "330822", "330824", "330825", "330881", "330781", "331121"]
_MOBILE_PREFIXES = [
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
    "150", "151", "152", "153", "155", "157", "158", "159", "166", "173",
    "177", "180", "181", "182", "183", "185", "186", "187", "188", "189",
    "191", "198", "199",
]  # fmt: skip
_TODAY = date(2026, 1, 1)  # a fixed "today" so ages (and ID numbers) do not depend on the clock
# Faker's zh_CN male given names include a few that read as female
_NOT_MALE_NAMES = {"红霞"}


@dataclass
class Someone:
    surname: str
    name: str
    male: bool
    age: int
    phone: str | None
    id_number: str


@dataclass
class Generator:
    """Names, phones and ID numbers, unique and reproducible for one seed."""

    fake: Faker
    rng: random.Random
    phones: set[str] = field(default_factory=set)
    id_numbers: set[str] = field(default_factory=set)

    def name(self, male: bool, surname: str | None = None) -> tuple[str, str]:
        surname = surname or self.fake.last_name()
        if not male:
            return surname, surname + self.fake.first_name_female()
        given = self.fake.first_name_male()
        while given in _NOT_MALE_NAMES:
            given = self.fake.first_name_male()
        return surname, surname + given

    def phone(self) -> str:
        while True:
            phone = self.rng.choice(_MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                assert valid_phone(phone)
                return phone

    def id_number(self, male: bool, age: int) -> str:
        rng = self.rng
        region = COUNTY_CODE if rng.random() < 0.85 else rng.choice(_OTHER_REGIONS)
        while True:
            born = _TODAY - timedelta(days=365 * age + rng.randrange(365))
            # the sequence's last digit is odd for men and even for women
            sequence = f"{rng.randrange(100):02d}{rng.randrange(5) * 2 + (1 if male else 0)}"
            first17 = f"{region}{born:%Y%m%d}{sequence}"
            number = first17 + id_check_digit(first17)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                assert valid_id_number(number)
                return number

    def someone(
        self, male: bool | None = None, age: int | None = None, surname: str | None = None, phone: bool = True
    ) -> Someone:
        if male is None:
            male = self.rng.random() < 0.6
        if age is None:
            age = self.rng.randint(28, 58)
        surname, name = self.name(male, surname)
        return Someone(
            surname=surname,
            name=name,
            male=male,
            age=age,
            phone=self.phone() if phone else None,
            id_number=self.id_number(male, age),
        )
