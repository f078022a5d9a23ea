package main

import (
	"context"
	"fmt"

	"jlcredit/internal/credit"
	"jlcredit/internal/record"
)

// runLists runs `credit lists expire --db DSN [--date yyyy-MM-dd]`: every
// list entry whose validity ended before the date (default today, never
// later) is removed with 移出方式 有效期届满, as a new version in the ledger.
func runLists(ctx context.Context, env *Env, args []string) error {
	args, err := oneSubcommand(env, "lists", "expire", args)
	if err != nil {
		return err
	}
	ctx = systemContext(ctx)
	fs := env.flags("lists expire")
	dsn := fs.String("db", dsnDefault(), "数据库连接串")
	date := fs.String("date", "", "按此日期判断到期（默认今天）")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	db, err := env.openDB(ctx, *dsn, openExisting)
	if err != nil {
		return err
	}
	defer db.Close()
	day := credit.DateOf(db.Now())
	if *date != "" {
		d, ok := record.ParseDate(*date)
		if !ok {
			return credit.Errorf(credit.EINVALID, "日期“%s”无效，应为yyyy-MM-dd", *date)
		}
		if d.After(day) { // a removal is never dated in the future
			return credit.Errorf(credit.EINVALID, "日期%s晚于今天%s：只能按今天或以前的日期移出到期的名单信息", d.Format(credit.DateLayout), day.Format(credit.DateLayout))
		}
		day = d
	}
	n, err := db.ExpireListEntries(ctx, day)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "到期移出%d条名单信息（截至%s）\n", n, day.Format(credit.DateLayout))
	return nil
}
