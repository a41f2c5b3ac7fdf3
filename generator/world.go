package generator

import "math/rand/v2"

// The fixed cast of the simulation: contracts, partners, products, regions and
// the vocabulary customers write in. Everything here is read-only after init;
// only the technicians (whose qualification depends on the seed) are built per
// run, by newWorld.

// contract is one service contract tier with its SLA terms (clause 2.3.1, 3.2.2).
type contract struct {
	id        string
	replyH    float64 // first reply within, in contract clock hours
	onsiteH   float64 // on site / remote within, in contract clock hours
	partsDays float64 // part lines delivered within, in calendar days
	allHours  bool    // 24×7 clock; otherwise working days 09:00–18:00
	weight    float64 // share of requests
}

var contracts = []contract{
	{id: "CT-PLATINUM", replyH: 2, onsiteH: 4, partsDays: 2, allHours: true, weight: 8},
	{id: "CT-GOLD", replyH: 4, onsiteH: 24, partsDays: 3, weight: 22},
	{id: "CT-SILVER", replyH: 6, onsiteH: 36, partsDays: 5, weight: 15},
	{id: "CT-STANDARD", replyH: 8, onsiteH: 48, partsDays: 5, weight: 38},
	{id: "CT-BASIC", replyH: 24, onsiteH: 72, partsDays: 7, weight: 17},
}

// partner is a service provider: the seller's own network or a third party
// (clause 10.2). Its parameters set how well it performs; they are what the
// dashboards should rediscover.
type partner struct {
	id       string
	own      bool    // the seller's own service network
	techs    int     // technicians on its roster
	certRate float64 // share of its technicians holding a valid qualification

	speed      float64 // skew of on-time delays towards zero (higher is faster)
	lateReply  float64 // chance the first reply misses the SLA
	lateOnsite float64 // chance the visit misses the SLA
	firstFix   float64 // chance the first visit fixes the fault
	reopen     float64 // chance the customer reopens a resolved request
	repeat     float64 // chance the same serial comes back within 30 days
	fill       float64 // chance a part line is served from stock
	partsLate  float64 // chance a part not in stock arrives late
	complaint  float64 // base chance of a complaint
	quality    float64 // 0..1, centre of the satisfaction ratings
	stuck      float64 // chance a request stalls and is never resolved
	cancel     float64 // chance the customer withdraws the request
	surveyRate float64 // chance a resolved request gets a survey answer
}

var partners = []partner{
	{id: "PT-OWN-EAST", own: true, techs: 40, certRate: 0.98, speed: 2.6, lateReply: 0.02, lateOnsite: 0.03,
		firstFix: 0.93, reopen: 0.02, repeat: 0.02, fill: 0.88, partsLate: 0.03, complaint: 0.01, quality: 0.93,
		stuck: 0.003, cancel: 0.03, surveyRate: 0.66},
	{id: "PT-OWN-NORTH", own: true, techs: 30, certRate: 0.95, speed: 1.8, lateReply: 0.05, lateOnsite: 0.07,
		firstFix: 0.86, reopen: 0.04, repeat: 0.04, fill: 0.78, partsLate: 0.06, complaint: 0.025, quality: 0.82,
		stuck: 0.005, cancel: 0.035, surveyRate: 0.62},
	{id: "PT-SOUTH", techs: 25, certRate: 0.92, speed: 1.5, lateReply: 0.07, lateOnsite: 0.09,
		firstFix: 0.83, reopen: 0.05, repeat: 0.05, fill: 0.72, partsLate: 0.08, complaint: 0.03, quality: 0.78,
		stuck: 0.006, cancel: 0.04, surveyRate: 0.60},
	{id: "PT-CENTRAL", techs: 20, certRate: 0.85, speed: 1.2, lateReply: 0.10, lateOnsite: 0.13,
		firstFix: 0.79, reopen: 0.06, repeat: 0.06, fill: 0.65, partsLate: 0.12, complaint: 0.045, quality: 0.70,
		stuck: 0.008, cancel: 0.04, surveyRate: 0.60},
	{id: "PT-WEST", techs: 18, certRate: 0.83, speed: 1.1, lateReply: 0.12, lateOnsite: 0.16,
		firstFix: 0.76, reopen: 0.07, repeat: 0.07, fill: 0.60, partsLate: 0.15, complaint: 0.05, quality: 0.66,
		stuck: 0.010, cancel: 0.045, surveyRate: 0.58},
	{id: "PT-NORTHEAST", techs: 12, certRate: 0.75, speed: 1.0, lateReply: 0.15, lateOnsite: 0.19,
		firstFix: 0.73, reopen: 0.09, repeat: 0.08, fill: 0.55, partsLate: 0.18, complaint: 0.06, quality: 0.60,
		stuck: 0.012, cancel: 0.05, surveyRate: 0.57},
	{id: "PT-QUICKFIX", techs: 20, certRate: 0.70, speed: 0.7, lateReply: 0.26, lateOnsite: 0.36,
		firstFix: 0.60, reopen: 0.15, repeat: 0.15, fill: 0.45, partsLate: 0.32, complaint: 0.12, quality: 0.45,
		stuck: 0.030, cancel: 0.06, surveyRate: 0.55},
}

// region is where the customer lives; it decides which partner serves them.
type region struct {
	name     string
	weight   float64
	partners []int     // indexes into partners
	pweights []float64 // their shares
	cities   []city
}

type city struct{ name, district string }

var regions = []region{
	{name: "East China", weight: 28, partners: []int{0, 6}, pweights: []float64{0.72, 0.28},
		cities: []city{{"上海市", "浦东新区"}, {"上海市", "徐汇区"}, {"杭州市", "西湖区"}, {"南京市", "鼓楼区"}, {"苏州市", "工业园区"}}},
	{name: "North China", weight: 18, partners: []int{1}, pweights: []float64{1},
		cities: []city{{"北京市", "朝阳区"}, {"北京市", "海淀区"}, {"天津市", "河西区"}, {"石家庄市", "长安区"}}},
	{name: "South China", weight: 18, partners: []int{2, 6}, pweights: []float64{0.75, 0.25},
		cities: []city{{"广州市", "天河区"}, {"深圳市", "南山区"}, {"佛山市", "禅城区"}, {"南宁市", "青秀区"}}},
	{name: "Central China", weight: 12, partners: []int{3, 6}, pweights: []float64{0.8, 0.2},
		cities: []city{{"武汉市", "洪山区"}, {"长沙市", "岳麓区"}, {"郑州市", "金水区"}}},
	{name: "Southwest", weight: 10, partners: []int{4}, pweights: []float64{1},
		cities: []city{{"成都市", "武侯区"}, {"重庆市", "渝北区"}, {"昆明市", "五华区"}}},
	{name: "Northeast", weight: 8, partners: []int{5, 1}, pweights: []float64{0.6, 0.4},
		cities: []city{{"沈阳市", "和平区"}, {"哈尔滨市", "南岗区"}, {"长春市", "朝阳区"}}},
	{name: "Northwest", weight: 6, partners: []int{4}, pweights: []float64{1},
		cities: []city{{"西安市", "雁塔区"}, {"兰州市", "城关区"}}},
}

// model is a product line; serial numbers are SN-<code>-<n>.
type model struct {
	name          string
	code          string
	warrantyYears int
	partsRate     float64 // chance a repair needs parts
	remoteRate    float64 // chance the service is remote
	weight        float64
	faults        []string // how customers describe the fault
}

var models = []model{
	{name: "AC-200", code: "7781", warrantyYears: 3, partsRate: 0.30, remoteRate: 0.04, weight: 20,
		faults: []string{"空调不制冷", "空调外机噪音大", "空调漏水", "空调显示E1故障码"}},
	{name: "AC-350", code: "7790", warrantyYears: 3, partsRate: 0.33, remoteRate: 0.04, weight: 12,
		faults: []string{"空调制热效果差", "空调遥控器失灵", "空调开机后自动关机"}},
	{name: "WM-80", code: "5120", warrantyYears: 2, partsRate: 0.35, remoteRate: 0.06, weight: 18,
		faults: []string{"洗衣机不脱水", "洗衣机脱水时噪音很大", "洗衣机漏水", "洗衣机门打不开"}},
	{name: "RF-500", code: "6630", warrantyYears: 3, partsRate: 0.28, remoteRate: 0.05, weight: 15,
		faults: []string{"冰箱冷藏室不制冷", "冰箱结霜严重", "冰箱压缩机一直响"}},
	{name: "TV-65Q", code: "8810", warrantyYears: 1, partsRate: 0.22, remoteRate: 0.40, weight: 14,
		faults: []string{"电视开机黑屏", "电视没有声音", "电视无法连接网络", "电视画面有竖线"}},
	{name: "WH-60", code: "4410", warrantyYears: 2, partsRate: 0.30, remoteRate: 0.08, weight: 12,
		faults: []string{"热水器打不着火", "热水器水温忽冷忽热", "热水器漏电保护跳闸"}},
	{name: "DW-12", code: "3350", warrantyYears: 1, partsRate: 0.32, remoteRate: 0.12, weight: 9,
		faults: []string{"洗碗机漏水", "洗碗机不排水", "洗碗机洗不干净"}},
}

// partsPerModel is how many distinct part numbers a model has (P-<code>-001…).
const partsPerModel = 12

// Names, with pinyin for e-mail addresses.
type word struct{ han, pinyin string }

var surnames = []word{
	{"王", "wang"}, {"李", "li"}, {"张", "zhang"}, {"刘", "liu"}, {"陈", "chen"}, {"杨", "yang"},
	{"黄", "huang"}, {"赵", "zhao"}, {"吴", "wu"}, {"周", "zhou"}, {"徐", "xu"}, {"孙", "sun"},
	{"马", "ma"}, {"朱", "zhu"}, {"胡", "hu"}, {"郭", "guo"}, {"何", "he"}, {"高", "gao"},
	{"林", "lin"}, {"罗", "luo"}, {"郑", "zheng"}, {"梁", "liang"}, {"谢", "xie"}, {"宋", "song"},
	{"唐", "tang"}, {"韩", "han"}, {"冯", "feng"}, {"邓", "deng"}, {"曹", "cao"}, {"彭", "peng"},
	{"曾", "zeng"}, {"肖", "xiao"}, {"田", "tian"}, {"董", "dong"}, {"袁", "yuan"}, {"潘", "pan"},
	{"蒋", "jiang"}, {"蔡", "cai"}, {"欧阳", "ouyang"}, {"司马", "sima"},
}

var givenNames = []word{
	{"伟", "wei"}, {"芳", "fang"}, {"娜", "na"}, {"敏", "min"}, {"静", "jing"}, {"丽", "li"},
	{"强", "qiang"}, {"磊", "lei"}, {"军", "jun"}, {"洋", "yang"}, {"勇", "yong"}, {"艳", "yan"},
	{"杰", "jie"}, {"娟", "juan"}, {"涛", "tao"}, {"明", "ming"}, {"超", "chao"}, {"秀英", "xiuying"},
	{"霞", "xia"}, {"平", "ping"}, {"刚", "gang"}, {"桂英", "guiying"}, {"建华", "jianhua"},
	{"晓东", "xiaodong"}, {"子涵", "zihan"}, {"浩然", "haoran"}, {"欣怡", "xinyi"}, {"宇轩", "yuxuan"},
	{"雨桐", "yutong"}, {"志强", "zhiqiang"}, {"海燕", "haiyan"}, {"文博", "wenbo"}, {"思远", "siyuan"},
	{"佳琪", "jiaqi"}, {"俊杰", "junjie"}, {"丹", "dan"}, {"鹏", "peng"}, {"辉", "hui"}, {"玲", "ling"},
	{"婷", "ting"},
}

var (
	emailDomains = []string{"163.com", "126.com", "sina.com", "outlook.com", "example.cn", "foxmail.com"}
	roads        = []string{"建国路", "人民路", "中山路", "解放路", "长江路", "和平路", "科技路", "文化路", "新华路", "学院路", "滨江大道", "幸福里"}
	mobileHeads  = []string{"13", "15", "17", "18", "19"}
)

// Free text. Notes and comments are personal data: the pipeline must never store them.
var (
	requestAsides = []string{
		"请上午来", "请下午来", "请提前电话联系", "工作日白天家里没人,周末方便", "家里有老人,请按门铃",
		"小区需要登记,请带证件", "比较着急,谢谢", "已经坏了两天了",
	}
	pauseNotes   = []string{"客户出差,下周再约", "客户电话无人接听", "物业不让进小区", "客户要求改到周末"}
	reopenNotes  = []string{"修完第二天又坏了", "还是老问题", "维修后出现新的异响"}
	cancelNotes  = []string{"客户已自行解决", "不需要维修了", "已经买了新的"}
	goodComments = []string{
		"师傅很专业", "上门很准时,服务态度好", "问题一次解决了,谢谢", "速度很快,点赞", "讲解很耐心",
	}
	midComments = []string{"还可以", "等的时间有点长", "师傅人不错,就是来得晚", "收费有点贵"}
	badComments = []string{
		"等了三天才上门", "师傅态度不好", "修完又坏了", "配件等了一个多星期", "收费不透明", "没有提前联系就上门",
	}
	complaintComments = map[string][]string{
		"delay":    {"预约了三次都没人来", "超过承诺时间还没上门"},
		"quality":  {"同一个问题修了两次", "维修后比之前更严重"},
		"attitude": {"师傅说话很不客气", "客服挂我电话"},
		"billing":  {"保修期内还收了费", "收费和报价不一致"},
		"privacy":  {"维修人员把我的电话给了别人", "收到推销电话,怀疑信息泄露"},
		"other":    {"希望有人尽快回复"},
	}
	complaintClosingComments = []string{"已致歉并补偿", "已重新安排师傅上门", "已退还多收费用"}
	reopenReasons            = []string{"fault_recurred", "not_fixed", "new_symptom", "damaged_during_repair"}
)

// partnerRefPrefix starts the work-order number third parties add to some
// events: a field the contract does not know, which the pipeline must ignore.
const partnerRefPrefix = "WO-"

// technician is one person on a partner's roster.
type technician struct {
	id        string
	certified bool
}

// world is the per-run cast: the fixed tables plus the technician rosters,
// whose qualification flags are drawn from the seed.
type world struct {
	techs [][]technician // per partner
}

func newWorld(r *rand.Rand) *world {
	w := &world{techs: make([][]technician, len(partners))}
	for i, p := range partners {
		roster := make([]technician, p.techs)
		// Exactly round(certRate × techs) qualified technicians, at random
		// places in the roster, so that the visit-weighted rate is the intended one.
		certified := int(p.certRate*float64(p.techs) + 0.5)
		perm := r.Perm(p.techs)
		for j := range roster {
			roster[j].id = "T-" + itoa((i+1)*1000+j+1, 4)
			roster[perm[j]].certified = j < certified
		}
		w.techs[i] = roster
	}
	return w
}
