"""Report categories: the seeded list, each pointing at the policy task that makes a unit responsible."""

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.errors import NotFound
from portal.extensions import db
from portal.models import Category, Measure, Task

# code, family, 名称, name, 说明, description, 例如, examples, (measure number, task title)
SEED = (
    (
        "air",
        "pollution",
        "大气污染",
        "Air pollution",
        "工厂、锅炉、工地、焚烧等排放烟尘、废气、异味。",
        "Smoke, fumes, dust or odours from factories, boilers, building sites or burning.",
        "烟囱冒黑烟；露天焚烧秸秆或垃圾；工地扬尘",
        "black smoke from a chimney; open burning of straw or rubbish; dust from a building site",
        (14, "加强大气污染防治"),
    ),
    (
        "water",
        "pollution",
        "水污染",
        "Water pollution",
        "向河流、水库、渠道或地下排放污水、废液。",
        "Sewage or waste liquids discharged into rivers, reservoirs, canals or the ground.",
        "排污口排放黑臭污水；水库水面漂浮油污；偷排废液",
        "black, smelly water from an outfall; oil on a reservoir; secret dumping of waste liquid",
        (14, "推进水污染治理"),
    ),
    (
        "soil_waste",
        "pollution",
        "土壤与固体废物",
        "Soil and solid waste",
        "危险废物、工业固废、垃圾倾倒或土壤污染。",
        "Hazardous or industrial waste, dumped rubbish or contaminated soil.",
        "非法倾倒工业废渣；危险废物随意堆放；尾矿渗漏",
        "illegal dumping of industrial slag; hazardous waste left in the open; leaking tailings",
        (14, "加大土壤污染防治力度"),
    ),
    (
        "noise",
        "pollution",
        "噪声",
        "Noise",
        "工业、施工、交通或社会生活噪声扰民。",
        "Noise from industry, construction, traffic or social life that disturbs residents.",
        "夜间施工噪声；工厂设备昼夜轰鸣",
        "construction noise at night; factory machinery roaring day and night",
        (18, "完善生态环境监管制度"),
    ),
    (
        "ecology",
        "ecology",
        "生态破坏",
        "Ecological damage",
        "破坏林草、湿地、自然保护区或野生动植物。",
        "Damage to forests, grassland, wetlands, nature reserves or wildlife.",
        "滥砍滥伐防护林；湿地被填埋；猎捕野生动物",
        "felling of shelter forest; wetland filled in; hunting of wild animals",
        (19, "严守生态保护红线"),
    ),
    (
        "land",
        "resources",
        "违法占地",
        "Illegal land use",
        "违法占用耕地、林地、草地或在禁建区建设。",
        "Illegal occupation of farmland, forest or grassland, or building in a no-build zone.",
        "在基本农田上建厂；未批先建",
        "a factory built on protected farmland; building before approval",
        (12, "加强土地集约节约利用"),
    ),
    (
        "mining",
        "resources",
        "矿山环境",
        "Mining environment",
        "采矿、采砂造成的生态破坏与污染。",
        "Damage and pollution from mining or sand extraction.",
        "无证采砂；矿山废石乱堆；采矿区未复垦",
        "unlicensed sand extraction; mine waste dumped at random; mined land not restored",
        (12, "加快推进绿色矿山建设"),
    ),
    (
        "water_resources",
        "resources",
        "水资源",
        "Water resources",
        "违法取水、浪费用水或破坏水源地。",
        "Illegal water abstraction, wasted water or damage to water sources.",
        "私打机井超采地下水；水源保护区内违法建设",
        "unauthorised wells over-pumping groundwater; building inside a water-source protection zone",
        (12, "加强水资源节约与替代"),
    ),
    (
        "agriculture",
        "pollution",
        "农业面源",
        "Agricultural pollution",
        "农药、化肥、残膜、秸秆等农业污染。",
        "Pollution from pesticides, fertiliser, plastic film or straw.",
        "残膜遍地未回收；农药包装废弃物乱丢",
        "plastic mulch film left in the fields; pesticide containers thrown away",
        (6, "推动美丽连队建设"),
    ),
    (
        "livestock",
        "pollution",
        "畜禽养殖",
        "Livestock farming",
        "养殖场粪污直排、恶臭扰民。",
        "Manure discharged untreated from livestock farms, or their stench.",
        "养殖场粪水直排渠道；养殖场恶臭",
        "a pig farm discharging manure into a canal; stench from a cattle farm",
        (10, "有效控制主要污染物排放总量"),
    ),
    (
        "energy",
        "resources",
        "节能",
        "Energy saving",
        "高耗能设备、能源浪费或违反节能规定。",
        "Energy-hungry equipment, wasted energy or breaches of energy-saving rules.",
        "淘汰类燃煤锅炉仍在使用；公共机构长明灯",
        "a banned coal boiler still in use; lights left on in public buildings",
        (10, "推进重点领域节能"),
    ),
    (
        "enforcement",
        "supervision",
        "执法监督",
        "Enforcement and supervision",
        "对环境执法、监管不作为或违法干预的监督。",
        "Failures of environmental enforcement, or improper interference with it.",
        "举报后长期无人处理；干预环境执法",
        "a report left unhandled for months; interference with an inspection",
        (26, "强化执法监督"),
    ),
    (
        "other",
        "supervision",
        "其他",
        "Other",
        "其他生态环境问题。",
        "Any other environmental problem.",
        "不属于以上类别的生态环境问题",
        "an environmental problem that fits none of the above",
        (30, "鼓励公众积极参与"),
    ),
)


def seed_categories():
    """Add missing categories and point each at its policy task; keep admins' edits otherwise."""
    existing = {c.code: c for c in db.session.scalars(sa.select(Category))}
    for position, row in enumerate(SEED):
        (
            code,
            family,
            name,
            name_en,
            description,
            description_en,
            examples,
            examples_en,
            (number, title),
        ) = row
        category = existing.get(code)
        if category is None:
            category = Category(
                code=code,
                family=family,
                name=name,
                name_en=name_en,
                description=description,
                description_en=description_en,
                examples=examples,
                examples_en=examples_en,
                position=position,
            )
            db.session.add(category)
        if category.task_id is None:
            category.task = db.session.scalar(
                sa.select(Task).join(Measure).where(Measure.number == number, Task.title == title)
            )
    db.session.flush()


def list_categories():
    """Categories in form order."""
    return db.session.scalars(sa.select(Category).order_by(Category.position, Category.id)).all()


def find_category(code):
    """The category with `code`, or None."""
    return db.session.scalar(sa.select(Category).where(Category.code == code))


def get_category(code):
    """The category with `code`, or NotFound naming the field."""
    category = find_category(code)
    if category is None:
        raise NotFound(_("There is no report category %(code)s.", code=code), field="category")
    return category
