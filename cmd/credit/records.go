package main

import (
	"context"
	"encoding/json"
	"fmt"
)

// runRecords runs `credit records reapply-policy --db DSN [--class CODE]
// [--dry-run]`: the rules and catalog of this build are applied again to
// every current record version (storage.ReapplyPolicy). Run it after an
// upgrade that corrected how severity or publicity windows are computed, or
// after a catalog change of the periods: versions written before keep what
// the rules of their day gave them until then.
func runRecords(ctx context.Context, env *Env, args []string) error {
	args, err := oneSubcommand(env, "records", "reapply-policy", args)
	if err != nil {
		return err
	}
	ctx = systemContext(ctx)
	fs := env.flags("records reapply-policy")
	dsn := fs.String("db", dsnDefault(), "数据库连接串")
	class := fs.String("class", "", "只重算这一信息类别（类别代码，如 penalty；默认全部可报送的类别）")
	dry := fs.Bool("dry-run", false, "只统计公示期限与现行规则不一致的记录数，不写入")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	db, err := env.openDB(ctx, *dsn, openExisting)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := db.ReapplyPolicy(ctx, *class, *dry)
	if err != nil {
		return err
	}
	written := 0
	for _, rc := range rep.Receipts {
		written += rc.Accepted
		b, _ := json.Marshal(rc)
		fmt.Fprintln(env.Stderr, "批次回执："+string(b))
	}
	switch {
	case *dry:
		fmt.Fprintf(env.Stderr, "已检查%d条现行记录，其中%d条的失信严重程度、公示起止日期或可修复起始日与现行规则不一致（试运行，未写入）\n", rep.Checked, rep.Differ)
	default:
		fmt.Fprintf(env.Stderr, "已检查%d条现行记录，其中%d条与现行规则不一致，已按现行规则写入%d个新版本（%d个批次）\n", rep.Checked, rep.Differ, written, len(rep.Receipts))
	}
	b, err := json.Marshal(map[string]any{"checked": rep.Checked, "differ": rep.Differ, "written": written, "batches": len(rep.Receipts), "dry_run": *dry})
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, string(b))
	return nil
}
