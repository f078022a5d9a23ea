package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"jlcredit/internal/credit"
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
	if rep == nil {
		return err
	}
	// The batches written so far, also when the run stopped half way.
	written, refused, same := 0, 0, 0
	var refusedIn []string
	for _, rc := range rep.Receipts {
		written, refused, same = written+rc.Accepted, refused+rc.Rejected, same+rc.Duplicates
		if rc.Rejected > 0 {
			refusedIn = append(refusedIn, string(rc.Batch))
		}
		b, _ := json.Marshal(rc)
		fmt.Fprintln(env.Stderr, "批次回执："+string(b))
	}
	if err != nil {
		return err
	}
	switch {
	case *dry:
		fmt.Fprintf(env.Stderr, "已检查%d条现行记录，其中%d条的失信严重程度、公示起止日期或可修复起始日与现行规则不一致（试运行，未写入）\n", rep.Checked, rep.Differ)
	default:
		fmt.Fprintf(env.Stderr, "已检查%d条现行记录，其中%d条与现行规则不一致，已按现行规则写入%d个新版本（%d个批次）\n", rep.Checked, rep.Differ, written, len(rep.Receipts))
		if same > 0 {
			fmt.Fprintf(env.Stderr, "%d条在本次运行期间已由其他操作按现行规则写入，未重复写入\n", same)
		}
	}
	b, err := json.Marshal(map[string]any{"checked": rep.Checked, "differ": rep.Differ, "written": written, "rejected": refused,
		"batches": len(rep.Receipts), "dry_run": *dry})
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, string(b))
	if refused > 0 {
		return credit.Errorf(credit.EINVALID, "%d条记录未能按现行规则重算，未写入，相应记录保持原样；各条原因见批次%s的错误数据（管理端“报送批次”或 GET /api/v1/batches/{批次}）",
			refused, strings.Join(refusedIn, "、"))
	}
	return nil
}
