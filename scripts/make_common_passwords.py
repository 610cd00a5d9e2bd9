"""Write config/common-passwords.txt: well-known leaked passwords (the top of the public
RockYou / SecLists / Chinese CSDN-leak lists, from memory) and the variants people make of them
to pass a complexity rule (Capital, digit, symbol: Password@123, Admin@2026, 1qaz@WSX…).

Run once; the output is committed. `python scripts/make_common_passwords.py`.
"""

from __future__ import annotations

from pathlib import Path

TOP = """123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon 123123 baseball
abc123 football monkey letmein 696969 shadow master 666666 qwertyuiop 123321 mustang 1234567890
michael 654321 superman 1qaz2wsx 7777777 121212 000000 qazwsx 123qwe killer trustno1 jordan
jennifer zxcvbnm asdfgh hunter buster soccer harley batman andrew tigger sunshine iloveyou 2000
charlie robert thomas hockey ranger daniel starwars klaster 112233 george computer michelle
jessica pepper 1111 zxcvbn 555555 11111111 131313 freedom 777777 pass maggie 159753 aaaaaa
ginger princess joshua cheese amanda summer love ashley nicole chelsea biteme matthew access
yankees 987654321 dallas austin thunder taylor matrix welcome admin administrator root toor
passw0rd p@ssw0rd p@ssword changeme secret guest test test123 demo default login
woaini 5201314 woaini1314 woaini520 1314520 520520 aini1314 iloveyou1314 caonima wodemima
a123456 a123456789 aa123456 aa123456789 abc123456 abcd1234 qwe123 qwe123456 asd123 asd123456
zxc123 zxc123456 qq123456 qwer1234 asdf1234 zxcv1234 1q2w3e4r 1q2w3e 1qaz2wsx3edc qazwsxedc
q1w2e3r4 a1b2c3d4 88888888 66666666 123654 147258 147258369 159357 963852741 321321 852456
huawei zte cisco oracle mysql postgres sa sysadmin system manager super supervisor operator
user user123 admin123 admin888 admin666 root123 test1234 password1 password123 welcome1
letmein1 monkey1 dragon1 iloveyou1 princess1 sunshine1 qwerty123 qwerty1 1password
beijing shanghai zhejiang quzhou shaoxing hangzhou china zhongguo gongan zhengfu dangyuan
wangge cunwei xiangzhen jiceng zhili sanlian grassroots governance county village grid
""".split()

# the words people dress up with a capital, a symbol and digits to pass a complexity rule
BASES = """password passw0rd p@ssw0rd admin administrator root test welcome qwerty qwer asdf zxcv
abc abcd qaz qwe asd zxc iloveyou woaini love huawei china zhongguo beijing hangzhou zhejiang quzhou
shaoxing dragon monkey master letmein sunshine princess football baseball superman batman user guest
system manager super changeme secret hello server oracle mysql""".split()
SPECIALS = ["", "@", "!", "#"]
NUMBERS = ["1", "12", "123", "1234", "12345", "123456", "520", "1314", "888", "666"]
YEARS = [str(y) for y in range(2020, 2031)]


def variants(word: str) -> set[str]:
    out = {word}
    for special in SPECIALS:
        for number in NUMBERS + YEARS:
            out.add(word + special + number)
            if special:
                out.add(word + number + special)
    return out


def build() -> list[str]:
    # kept in lower case: the policy compares case-insensitively (Password@123 = password@123)
    found: set[str] = set(TOP)
    for word in BASES:
        found |= variants(word)
    found |= {
        "1qaz@WSX",
        "1qaz!QAZ",
        "1QAZ2wsx",
        "!QAZ2wsx",
        "Aa123456",
        "Aa123456!",
        "Aa123456@",
        "Qq123456",
        "Abc@123",
        "Abc@1234",
        "Abc@12345",
        "Abcd@1234",
        "Qwe@123",
        "Qwe@1234",
        "Qwer@1234",
        "Zxc@123",
        "Zxcv@1234",
        "Asd@123",
        "Asdf@1234",
        "P@ssw0rd",
        "P@ssw0rd1",
        "P@ssw0rd!",
        "Passw0rd!",
        "Passw0rd",
        "P@$$w0rd",
        "Pa$$w0rd",
        "Admin@123",
        "Admin@1234",
        "Admin@2026",
        "Root@123",
        "Huawei@123",
        "Huawei12#$",
        "Changeme123!",
        "Welcome@123",
        "Test@123",
        "Test@1234",
        "Aa@123456",
        "a1234567",
        "A1234567",
    }
    # the demo password stays out: demo mode may grant it; production refuses it by name
    return sorted({p.lower() for p in found if 6 <= len(p) <= 32} - {"demo@2026"})


if __name__ == "__main__":
    target = Path(__file__).resolve().parent.parent / "config" / "common-passwords.txt"
    entries = build()
    target.write_text("\n".join(entries) + "\n", encoding="utf-8")
    print(f"{len(entries)} entries -> {target}")
