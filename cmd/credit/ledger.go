package main

import (
	"context"
	"encoding/json"
	"fmt"
)

func runLedger(ctx context.Context, env *Env, args []string) error {
	if len(args) > 0 && args[0] == "key" {
		return runLedgerKey(ctx, env, args[1:])
	}
	if len(args) == 0 || args[0] != "verify" {
		return groupUsage(env, "ledger", args, "用法：credit ledger verify --db DSN | credit ledger key --db DSN；各子命令的参数：credit ledger verify -h", "verify 或 key")
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

// runLedgerKey prints the verifier key of the ledger's checkpoints, for the
// operator to publish out of band (a government website, a gazette), so
// that third parties check the checkpoints the API serves against a key
// they did not get from the API itself.
func runLedgerKey(ctx context.Context, env *Env, args []string) error {
	fs := env.flags("ledger key")
	dsn := fs.String("db", dsnDefault(), "数据库连接串")
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := env.openDB(ctx, *dsn, openExisting)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintln(env.Stderr, "存证账本与审计日志签名检查点的验证公钥（C2SP note verifier key），请在平台之外公布（如政府网站），供第三方核验检查点：")
	fmt.Fprintln(env.Stdout, db.VerifierKey())
	return nil
}
