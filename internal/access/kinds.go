package access

// DepartmentKind is what a department does. The measures catalog names the
// kinds of department that implement a measure (lists.Measure
// DepartmentKinds), so a department's kind decides which measures it is
// reminded of in a verification. This is the one vocabulary of kinds.
type DepartmentKind struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// DepartmentKinds lists every kind, in the order forms offer them.
var DepartmentKinds = []DepartmentKind{
	{"development_reform", "发展改革"},
	{"market", "市场监督管理"},
	{"civil_affairs", "民政"},
	{"establishment", "机构编制"},
	{"tax", "税务"},
	{"finance", "财政"},
	{"procurement", "政府采购监督管理"},
	{"public_resource", "公共资源交易"},
	{"court", "人民法院"},
	{"police", "公安"},
	{"immigration", "出入境管理"},
	{"human_resources", "人力资源和社会保障"},
	{"organization", "组织人事"},
	{"natural_resources", "自然资源"},
	{"environment", "生态环境"},
	{"housing", "住房和城乡建设"},
	{"transport", "交通运输"},
	{"water", "水利"},
	{"agriculture", "农业农村"},
	{"commerce", "商务"},
	{"culture", "文化和旅游"},
	{"health", "卫生健康"},
	{"safety", "应急管理"},
	{"education", "教育"},
	{"urban", "城市管理"},
	{"bank", "金融机构"},
}

// DepartmentKindName returns the Chinese name of a kind code.
func DepartmentKindName(code string) (string, bool) {
	for _, k := range DepartmentKinds {
		if k.Code == code {
			return k.Name, true
		}
	}
	return "", false
}
