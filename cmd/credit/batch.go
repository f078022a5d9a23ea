package main

import (
	"context"
	"fmt"

	"jlcredit/internal/credit"
)

// runBatch runs `credit batch resume --db DSN`: it finishes the batches
// whose processing stopped half way (a stopped command or server, a client
// that went away, a process that died) and that no other process holds,
// each from the row where it stopped. `credit serve` does the same every
// minute.
func runBatch(ctx context.Context, env *Env, args []string) error {
	args, err := oneSubcommand(env, "batch", "resume", args)
	if err != nil {
		return err
	}
	ctx = systemContext(ctx)
	fs := env.flags("batch resume")
	dsn := fs.String("db", dsnDefault(), "数据库连接串")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	db, err := env.openDB(ctx, *dsn, openExisting)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.ResumeBatches(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "继续处理并完成了%d个中断的批次\n", n)
	// A batch whose process died is held until its lease expires: say
	// which, and when it can be resumed, rather than nothing.
	held, err := db.HeldBatches(ctx)
	if err != nil {
		return err
	}
	for _, h := range held {
		fmt.Fprintf(env.Stdout, "批次%s已处理至第%d行，正由其他进程处理或等待重试，租约至%s；届时仍未完成的，serve 或再次运行本命令将继续处理\n",
			h.ID, h.ProcessedRows, h.LeaseUntil.In(credit.Shanghai).Format("2006-01-02 15:04:05"))
	}
	return nil
}
