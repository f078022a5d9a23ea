package demo

import (
	"fmt"
	"strings"
	"time"

	"jlcredit/internal/credit"
	"jlcredit/internal/record"
	"jlcredit/internal/subject"
)

// ClassListEntry is the catalog class of list entries (MD_* fields).
const ClassListEntry = "list_entry"

// ListEntry describes one generated list entry: who is listed, on which
// list (a value of the catalog code table list_type), by which department,
// under which document, why and on what basis, from when.
type ListEntry struct {
	Subject SubjectSeed
	Type    string
	By      Department
	DocNo   string
	Reason  string
	Basis   string
	From    credit.Date
}

// ListRow returns the list_entry row of e: organisations and individual
// businesses by USCC (an organisation on the black list with its legal
// representative, for linkage), persons by citizen ID; validity as the list
// type allows (black list 3 years, watch list 2 years, red lists 1 year;
// 失信被执行人 and 经营异常名录 until removed).
func ListRow(e ListEntry) map[string]string {
	s := e.Subject
	row := map[string]string{"MD_LX": e.Type, "MD_ZTMC": s.Name, "MD_RDWH": e.DocNo, "MD_RDRQ": e.From.Format(credit.DateLayout),
		"MD_RDBM": e.By.Name, "MD_RDBMDM": e.By.Code, "MD_SY": e.Reason, "MD_YJ": e.Basis,
		"MD_YXQQ": e.From.Format(credit.DateLayout), "MD_SJLYDM": e.By.Code}
	switch s.Type {
	case string(subject.Person):
		row["MD_ZTLB"], row["MD_ZJLX"], row["MD_ZJHM"] = "自然人", "身份证", s.CitizenID
	case string(subject.IndividualBusiness):
		row["MD_ZTLB"], row["MD_TYSHXYDM"] = "个体工商户", s.USCC
	default:
		row["MD_ZTLB"], row["MD_TYSHXYDM"] = "法人及非法人组织", s.USCC
	}
	months := 0
	switch e.Type {
	case "严重失信主体名单", "拖欠农民工工资失信联合惩戒对象", "重大税收违法失信主体", "政府采购严重违法失信行为记录":
		months = 36
	case "重点关注名单":
		months = 24
	case "纳税信用A级纳税人", "守合同重信用企业":
		months = 12
	}
	if months > 0 {
		row["MD_YXQZ"] = record.AddMonths(e.From, months).AddDate(0, 0, -1).Format(credit.DateLayout)
	}
	if strings.Contains(e.Type, "失信") || e.Type == "重点关注名单" {
		row["MD_CSTS"], row["MD_YCTJ"], row["MD_JJCS"] = "依失信惩戒措施清单实施惩戒", "有效期届满自动移出，或依法申请信用修复后提前移出", "可依法申请行政复议或提起行政诉讼"
	}
	// An organisation on the black list or a sub-list names its legal
	// representative (吉林省社会信用条例; a rule of the catalog).
	black := e.Type == "严重失信主体名单" || e.Type == "失信被执行人" || e.Type == "拖欠农民工工资失信联合惩戒对象" || e.Type == "重大税收违法失信主体" || e.Type == "政府采购严重违法失信行为记录"
	if black && row["MD_ZTLB"] == "法人及非法人组织" && s.LegalRep != "" {
		row["MD_FDDBR"] = s.LegalRep
		if s.LegalRepID != "" {
			row["MD_FDDBR_ZJLX"], row["MD_FDDBR_ZJHM"] = "身份证", s.LegalRepID
		}
	}
	return row
}

// listPlan is what the demo province lists, in turn: the list type, the
// kind of the provincial department that decides it, the 文号 abbreviation,
// a typical reason and its basis, and how far back decisions go (days).
var listPlan = []struct {
	typ, kind, abbr, reason, basis string
	days                           int
	fits                           func(*SubjectSeed) bool // who may be on the list
}{
	{"经营异常名录", KindMarket, "吉市监异", "未按照《企业信息公示暂行条例》规定的期限公示年度报告", "《企业经营异常名录管理暂行办法》第四条", 700, isEnterprise},
	{"严重失信主体名单", KindMarket, "吉市监严", "提交虚假材料取得公司登记，被依法撤销登记", "《市场监督管理严重违法失信名单管理办法》第九条", 700, isEnterprise},
	{"重大税收违法失信主体", KindTax, "吉税稽失", "虚开增值税专用发票，情节严重", "《重大税收违法失信主体信息公布管理办法》第六条", 700, isMarket},
	{"纳税信用A级纳税人", KindTax, "吉税信A", "上一年度纳税信用评价为A级", "《纳税信用管理办法（试行）》第二十七条", 300, isEnterprise},
	{"拖欠农民工工资失信联合惩戒对象", KindHRSS, "吉人社欠薪", "拖欠农民工工资数额达到认定标准，经责令限期支付仍未支付", "《拖欠农民工工资失信联合惩戒对象名单管理暂行办法》第五条", 700, isMarket},
	{"守合同重信用企业", KindMarket, "吉市监守", "连续两年合同履约情况良好，经评审并公示无异议", "《吉林省社会信用条例》第三十四条", 300, isEnterprise},
	{"重点关注名单", KindEnvironment, "吉环关", "超标排放污染物受到行政处罚，尚未完成整改", "《吉林省社会信用条例》第二十九条", 600, isEmitter},
}

// Who may be listed: enterprises (企业信息公示, 守合同重信用企业, 纳税信用
// of enterprises), market subjects, or production sites that emit.
func isEnterprise(s *SubjectSeed) bool { return s.Type == string(subject.Enterprise) }
func isMarket(s *SubjectSeed) bool {
	return s.Type == string(subject.Enterprise) || s.Type == string(subject.IndividualBusiness)
}
func isEmitter(s *SubjectSeed) bool { return isMarket(s) && industrial.has(s.Industry) }

// ListEntries generates n list entries active on asOf, each decided by the
// provincial department of its kind, about organisations and individual
// businesses spread over the province, and calls fn with the department and
// the list_entry row. Persons are not listed: the demo has no court.
func (g *Generator) ListEntries(n int, asOf time.Time, fn func(i int, dept Department, row map[string]string) error) error {
	if n < 0 {
		return credit.Errorf(credit.EINVALID, "演示名单条目数不能为负数（%d）", n)
	}
	today := credit.DateOf(asOf)
	byKind := map[string]Department{}
	for _, d := range g.depts {
		if _, seen := byKind[d.Kind]; !seen && d.RegionCode == subject.JilinCode {
			byKind[d.Kind] = d // the 厅 itself, not an agency of the same kind after it
		}
	}
	stride := max(g.n/max(n, 1), 1)
	j := 0
	for i := range n {
		p := listPlan[i%len(listPlan)]
		dept, ok := byKind[p.kind]
		if !ok {
			return fmt.Errorf("demo: no provincial department of kind %s", p.kind)
		}
		// The next organisation or individual business after the stride
		// that may be on the list.
		s := g.Subject((i*stride + j) % g.n)
		for tries := 0; !p.fits(&s) && tries < g.n; tries++ {
			j++
			s = g.Subject((i*stride + j) % g.n)
		}
		r := newRNG(g.seed^0x11575, uint64(i))
		from := today.AddDate(0, 0, -r.intn(p.days))
		row := ListRow(ListEntry{Subject: s, Type: p.typ, By: dept, DocNo: fmt.Sprintf("%s〔%d〕%d号", p.abbr, from.Year(), i+1),
			Reason: p.reason, Basis: p.basis, From: from})
		if err := fn(i, dept, row); err != nil {
			return err
		}
	}
	return nil
}
