"""200 texts with the verdicts a moderator would give, written for the retraining tests (none comes from data).

Two groups are where moderators know better than the model: legitimate daily-pay jobs from named employers that
read like courier bait (verdict not_bait), and jobs that ask for money up front, which read like office work
(verdict bait). The rest confirm what the model says, and a few are `unsure`.
"""
from __future__ import annotations

import random

CITIES = ["Алматы", "Астане", "Шымкенте", "Караганде", "Актобе", "Павлодаре", "Усть-Каменогорске", "Таразе",
          "Костанае", "Атырау"]

LEGIT_DAILY = [  # (employer, what they need): real work paid by the day, contact by message
    ("Пекарня «Таба нан»", "пеших курьеров развозить хлеб по кофейням"),
    ("Цветочный салон «Айгүл»", "курьеров на праздничные дни"),
    ("Кафе «Дастархан»", "курьера на велосипеде по своему району"),
    ("Магазин стройматериалов «Құрылыс»", "грузчиков на приёмку фуры"),
    ("Типография «Баспа-Принт»", "курьера развозить заказы клиентам"),
    ("Фермерская лавка «Бақша»", "сборщиков заказов и курьеров"),
    ("Химчистка «Таза үй»", "курьера забирать и возвращать вещи"),
    ("Кондитерская «Шекер»", "курьеров развозить торты"),
    ("Зоомагазин «Мысық»", "курьера с рюкзаком-термосумкой"),
    ("Сервис уборки «Жарқын»", "помощников на генеральные уборки"),
]
LEGIT_PAY = ["8 000 тг за смену", "9 500 тг в день", "10 000 тг за день", "7 000 тг за смену плюс чаевые",
             "12 000 тг в день"]
LEGIT_TAIL = ["выплата каждый вечер на Kaspi, пишите в лс", "оплата ежедневно, опыт не нужен, пиши в телеграм",
              "деньги в конце смены, пишите в директ", "оплата сразу после смены, 16+, пишите в личку",
              "расчёт каждый день, пишите в WhatsApp"]

FEE_JOBS = [  # (role, employer): an ordinary-looking post that asks for money first
    ("администратор в гостиницу", "ТОО «Қонақ Сервис»"),
    ("оператор в колл-центр", "компанию «Байланыс»"),
    ("охранник в бизнес-центр", "агентство «Қорған»"),
    ("продавец в сеть бутиков", "компанию «Сән»"),
    ("водитель-экспедитор", "логистическую фирму «Жол»"),
    ("диспетчер на удалёнку", "службу «Диспетчер-Онлайн»"),
    ("горничная в отель", "сеть «Отау»"),
    ("менеджер по продажам", "компанию «Сауда Групп»"),
    ("кассир в супермаркет", "сеть «Береке»"),
    ("работник склада в Польшу", "агентство «Еуро Жұмыс»"),
]
FEE_PAY = ["оклад 250 000 тг", "зарплата от 300 000 тг", "доход 180 000 тг в месяц", "оклад 220 000 тг плюс премии",
           "зарплата 400 000 тг"]
FEE_ASK = ["перед собеседованием оплатите медкнижку 15 000 тг", "для оформления нужен взнос за форму 12 000 тг",
           "обязательное платное обучение в нашем центре 30 000 тг", "залог за пропуск и спецодежду 20 000 тг",
           "страховой депозит 25 000 тг, вернём с первой зарплатой"]

DRUG_BAIT = ["Нужны закладчики в {city}, от {k}к в день, выплаты в USDT, пиши @{handle}",
             "Ищем курьеров-кладменов в {city}, {k}к за смену, оплата за каждый клад, анонимно, пиши в бота",
             "Работа для своих в {city}: раскладка, {k}к за выход, куратор на связи, пиши @{handle}",
             "Требуются люди на фасовку и раскладку в {city}, проживание дадим, от {k}к в день",
             "Срочно курьер-закладчик в {city}, без опыта, 16+, {k}к ежедневно, тг @{handle}",
             "Шоп набирает пеших курьеров в {city}: тайники, фото точек, {k}к в день сразу в крипте"]
HANDLES = ["rabota_fast", "kur_job", "tg_work24", "easy_money_kz", "job_alm", "shop_team", "drop_work", "kladmen"]

OFFICE = ["Бухгалтер в ТОО «Есеп» в {city}, опыт от 2 лет, 1С, оклад 320 000 тг, резюме на почту",
          "Медсестра в частную клинику в {city}, график 2/2, официальное оформление, соцпакет",
          "Учитель английского языка в школу в {city}, полная ставка, отпуск летом, собеседование в офисе",
          "Инженер-сметчик в проектную компанию в {city}, знание AutoCAD, оклад по итогам собеседования",
          "Повар горячего цеха в ресторан в {city}, график 5/2, питание, оформление по ТК",
          "Системный администратор в банк в {city}, высшее образование, ДМС, оклад от 450 000 тг"]

UNSURE = ["Нужен помощник на пару дней в {city}, оплата сразу, подробности в лс",
          "Есть работа в {city}, платим хорошо, пиши кому надо",
          "Курьер в {city}, свой график, напиши — расскажу"]


def moderated(seed: int = 7) -> list[dict]:
    """200 rows of {text, verdict, category, group}, the same on every call."""
    rng = random.Random(seed)
    rows = []
    for i in range(50):
        employer, need = LEGIT_DAILY[i % len(LEGIT_DAILY)]
        text = (f"{employer} в {CITIES[(i * 3 + i // 10) % len(CITIES)]} ищет {need}, {LEGIT_PAY[i // 10]}, "
                f"{LEGIT_TAIL[(i * 7 + i // 10) % len(LEGIT_TAIL)]}")
        rows.append({"text": text, "verdict": "not_bait", "category": "legit_job", "group": "legit_daily"})
    for i in range(50):
        role, employer = FEE_JOBS[i % len(FEE_JOBS)]
        text = (f"Требуется {role} в {employer} в {CITIES[(i * 7 + i // 10) % len(CITIES)]}, {FEE_PAY[i // 10]}, "
                f"{FEE_ASK[(i * 3 + i // 10) % len(FEE_ASK)]}")
        rows.append({"text": text, "verdict": "bait", "category": "scam_recruitment", "group": "fee_first"})
    for i in range(60):
        text = DRUG_BAIT[i % len(DRUG_BAIT)].format(city=CITIES[(i * 7) % len(CITIES)], k=20 + 5 * (i // 6),
                                                    handle=rng.choice(HANDLES) + str(rng.randint(1, 99)))
        rows.append({"text": text, "verdict": "bait", "category": "drug_courier", "group": "drug_bait"})
    for i in range(30):
        text = OFFICE[i % len(OFFICE)].format(city=CITIES[(i * 3 + 1) % len(CITIES)])
        rows.append({"text": text, "verdict": "not_bait", "category": None, "group": "office"})
    for i in range(10):
        text = UNSURE[i % len(UNSURE)].format(city=CITIES[i % len(CITIES)])
        rows.append({"text": text, "verdict": "unsure", "category": None, "group": "unsure"})
    return rows
