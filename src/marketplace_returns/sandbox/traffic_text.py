"""Words for the sandbox's traffic: products, buyer messages per category, nicknames.

Why hand-written and varied: the classifier is judged on how buyers actually write — short, long,
with and without the decisive cue, sometimes contradicting the reason they picked — so each
category has several phrasings in Chinese and English, combined with openers and closers. None of
this text is taken from the evaluation data. Slots: {item} product name, {part} a part of it,
{cm} centimetres off the listing, {days} days waited.
"""

from __future__ import annotations

from typing import Final

# category → (zh names, en names, CNY price range, USD price range, sized?, zh parts, en parts)
PRODUCTS: Final[
    dict[
        str,
        tuple[
            tuple[str, ...],
            tuple[str, ...],
            tuple[int, int],
            tuple[int, int],
            bool,
            tuple[str, ...],
            tuple[str, ...],
        ],
    ]
] = {
    "apparel": (
        ("纯棉短袖T恤", "加绒卫衣", "高腰牛仔裤", "雪纺连衣裙", "羊毛针织开衫", "冲锋衣外套"),
        (
            "cotton crew tee",
            "fleece hoodie",
            "high-rise jeans",
            "linen summer dress",
            "wool cardigan",
            "rain shell jacket",
        ),
        (19, 699),
        (12, 180),
        True,
        ("扣子", "腰带", "帽子抽绳", "吊牌"),
        ("button", "belt", "drawstring", "hood"),
    ),
    "shoes": (
        ("透气跑步鞋", "真皮乐福鞋", "帆布鞋", "雪地靴"),
        ("trail running shoes", "leather loafers", "canvas sneakers", "snow boots"),
        (59, 799),
        (25, 220),
        True,
        ("鞋带", "鞋垫", "鞋盒"),
        ("laces", "insoles", "shoe box"),
    ),
    "electronics": (
        ("蓝牙耳机", "充电宝20000毫安", "机械键盘", "智能手环"),
        ("wireless earbuds", "20000mAh power bank", "mechanical keyboard", "fitness band"),
        (39, 800),
        (15, 300),
        False,
        ("充电线", "耳塞套", "说明书", "充电仓"),
        ("charging cable", "ear tips", "manual", "charging case"),
    ),
    "cosmetics": (
        ("保湿面霜", "口红套装", "防晒喷雾", "卸妆油"),
        ("moisturising cream", "lipstick set", "sunscreen spray", "cleansing oil"),
        (29, 460),
        (9, 95),
        False,
        ("小样", "化妆刷", "赠品"),
        ("sample", "brush", "free gift"),
    ),
    "food": (
        ("云南小粒咖啡豆", "坚果礼盒", "手工牛肉干", "龙井茶叶"),
        ("single-origin coffee beans", "mixed nuts gift box", "beef jerky", "green tea tin"),
        (5, 268),
        (8, 60),
        False,
        ("小包", "勺子", "礼袋"),
        ("sachet", "scoop", "gift bag"),
    ),
    "home": (
        ("四件套床品", "陶瓷餐具套装", "不锈钢保温杯", "落地灯"),
        ("bed linen set", "ceramic dinnerware set", "insulated bottle", "floor lamp"),
        (25, 800),
        (14, 260),
        False,
        ("枕套", "盖子", "灯泡", "螺丝"),
        ("pillowcase", "lid", "bulb", "screws"),
    ),
    "other": (
        ("宠物牵引绳", "瑜伽垫", "儿童积木"),
        ("dog leash", "yoga mat", "building blocks set"),
        (9, 199),
        (8, 80),
        False,
        ("零件", "收纳袋"),
        ("pieces", "carry bag"),
    ),
}

OPENERS: Final = {
    "zh": ("", "", "亲，", "你好，", "老板，", "客服在吗？", "唉，", "收到了，但是"),
    "en": ("", "", "Hi, ", "Hello, ", "Hey there. ", "Not happy. ", "So, "),
}
CLOSERS: Final = {
    "zh": ("", "", "", "麻烦尽快处理。", "请给个说法。", "谢谢。", "急！", "希望快点退款。"),
    "en": ("", "", "", " Please sort this out.", " Thanks.", " Please refund ASAP.", " Very disappointed."),
}

MESSAGES: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "defect_apparel": {
        "zh": (
            "{item}开线了，才穿一次",
            "洗了一次就严重变形",
            "掉色很厉害，把别的衣服都染了",
            "左右不对称，一边长一边短",
            "少了一颗扣子，还有个针眼",
            "线头特别多",
        ),
        "en": (
            "the seam split after one wear",
            "it shrank badly after one gentle wash",
            "the dye runs onto everything else in the wash",
            "one sleeve is longer than the other",
            "a button is hanging loose and there's a small hole",
        ),
    },
    "defect_shoes": {
        "zh": ("鞋底开胶了", "穿了三天鞋面就裂了", "两只鞋颜色不一样", "鞋跟磨脚，里面有个钉子凸出来"),
        "en": (
            "the sole is peeling off already",
            "the upper cracked after three days",
            "the two shoes are different shades",
            "a nail pokes through inside the heel",
        ),
    },
    "defect_electronics": {
        "zh": (
            "用了两天就开不了机",
            "充不进电",
            "左耳没声音",
            "按键失灵，有几个键按了没反应",
            "有异响，发烫厉害",
        ),
        "en": (
            "won't turn on after two days",
            "it doesn't charge",
            "no sound from the left earbud",
            "several keys don't register",
            "it gets very hot and buzzes",
        ),
    },
    "defect": {
        "zh": (
            "{item}有个地方开线了，才穿一次",
            "{item}上有一块污渍，洗不掉",
            "线头特别多，做工太粗糙",
            "{item}用了两天就坏了",
            "{item}有明显瑕疵，做工很差",
            "洗了一次就严重变形",
            "{item}做工太差，有瑕疵",
            "左右不对称，一边长一边短",
            "有个小洞，应该是针眼",
            "{item}质量有问题，有破损",
        ),
        "en": (
            "the seam on the {item} split after one wear",
            "there's a stain on the {item} that won't wash out",
            "the {item} fell apart after two days",
            "lots of loose threads, poor workmanship",
            "the {item} has an obvious flaw",
            "it shrank badly after one gentle wash",
            "the {item} is poorly made and already damaged",
            "one side is noticeably longer than the other",
            "the {item} arrived faulty",
        ),
    },
    "damaged_in_transit": {
        "zh": (
            "快递盒子压扁了，{item}也碎了",
            "收到的时候外包装破了，东西摔坏了",
            "运输中磕坏了一个角",
            "打开箱子{item}已经裂了",
            "物流太暴力，瓶子漏了一半",
        ),
        "en": (
            "the box arrived crushed and the {item} is broken",
            "arrived smashed, the courier clearly dropped it",
            "one corner got dented in shipping",
            "the bottle leaked all over the package",
            "packaging was torn open and the {item} is cracked",
        ),
    },
    "not_as_described": {
        "zh": (
            "实物颜色和图片差太多了，色差严重",
            "材质根本不是描述写的纯棉",
            "跟详情页上的完全不是一个东西",
            "图片上有口袋，实物没有",
            "说是真皮，结果是人造革",
        ),
        "en": (
            "the colour is nothing like the photos",
            "the listing says 100% cotton but this is polyester",
            "looks completely different from the product page",
            "the pictures show pockets, mine has none",
            "advertised as genuine leather, it's plastic",
        ),
    },
    "size_off": {
        "zh": (
            "量了一下衣长比描述短了{cm}厘米",
            "尺码表写的胸围和实际差了{cm}cm，差太多",
            "鞋子实际比标的长度短{cm}厘米",
            "腰围比详情页小了整整{cm}公分",
        ),
        "en": (
            "I measured it and it's {cm} cm shorter than the size chart",
            "the chest is {cm} cm smaller than listed",
            "the length is off by {cm} cm compared with the description",
            "waist is {cm}cm narrower than the chart says",
        ),
    },
    "wrong_item": {
        "zh": (
            "发错货了，我买的是黑色收到白色",
            "我拍的是L码，寄来的是S码",
            "收到的根本不是我买的{item}",
            "型号发错了，和订单不一样",
        ),
        "en": (
            "you sent the wrong item, I ordered black and got white",
            "I ordered a large and received a small",
            "this isn't the {item} I bought",
            "wrong model in the box, doesn't match my order",
        ),
    },
    "missing_parts": {
        "zh": (
            "少了一个{part}",
            "打开发现没有{part}",
            "说好的两件只收到一件",
            "{part}漏发了，请补寄",
            "空包裹，里面什么都没有",
        ),
        "en": (
            "the {part} is missing",
            "no {part} in the box",
            "ordered two, only one arrived",
            "you forgot the {part}, please send it",
            "the package was empty",
        ),
    },
    "counterfeit": {
        "zh": (
            "这是假货吧，防伪码查不到",
            "和专柜的对比明显是仿的",
            "logo印歪了，怀疑不是正品",
            "味道不对，肯定是假的",
        ),
        "en": (
            "this is a fake, the serial number doesn't check out",
            "compared with the one from the store, it's a knock-off",
            "the logo is crooked, this isn't genuine",
            "smells wrong, pretty sure it's counterfeit",
        ),
    },
    "size_fit": {
        "zh": (
            "尺码偏小，穿不上",
            "买大了，想换小一码",
            "有点紧，不太合身",
            "码数不合适，想退",
            "孩子穿着太大了",
        ),
        "en": (
            "too small, I can't get it on",
            "runs large, I need a size down",
            "a bit tight around the shoulders",
            "the fit isn't right for me",
            "too big for my son",
        ),
    },
    "size_fit_small_dev": {
        "zh": ("比我平时穿的小一点点，大概差{cm}厘米", "量了量短了{cm}厘米左右，穿着有点紧"),
        "en": (
            "about {cm} cm shorter than I expected, feels tight",
            "it's roughly {cm} cm off, just doesn't fit me",
        ),
    },
    "style_preference": {
        "zh": (
            "不喜欢这个颜色",
            "上身效果不好看",
            "款式跟我想的不一样，不喜欢",
            "家里人说不好看",
            "穿着显胖",
        ),
        "en": (
            "don't like the colour in person",
            "doesn't suit me",
            "not the style I expected",
            "my partner thinks it looks odd",
            "just not for me",
        ),
    },
    "changed_mind": {
        "zh": ("不想要了", "临时不需要了", "已经在别的地方买了", "七天无理由退货", "考虑了一下还是算了"),
        "en": (
            "changed my mind",
            "don't need it anymore",
            "bought one elsewhere",
            "no longer needed",
            "decided against it",
        ),
    },
    "ordered_by_mistake": {
        "zh": ("拍错了，重复下单了", "多拍了一件", "地址写错了，重新拍", "手滑点错了颜色"),
        "en": (
            "ordered twice by mistake",
            "accidentally bought two",
            "wrong address on the order, will reorder",
            "clicked the wrong colour",
        ),
    },
    "price": {
        "zh": ("刚买就降价了，差了好几十", "活动价更便宜，退了重新拍", "别家便宜很多", "买贵了"),
        "en": (
            "the price dropped right after I bought it",
            "it's on sale now for much less",
            "found it cheaper elsewhere",
            "paid too much",
        ),
    },
    "shipping_delay": {
        "zh": (
            "都{days}天了还没发货",
            "说好48小时发货，到现在还没动静",
            "发货太慢了，不等了",
            "物流太慢，等不及了",
        ),
        "en": (
            "{days} days and it still hasn't shipped",
            "you promised dispatch in two days, nothing yet",
            "shipping is taking forever, I'll cancel",
            "too slow, I can't wait any longer",
        ),
    },
    "shipping_slow": {
        "zh": (
            "拖了好几天才发货，现在还在路上",
            "超过约定时间才发的货，不想等了",
            "发货晚了，东西到了也用不上了",
        ),
        "en": (
            "it shipped days late and is still on the way",
            "dispatched well after the promised date, I give up",
            "it left your warehouse late, I don't need it anymore",
        ),
    },
    "not_received": {
        "zh": ("物流{days}天没更新了", "显示签收了但我没收到", "快递一直没送到", "查不到物流信息"),
        "en": (
            "tracking hasn't updated in {days} days",
            "marked delivered but I never got it",
            "the parcel never arrived",
            "no tracking information at all",
        ),
    },
    "other": {
        "zh": ("其他原因", "说不清楚，就是想退", "送人的，对方不要了"),
        "en": (
            "other reasons",
            "hard to explain, just want to return it",
            "it was a gift and they didn't want it",
        ),
    },
}

ZH_NICKS: Final = ("小鱼儿", "快乐的猫", "晴天", "阿杰", "木子", "南风", "糖糖", "老王", "星星点灯", "柠檬草")
EN_NICKS: Final = ("Emma", "Liam", "Olivia", "Noah", "Ava", "Mason", "Sophia", "Lucas", "Mia", "Ethan")
