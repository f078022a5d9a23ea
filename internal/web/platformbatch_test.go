package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"jlcredit/internal/credit"
	"jlcredit/internal/record"
	"jlcredit/internal/storage"
	"jlcredit/internal/subject/subjecttest"
)

// TestPlatformBatchPage: a batch the platform wrote in a department's name
// (credit records reapply-policy) says so, leaves out the department's
// reporting figures (超期报送, 准确率), and offers neither 继续上传 nor the
// hint to correct and upload the error sheet again: there is nothing for
// the department to send.
func TestPlatformBatchPage(t *testing.T) {
	f := mustFixture(t)
	ctx := credit.NewContextWithActor(context.Background(), credit.System)
	// A row with no current version: refused in a reapply batch.
	body := "CF_XDR_MC,CF_XDR_LB,CF_XDR_SHXYM,CF_FRDB,CF_WSH,CF_WFXW,CF_SY,CF_YJ,CF_CFLB,CF_NR,CF_NR_FK,CF_JDRQ,CF_YXQ,CF_CFJG,CF_CFJGDM,CF_SJLY,CF_SJLYDM\n" +
		"长春市平台测试商贸有限公司,法人及非法人组织," + subjecttest.USCC(t, "91220101MA0Y7X8B") + ",王平,吉市监罚〔2026〕9901号,违反某某条例,违反某某条例的行为,《某某条例》第十条,警告,警告,,2026-10-09,2099-12-31," +
		f.depA.Name + "," + f.depA.Code + "," + f.depA.Name + "," + f.depA.Code + "\n"
	rc, err := f.db.Submit(ctx, record.Submission{Class: "penalty", DepartmentCode: f.depA.Code, Filename: "按现行规则重算公示期限.csv",
		Channel: storage.ChannelReapply, Body: strings.NewReader(body)})
	if err != nil {
		t.Fatal(err)
	}
	if rc.Rejected != 1 {
		t.Fatalf("receipt = %+v, want the row refused", rc)
	}
	errs, _, err := f.db.FindBatchErrors(ctx, rc.Batch, 0, 5)
	if err != nil || len(errs) != 1 || errs[0].Problems[0].Code != storage.ProblemReapplyChanged {
		t.Fatalf("errors = %+v, %v; want the row refused as %s", errs, err, storage.ProblemReapplyChanged)
	}
	doc := login(t, "admin").doc("/console/batches/"+string(rc.Batch), http.StatusOK)
	text := doc.Find("main").Text()
	for _, want := range []string{"按现行规则重算失信严重程度和公示期限", "平台处理（按现行规则重算公示期限）", "尚无任何版本"} {
		if !strings.Contains(text, want) {
			t.Errorf("page does not say %q", want)
		}
	}
	for _, not := range []string{"继续上传", "修改后可直接重新上传"} {
		if strings.Contains(text, not) {
			t.Errorf("page says %q", not)
		}
	}
	if labels := doc.Find(".figure .label").Text(); strings.Contains(labels, "超期报送") || strings.Contains(labels, "准确率") {
		t.Errorf("figures %q show the department's reporting figures", labels)
	}
}
