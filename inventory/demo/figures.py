"""Province-level figures of the demo data.

West-Vlaanderen's figures reproduce every number of POM's 2019 press release (../shared/seed/) when summed:
55.706 (2014), 57.462 (2018), 63.552 (2019); 2019 treden 5/4/3 = 51.901/10.198/1.453; trede 4 12.140 in 2014;
doelgroepkortingen 36.732 -> 46.649 (+27,0 %); jongeren 4.443 -> 6.906; collective measures 6.099 in 2019
with an overlap correction of -847. Adding the rest of Flanders gives Flanders' numbers: 279.486 -> 317.495
(+13,6 %), trede 4 60.000 -> 49.500 (-17,5 %), doelgroepkortingen 180.000 -> 232.560 (+29,2 %),
jongeren 17.577 -> 34.365.

How a total splits over measures, the years 2015-2017, the rest of Flanders' split over provinces, and
dienstencheques (trede 6) are SYNTHETIC: the release gives no number for them.
"""

YEARS = range(2014, 2020)


def apportion(total: int, weights: list[int]) -> list[int]:
    """Split `total` over `weights` in whole numbers that add up exactly (largest remainder)."""
    if total < 0:
        return [-part for part in apportion(-total, weights)]
    denominator = sum(weights)
    quotients = [divmod(total * w, denominator) for w in weights]
    parts = [q for q, _r in quotients]
    short = total - sum(parts)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-quotients[i][1], i))
    for i in by_remainder[:short]:
        parts[i] += 1
    return parts


# fmt: off
WEST_VLAANDEREN: dict[int, dict[str, int]] = {
    2014: {"DGK-JONG-FED": 4443, "DGK-OUD": 18500, "VOP": 4300, "DGK-LWZ": 5200, "SINE": 1289, "TWP50": 3000,
           "BW": 4700, "SW": 1350, "IBO": 4100, "GIBO": 640, "WEP": 2400, "PWA": 5000, "AZ": 1380, "DC": 11800},
    2015: {"DGK-JONG-FED": 4600, "DGK-OUD": 19400, "VOP": 4600, "DGK-LWZ": 4900, "SINE": 1320, "TWP50": 2700,
           "BW": 4720, "SW": 1330, "LDE": 900, "IBO": 4000, "GIBO": 650, "WEP": 2300, "PWA": 4800, "AZ": 1400,
           "DC": 12300},
    2016: {"DGK-JONG-FED": 2400, "DGK-JONG": 2600, "DGK-OUD": 20300, "VOP": 5000, "DGK-LWZ": 4000, "SINE": 1400,
           "TWP50": 2200, "BW": 4700, "SW": 1300, "LDE": 950, "IBO": 3950, "GIBO": 660, "WEP": 2000, "PWA": 4500,
           "AZ": 1420, "DC": 12800},
    2017: {"DGK-JONG": 5600, "DGK-OUD": 21400, "VOP": 5800, "DGK-LWZ": 3100, "SINE": 1550, "BW": 4680, "SW": 1280,
           "LDE": 980, "IBO": 3900, "GIBO": 670, "TWE": 1200, "PWA": 4300, "AZ": 1440, "DC": 13300},
    # As restated in the 2019 edition (57.462); the 2018 edition had DGK-OUD at 22.420 (57.302).
    2018: {"DGK-JONG": 6300, "DGK-OUD": 22580, "VOP": 6500, "DGK-LWZ": 2100, "SINE": 1650, "BW": 4650, "SW": 1250,
           "LDE": 1010, "IBO": 3800, "GIBO": 690, "WPL": 650, "TWE": 1900, "WW": 2500, "W2": 1188, "AZ": 1234,
           "AMA": 220, "DC": 13600},
    2019: {"DGK-JONG": 6906, "DGK-OUD": 30943, "VOP": 7100, "SINE": 1700, "CMW-BED": 4600, "CMW-AFD": 450,
           "LDE": 1049, "IBO": 3600, "GIBO": 700, "WPL": 900, "TWE": 1650, "WW": 2300, "W2": 1048, "AZ": 1203,
           "AMA": 250, "DC": 13900},
}
WEST_VLAANDEREN_CORRECTIONS: dict[int, int] = {
    2014: -596, 2015: -620, 2016: -650, 2017: -700, 2018: -760, 2019: -847,
}

# The four other Flemish provinces together.
REST_OF_FLANDERS: dict[int, dict[str, int]] = {
    2014: {"DGK-JONG-FED": 13134, "DGK-OUD": 74978, "VOP": 17200, "DGK-LWZ": 20800, "SINE": 5156, "TWP50": 12000,
           "BW": 21000, "SW": 6200, "IBO": 15700, "GIBO": 2560, "WEP": 9600, "PWA": 20000, "AZ": 6100, "DC": 47200},
    2015: {"DGK-JONG-FED": 15200, "DGK-OUD": 77988, "VOP": 18492, "DGK-LWZ": 19698, "SINE": 5306, "TWP50": 10854,
           "BW": 18974, "SW": 5347, "LDE": 3618, "IBO": 16080, "GIBO": 2613, "WEP": 9246, "PWA": 19296, "AZ": 5628,
           "DC": 49446},
    2016: {"DGK-JONG-FED": 8000, "DGK-JONG": 9500, "DGK-OUD": 82215, "VOP": 20250, "DGK-LWZ": 16200, "SINE": 5670,
           "TWP50": 8910, "BW": 19035, "SW": 5265, "LDE": 3848, "IBO": 15998, "GIBO": 2673, "WEP": 8100,
           "PWA": 18225, "AZ": 5751, "DC": 51840},
    2017: {"DGK-JONG": 22848, "DGK-OUD": 87312, "VOP": 23664, "DGK-LWZ": 12648, "SINE": 6324, "BW": 19094,
           "SW": 5222, "LDE": 3998, "IBO": 15912, "GIBO": 2734, "TWE": 4896, "PWA": 17544, "AZ": 5875, "DC": 54264},
    2018: {"DGK-JONG": 25830, "DGK-OUD": 92578, "VOP": 26650, "DGK-LWZ": 8610, "SINE": 6765, "BW": 19065,
           "SW": 5125, "LDE": 4141, "IBO": 15580, "GIBO": 2829, "WPL": 2665, "TWE": 7790, "WW": 10250, "W2": 4871,
           "AZ": 5059, "AMA": 902, "DC": 55760},
    2019: {"DGK-JONG": 27459, "DGK-OUD": 122372, "VOP": 29110, "SINE": 6970, "CMW-BED": 18860, "CMW-AFD": 1845,
           "LDE": 4301, "IBO": 12250, "GIBO": 2870, "WPL": 3690, "TWE": 6765, "WW": 9430, "W2": 4297, "AZ": 4932,
           "AMA": 1025, "DC": 56990},
}
REST_OF_FLANDERS_CORRECTIONS: dict[int, int] = {
    2014: -648, 2015: -2492, 2016: -2632, 2017: -2856, 2018: -3116, 2019: -2233,
}
# fmt: on

# How the rest of Flanders splits over its provinces (synthetic).
PROVINCE_SHARES = {"10000": 33, "40000": 29, "20001": 16, "70000": 22}

# The 2018 edition ("Inventaris 2018") before POM restated 2018 in the 2019 edition: 57.302 in total,
# trede 4 10.728, trede 3 1.454.
EDITION_2018_WEST_VLAANDEREN_2018 = {**WEST_VLAANDEREN[2018], "DGK-OUD": 22420}

# Context figures: (indicator, region code, year, value, synthetic).
CONTEXT_SOURCE = "POM West-Vlaanderen, persbericht Inventaris 2019"
CONTEXT_FIGURES = [
    ("loontrekkenden", "30000", 2019, 433385, False),
    ("loontrekkenden", "02000", 2019, 2342622, True),
    ("niet-beroepsactieven", "30000", 2019, 155360, False),
    ("niet-beroepsactieven", "02000", 2019, 914746, False),
    ("bevolking-18-64", "30000", 2019, 702986, True),
    ("bevolking-18-64", "02000", 2019, 3977157, True),
    ("invaliden", "30000", 2019, 44711, False),
    ("nwwz", "30000", 2019, 26518, False),
    ("invaliden", "02000", 2019, 230000, True),
    ("nwwz", "02000", 2019, 165000, True),
    ("wzg-20-64", "02000", 2019, "75.5", False),
    ("wzg-20-64", "30000", 2019, "77.5", False),
    ("wzg-migratieachtergrond", "30000", 2019, "61.7", False),
    ("wzg-migratieachtergrond", "02000", 2019, "61.9", False),
    ("wzg-migratieachtergrond", "30000", 2014, "54.3", False),
    ("wzg-migratieachtergrond", "02000", 2014, "53.3", False),
    ("wzg-55-64", "30000", 2019, "57.3", False),
    ("wzg-55-64", "02000", 2019, "54.9", False),
    ("wzg-55-64", "30000", 2014, "44.4", False),
    ("wzg-55-64", "02000", 2014, "44.3", False),
    ("wzg-laaggeschoold", "30000", 2019, "57.6", False),
    ("wzg-laaggeschoold", "02000", 2019, "54.2", False),
    ("wzg-laaggeschoold", "30000", 2014, "55.2", False),
    ("wzg-laaggeschoold", "02000", 2014, "51.8", False),
    # The release gives no population 20-64: chosen so that the arbeidsmarktparticipatiegraad it says POM computed
    # (opendata/indicators.py: 77,5 % + 11.651 / 685.000 = 79,2 %; 75,5 % + 56.910 / 3.557.000 = 77,1 %) comes out.
    ("bevolking-20-64", "30000", 2019, 685000, True),
    ("bevolking-20-64", "02000", 2019, 3557000, True),
]
