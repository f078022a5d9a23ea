package demo

import "strings"

// Word lists for names. They are data: change them freely, but keep the
// properties the tests check (no duplicates; no industry, shop or product
// starting with a 字号; no 字号 starting with 省, 市, 县, 区 or 州), because
// name uniqueness rests on them.

// zihaoFirst and zihaoSecond combine into the ~300 two-character 字号 of
// enterprises and 民办非企业单位 (鑫泰, 恒达 …).
var (
	zihaoFirst  = []rune("鑫恒华金宏瑞盛永天泰鸿嘉德佳兴荣隆万福博")
	zihaoSecond = []rune("达泰信鼎源丰安成和运业润通祥宇")
)

// zihao is the list of two-character 字号 built from zihaoFirst × zihaoSecond.
var zihao = func() []string {
	var out []string
	for _, a := range zihaoFirst {
		for _, b := range zihaoSecond {
			if a != b {
				out = append(out, string(a)+string(b))
			}
		}
	}
	return out
}()

// industries are the 行业 parts of enterprise names.
var industries = words(`
汽车零部件 建筑工程 商贸 物流 食品 农业科技 医药 房地产开发 物业管理 餐饮管理
酒店管理 信息技术 网络科技 电子科技 机械制造 化工 新材料 生物科技 人参制品 矿泉水
木业 家具 服装 印刷 广告 文化传媒 旅游开发 教育咨询 人力资源服务 劳务派遣
装饰工程 市政工程 路桥工程 水利工程 电力工程 环保科技 新能源 石油化工 燃气 供热
热电 钢材 冶金 建材 水泥制品 粮食贸易 米业 乳业 肉类加工 饲料
种业 农机 畜牧 食用菌 中药材 医疗器械 保健品 酒业 煤炭 矿业
运输 客运 出租汽车 汽车销售 汽车租赁 二手车 石油销售 超市 医药连锁 商业管理
投资管理 安全技术服务 检测技术 工程监理 工程咨询 软件 通信工程 冷链物流 包装 玻璃
`)

// enterpriseForms are the organisational forms with their weights.
var enterpriseForms = []string{"有限公司", "有限责任公司", "股份有限公司", "集团有限公司", "合伙企业（有限合伙）"}
var enterpriseFormWeights = []int{55, 31, 8, 3, 3}

// coopProducts are the business of 农民专业合作社.
var coopProducts = words(`
玉米种植 水稻种植 大豆种植 杂粮种植 人参种植 中草药种植 蔬菜种植 果蔬种植 食用菌种植 木耳种植
生猪养殖 肉牛养殖 肉羊养殖 梅花鹿养殖 林蛙养殖 蛋鸡养殖 肉鸡养殖 水产养殖 蜂业 农机
土地股份 花卉种植 葡萄种植 蓝莓种植 苗木种植 粮食收储 秸秆综合利用 鲜食玉米 小米加工 稻米加工
`)

// towns are generic 乡镇、街道 and village words used with a county.
var towns = words(`
新华 永丰 太平 和平 红旗 东风 前进 胜利 建设 兴隆 三合 双河 大岭 东兴 西华 南岭 北山 长安 安乐 富民
新民 兴华 同心 团结 光明 向阳 民主 友谊 幸福 繁荣 东升 新立 靠山 万宝 三道 四家子 五家子 六合 七星 八里
九龙 十里堡 黄花 白石 黑林 青山 红石 金川 银河 榆林 杨树 松林 桦树 枫林 杏山 桃源 李家 王家 张家 刘家
陈家 赵家 孙家 马家 高家 郭家 姜家 于家 崔家 朴家 合隆 开安 烧锅 万顺 哈拉海 伏龙泉 华家 巴吉垒 青山口 前岗
小城子 大房身 黄龙 奢岭 齐家 山河 西营城 其塔木 土们岭 波泥河 营城 上河湾 卡伦 布海 沐石河 龙家堡 米沙子 夏家店 大屯 朱城子
岔路河 金珠 双吉 一拉溪 黄榆 旺起 口前 北大湖 天岗 新站 漂河 白桦 红石砬子 八宝 夹皮沟 公郎头 横道河子 常山 榆木桥子 明城
`)

// townSuffixesGov are the kinds of township governments (政府机构).
var townSuffixesGov = []string{"镇人民政府", "乡人民政府", "街道办事处"}

// townSuffixesPublic are township 事业单位.
var townSuffixesPublic = []string{"中心小学", "中学", "中心卫生院", "中心幼儿园", "农业技术推广站", "畜牧兽医站", "文化站", "林业站"}

// regionAgencies are government bodies that are subjects (not departments):
// none is named as a department kind's body is (民政局 is one, since the
// demo's 民政 bodies register social organisations).
var regionAgencies = words(`
机关事务管理局 信访局 统计局 审计局 地方志办公室 司法局 财政局 退役军人事务局 医疗保障局 林业和草原局
粮食和物资储备局 政务服务和数字化建设管理局 人民防空办公室 档案局 乡村振兴局 人民政府办公室 发展和改革委员会
工业和信息化局 科学技术局 民族宗教事务委员会 体育局 人民法院 人民检察院
`)

// publicSuffixes are 事业单位 kinds under a region name.
var publicSuffixes = func() []string {
	var out []string
	for n := 1; n <= 20; n++ {
		out = append(out, "第"+chineseNumber(n)+"中学", "第"+chineseNumber(n)+"小学")
	}
	for n := 1; n <= 5; n++ {
		out = append(out, "第"+chineseNumber(n)+"人民医院", "第"+chineseNumber(n)+"幼儿园")
	}
	return append(out, words(`
实验中学 实验小学 实验幼儿园 人民医院 中医院 中心医院 妇幼保健院 疾病预防控制中心 卫生监督所 图书馆
文化馆 博物馆 档案馆 职业技术学校 职业中等专业学校 特殊教育学校 广播电视台 公证处 不动产登记中心 公共资源交易中心
就业服务中心 社会保险事业管理中心 住房公积金管理中心 社会福利院 儿童福利院 殡仪馆 农业技术推广中心 动物疫病预防控制中心 林业工作总站 环境监测站
园林绿化管理处 环境卫生管理处 市政设施管理处 房屋征收经办中心 市场监管综合行政执法大队 农业综合行政执法大队 文化市场综合行政执法大队 交通运输综合行政执法大队 青少年活动中心 体育场
`)...)
}()

// associations are 社会团体 (51) kinds under a region name.
var associations = words(`
餐饮行业协会 个体劳动者协会 书法家协会 摄影家协会 作家协会 青年企业家协会 企业联合会 物流与采购联合会 汽车流通协会 建筑业协会
房地产业协会 物业管理协会 注册会计师协会 老年人体育协会 足球协会 篮球协会 围棋协会 诗词学会 中医药学会 护理学会
医学会 教育学会 会计学会 法学会 计算机学会 农学会 林学会 水利学会 土木建筑学会 人参产业协会
梅花鹿产业协会 食用菌协会 蜂业协会 旅游协会 酒店行业协会 美容美发协会 烹饪协会 家政服务协会 养老服务协会 慈善总会
志愿者协会 电子商务协会 软件和信息服务业协会 互联网协会 安全生产协会 消防协会 道路运输协会 出租汽车协会 驾驶员培训协会 保险行业协会
浙江商会 温州商会 福建商会 山东商会 河南商会 江苏商会 广东商会 四川商会 河北商会 黑龙江商会
收藏家协会 音乐家协会 舞蹈家协会 美术家协会 戏剧家协会 民间文艺家协会 科普作家协会 营养学会 心理学会 档案学会
`)

// industryAssociations follow an industry (长春市汽车零部件行业协会) and
// townAssociations a town (农安县合隆镇商会).
var (
	industryAssociations = []string{"行业协会", "商会", "产业促进会"}
	townAssociations     = []string{"镇商会", "镇老年人协会", "镇个体劳动者协会"}
)

// nonEnterprises are 民办非企业单位 (52) kinds after a region and a 字号.
var nonEnterprises = words(`
培训学校 职业技能培训学校 艺术培训学校 幼儿园 养老院 托育中心 社会工作服务中心 康复中心 文化艺术中心 心理咨询服务中心 体育健身俱乐部 医院
`)

// foundationTopics and foundationForms name 基金会 (53).
var (
	foundationTopics = words(`
青少年发展基金会 见义勇为基金会 扶贫基金会 慈善基金会 教育发展基金会 文化发展基金会 体育发展基金会 老年事业发展基金会 妇女儿童发展基金会 残疾人福利基金会
红十字基金会 生态环境保护基金会 医疗救助基金会 科技发展基金会 人才发展基金会 乡村振兴基金会 关心下一代基金会 光彩事业基金会 助学基金会 法律援助基金会
`)
	foundationForms = []string{"公益基金会", "慈善基金会", "教育基金会", "助学基金会", "文化发展基金会"}
)

// shops are the businesses of 个体工商户.
var shops = words(`
面馆 饺子馆 烧烤店 快餐店 小吃部 五金店 日杂商店 便利店 超市 水果店
蔬菜店 粮油店 服装店 鞋店 理发店 美容美发店 洗衣店 干洗店 修车行 汽车修理部
轮胎店 手机维修部 电器维修部 家电商店 建材商店 装饰材料商店 门窗店 烟酒店 茶叶店 食杂店
冷面馆 朝鲜族饭店 包子铺 豆腐坊 熟食店 肉店 鲜鱼店 调料店 文具店 图书店
打印部 照相馆 花店 眼镜店 钟表维修部 开锁部 家政服务部 搬家服务部 货运部 农资商店
种子商店 宠物店 足疗店 台球厅 麻辣烫店 火锅店 酸菜鱼馆 米粉店 奶茶店 面包房
蛋糕店 炸鸡店 小酒馆 粥铺 烤肉店 串店 砂锅居 汽车美容店 洗车行 自行车行
电动车行 床上用品店 窗帘店 布艺店 母婴店 化妆品店 饰品店 渔具店 废品收购站 劳保用品店
旅馆 宾馆 网吧 歌厅 浴池 大药房 兽药店
`)

// surnames are common family names (with 朴, 崔, 金 for 延边).
var surnames = words(`
王 李 张 刘 陈 杨 赵 黄 周 吴 徐 孙 胡 朱 高 林 何 郭 马 罗
梁 宋 郑 谢 韩 唐 冯 于 董 程 曹 袁 邓 许 傅 沈 曾 彭 吕 苏
卢 蒋 蔡 贾 丁 魏 薛 叶 阎 余 潘 杜 戴 夏 钟 汪 田 任 姜 范
方 石 姚 谭 廖 邹 熊 金 陆 郝 孔 白 崔 康 毛 邱 秦 江 史 顾
侯 邵 孟 龙 万 段 雷 钱 汤 尹 黎 常 武 乔 贺 关 佟 朴 隋 单
`)

// koreanSurnames are used more often in 延边.
var koreanSurnames = []string{"金", "李", "朴", "崔", "郑", "姜", "赵", "张", "尹", "韩"}

// Given names.
var (
	maleNames = words(`
建国 建军 国庆 志强 伟 强 磊 军 勇 杰 涛 明 超 刚 平 辉 鹏 华 飞 鑫
波 斌 宇 浩 凯 健 俊 帆 旭 宁 龙 林 阳 亮 成 东 海 峰 振华 立新
德胜 永生 宝山 福贵 喜才 树林 春生 文博 子轩 浩然 宇航 博文 天宇 晨阳 俊杰 志远 明轩 国华 建华 卫东
红军 玉林 洪涛 铁军 金龙 海涛 晓东 晓明 庆丰 立民 宏伟 振宇 文斌 志刚 家豪 一鸣 长山 德福
`)
	femaleNames = words(`
秀英 桂英 秀兰 玉兰 桂兰 凤英 淑珍 丽娟 丽华 淑华 玉梅 红梅 秀珍 艳 敏 静 丽 娟 霞 芳
燕 玲 婷 雪 慧 颖 琳 晶 洁 欣 丹 萍 红 莉 春燕 海燕 晓燕 丽丽 婷婷 雪梅
冬梅 春梅 淑芬 凤霞 美玲 佳怡 欣怡 梓涵 诗涵 雨桐 思琪 子涵 可馨 雅静 晓丽 艳华 玉洁 晓红 慧敏 文静
秋菊 金凤 美兰 春华 桂芝 淑兰 凤芝 丽艳 艳红 晓梅 海英 月华 晓雪 梦瑶 欣然 玉霞 红艳 淑梅 丽君 美华
`)
)

// streets are used for addresses in 违法事实.
var streets = words(`
人民大街 解放大路 自由大路 西安大路 亚泰大街 南湖大路 红旗街 重庆路 建设街 民主大街
卫星路 普阳街 前进大街 光明路 和平大路 长江路 黄河路 新华路 胜利大街 吉林大路
延安大路 迎宾路 北京大街 上海路 天津街 松江路 中华路 工农大路 站前街 东盛大街
繁荣路 青年路 文化街 兴业街 商业街 富强路 友谊路 团结路 滨江路 铁北街
`)

// words splits a whitespace-separated list.
func words(s string) []string { return strings.Fields(s) }

// chineseNumber writes 1..99 in Chinese (一, 十, 十二, 二十, 二十三).
func chineseNumber(n int) string {
	digits := []string{"", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	switch {
	case n < 10:
		return digits[n]
	case n < 20:
		return "十" + digits[n%10]
	default:
		return digits[n/10] + "十" + digits[n%10]
	}
}
