package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/record"
	"jlcredit/internal/subject/subjecttest"
)

// A person verified by ID number who is the legal representative of a
// listed company sees the company's entry once, with the person's role
// once (it was printed twice: as 关联身份 and again as the entry's
// responsible person).
func TestLinkedRoleShownOnce(t *testing.T) {
	rep := subjecttest.CitizenID(t, "22010219750303123")
	listRowAsA(t, "长春关联测试有限公司", testUSCC(t, "91220101MA0Y7777"), "吉名单〔2026〕77号", time.Now().AddDate(0, 0, -1), time.Now().AddDate(3, 0, -2),
		map[string]string{"MD_FDDBR": "关联张", "MD_FDDBR_ZJLX": "身份证", "MD_FDDBR_ZJHM": rep})
	b := login(t, "opb")
	res := b.postCSRF("/console/verify", url.Values{"scenario": {"政府采购"}, "purpose": {"某某采购项目供应商资格审查"}, "subjects": {rep}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("verify: %d", res.StatusCode)
	}
	doc := b.doc(res.Header.Get("Location"), http.StatusOK)
	li := text(doc.Find("main section.verify-subject li").FilterFunction(func(_ int, s *goquery.Selection) bool {
		return strings.Contains(s.Text(), "长春关联测试有限公司")
	}))
	if li == "" {
		t.Fatalf("no linked entry of the company in %q", text(doc.Find("main")))
	}
	if n := strings.Count(li, "法定代表人"); n != 1 {
		t.Errorf("linked entry %q names the role %d times, want once", li, n)
	}
}

// listRowAsA lists an organisation on the black list as department A by a
// JSON batch: decided on from, valid from then until until, with extra
// fields.
func listRowAsA(t *testing.T, name, code, doc string, from, until time.Time, extra map[string]string) {
	t.Helper()
	f := mustFixture(t)
	ctx := context.Background()
	dep, err := f.db.FindDepartmentByCode(ctx, f.depA.Code)
	if err != nil {
		t.Fatal(err)
	}
	actor := credit.Actor{Role: credit.RoleDepartment, DepartmentID: dep.ID, DepartmentCode: dep.Code, Name: dep.Name, RegionCode: dep.RegionCode, Channel: "api"}
	day := func(d time.Time) string { return d.Format(credit.DateLayout) }
	row := map[string]string{"MD_LX": "严重失信主体名单", "MD_ZTMC": name, "MD_ZTLB": "法人及非法人组织", "MD_TYSHXYDM": code, "MD_FDDBR": "李核查",
		"MD_RDWH": doc, "MD_RDRQ": day(from), "MD_RDBM": dep.Name, "MD_RDBMDM": dep.Code,
		"MD_SY": "拒不履行法定义务，情节严重", "MD_YJ": "《吉林省社会信用条例》第三十条", "MD_CSTS": "限制参加政府采购",
		"MD_YCTJ": "满1年可申请提前移出", "MD_JJCS": "可依法申请行政复议", "MD_YXQQ": day(from), "MD_YXQZ": day(until),
		"MD_SJLYDM": dep.Code}
	for k, v := range extra {
		row[k] = v
	}
	body, _ := json.Marshal([]map[string]string{row})
	rc, err := f.db.Submit(credit.NewContextWithActor(ctx, actor), record.Submission{Class: lists.ClassCode, Filename: "名单.json", Body: bytes.NewReader(body)})
	if err != nil || rc.Accepted != 1 {
		errs, _, _ := f.db.FindBatchErrors(credit.NewContextWithActor(ctx, actor), rc.Batch, 0, 5)
		t.Fatalf("listing: %+v, %v %+v", rc, err, errs)
	}
}
