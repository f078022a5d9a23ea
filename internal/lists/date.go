package lists

import (
	"jlcredit/internal/credit"
	"jlcredit/internal/record"
)

// DateFormatHint is what a request's date must look like.
const DateFormatHint = "应为“年-月-日”格式，如2026-11-27"

// ReadDate reads a date a request gives (what names it: “实施日期”,
// “移出日期”, “参数from”) as record.ParseDate reads a batch's dates, or
// returns why it cannot in a zh-CN message that names what and quotes the
// value (clipped): a date before 1900 is refused for being before 1900,
// in the batch's words, and anything else for its format. The message is
// "" when the date is read.
func ReadDate(what, s string) (credit.Date, string) {
	if d, ok := record.ParseDate(s); ok {
		return d, ""
	}
	if record.ParsesBefore1900(s) {
		return credit.Date{}, what + "“" + clip(s) + "”早于1900年1月1日，平台不接收：应为1900年及以后的日期，请核对年份"
	}
	return credit.Date{}, what + "“" + clip(s) + "”无效，" + DateFormatHint
}
