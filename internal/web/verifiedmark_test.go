package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"jlcredit/internal/credit"
	"jlcredit/internal/record"
	"jlcredit/internal/subject"
	"jlcredit/internal/subject/subjecttest"
)

// TestVerifiedMark: an organisation created from 双公示 rows carries 未经登记机关核验
// on the portal and 未核验 in the console until its registration record
// arrives; then both say it is verified. A person's archive says 不适用, and
// so does a law firm's: its registration authority (司法行政) is not on the
// platform, and the portal does not mark it at all.
func TestVerifiedMark(t *testing.T) {
	f := mustFixture(t)
	sys := credit.NewContextWithActor(context.Background(), credit.System)
	var org, person *subject.Subject
	var personID string
	for i := range f.gen.Subjects() {
		g := f.gen.Subject(i)
		code := g.USCC
		if g.Type == string(subject.Person) {
			code = g.CitizenID
		}
		if code == "" || code == f.subjectCode {
			continue
		}
		s, err := f.db.FindSubjectByCode(sys, code)
		if err != nil {
			continue
		}
		switch {
		case s.Type == subject.Person && person == nil:
			person, personID = s, code
		case s.Type != subject.Person && s.Type != subject.IndividualBusiness && org == nil && !s.Verified:
			org = s
		}
		if org != nil && person != nil {
			break
		}
	}
	if org == nil || person == nil {
		t.Fatalf("fixture has no unverified organisation (%v) or person (%v) with records", org, person)
	}
	c := newClient(t)
	a := login(t, "opa")
	archive := func(code string) string {
		t.Helper()
		res := a.postCSRF("/console/subjects/archive", url.Values{"code": {code}, "reason": {"日常监管和执法检查"}})
		return text(parse(t, res, http.StatusOK).Find("dl.kv"))
	}
	if got := text(c.doc("/subjects/"+org.USCC, http.StatusOK).Find(".subject-head")); !strings.Contains(got, "未经登记机关核验") {
		t.Errorf("portal head of an organisation without registration = %q, want 未经登记机关核验", got)
	}
	if got := archive(org.USCC); !strings.Contains(got, "未核验") {
		t.Errorf("console archive of an organisation without registration = %q, want 未核验", got)
	}
	if got := archive(personID); !strings.Contains(got, "不适用（自然人）") {
		t.Errorf("console archive of a person = %q, want 主体核验 不适用（自然人）", got)
	}

	dep, err := f.db.FindDepartmentByCode(sys, f.depA.Code)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString("DJ_MC,DJ_TYSHXYDM,DJ_LX,DJ_FDDBR,DJ_CLRQ,DJ_DJJG,DJ_ZT,DJ_SJLYDM\n")
	b.WriteString(strings.Join([]string{org.Name, org.USCC, "有限责任公司", "王建国", "2015-03-02", dep.Name, "存续", dep.Code}, ",") + "\n")
	actor := credit.Actor{Role: credit.RoleDepartment, DepartmentID: dep.ID, DepartmentCode: dep.Code, Name: dep.Name, RegionCode: dep.RegionCode, Channel: "api"}
	rc, err := f.db.Submit(credit.NewContextWithActor(sys, actor), record.Submission{Class: "registration", Filename: "registration.csv", Body: &b})
	if err != nil || rc.Accepted != 1 {
		t.Fatalf("registration: %+v, %v", rc, err)
	}
	if got := text(c.doc("/subjects/"+org.USCC, http.StatusOK).Find(".subject-head")); strings.Contains(got, "未经登记机关核验") {
		t.Errorf("portal head after the registration record = %q, want no 未经登记机关核验", got)
	}
	if got := archive(org.USCC); !strings.Contains(got, "已核验") {
		t.Errorf("console archive after the registration record = %q, want 已核验", got)
	}

	// A 律师事务所 (登记管理部门码 3): penalised, so the platform knows it,
	// but no department on the platform registers it.
	firm := subjecttest.USCC(t, "31220000MD0X7Y8W")
	body := "CF_XDR_MC,CF_XDR_LB,CF_XDR_SHXYM,CF_FRDB,CF_WSH,CF_WFXW,CF_SY,CF_YJ,CF_CFLB,CF_NR,CF_NR_FK,CF_JDRQ,CF_YXQ,CF_CFJG,CF_CFJGDM,CF_SJLY,CF_SJLYDM\n" +
		"吉林平台测试律师事务所,法人及非法人组织," + firm + ",李明,吉司罚〔2026〕7701号,违反某某条例,违反某某条例的行为,《某某条例》第十条,警告,警告,,2026-10-09,2099-12-31," +
		dep.Name + "," + dep.Code + "," + dep.Name + "," + dep.Code + "\n"
	rc, err = f.db.Submit(credit.NewContextWithActor(sys, actor), record.Submission{Class: "penalty", Filename: "penalty.csv", Body: strings.NewReader(body)})
	if err != nil || rc.Accepted != 1 {
		t.Fatalf("penalty of a law firm: %+v, %v", rc, err)
	}
	if got := text(c.doc("/subjects/"+firm, http.StatusOK).Find(".subject-head")); strings.Contains(got, "核验") {
		t.Errorf("portal head of a law firm = %q, want no 核验 mark (its registration authority is not on the platform)", got)
	}
	if got := archive(firm); !strings.Contains(got, "不适用（其登记机关未接入本平台）") {
		t.Errorf("console archive of a law firm = %q, want 主体核验 不适用（其登记机关未接入本平台）", got)
	}
}
