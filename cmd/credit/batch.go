package main

import (
	"context"
	"fmt"
)

// runBatch runs `credit batch resume --db DSN`: it finishes the batches
// whose processing stopped half way (a stopped command or server, a client
// that went away, a process that died) and that no other process holds,
// each from the row where it stopped. `credit serve` does the same every
// minute.
func runBatch(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] != "resume" {
		fmt.Fprintln(env.Stderr, "用法: credit batch resume --db DSN")
		return errUsage
	}
	ctx = systemContext(ctx)
	fs := env.flags("batch resume")
	dsn := fs.String("db", dsnDefault(), "数据库连接串")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	db, err := env.openDB(ctx, *dsn, false)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.ResumeBatches(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "继续处理并完成了%d个中断的批次\n", n)
	return nil
}
