package ledger_test

import (
	"testing"

	"jlcredit/internal/ledger"
)

func TestUnsealedNote(t *testing.T) {
	for _, c := range []struct {
		rep  ledger.VerifyReport
		want string
	}{
		{ledger.VerifyReport{}, ""},
		{ledger.VerifyReport{Records: 5, Size: 5}, ""},
		{ledger.VerifyReport{Unsealed: 2}, "另有2条核查记录写于最近一次封存之后，尚未封存（credit serve 每30秒封存一次）"},
		{ledger.VerifyReport{UnsealedQueryLog: 1}, "另有1条查询登记写于最近一次封存之后，尚未封存（credit serve 每30秒封存一次）"},
		{ledger.VerifyReport{Unsealed: 1, UnsealedQueryLog: 3, UnsealedFeedback: 2, UnsealedBatches: 1},
			"另有1条核查记录、3条查询登记、2条执行反馈、1个批次的错误行写于最近一次封存之后，尚未封存（credit serve 每30秒封存一次）"},
	} {
		if got := c.rep.UnsealedNote(); got != c.want {
			t.Errorf("%+v: UnsealedNote() = %q, want %q", c.rep, got, c.want)
		}
	}
}
