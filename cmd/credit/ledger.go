package main

import (
	"context"
	"encoding/json"
	"fmt"
)

func runLedger(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(env.Stderr, "用法: credit ledger verify --db DSN")
		return errUsage
	}
	ctx = systemContext(ctx)
	fs := env.flags("ledger verify")
	dsn := fs.String("db", dsnDefault(), "数据库连接串")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	db, err := env.openDB(ctx, *dsn, openExisting)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := db.VerifyLedger(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "存证校验通过：%d条记录，账本大小%d，%d个签名检查点均一致；审计日志%d条及其签名检查点均一致；名单索引、配置、已封存的核查记录与批次原始文件均与之相符\n", rep.Records, rep.Size, rep.Checkpoints, rep.AuditEntries)
	if note := rep.UnsealedNote(); note != "" {
		fmt.Fprintln(env.Stderr, note)
	}
	b, _ := json.Marshal(rep)
	fmt.Fprintln(env.Stdout, string(b))
	return nil
}
