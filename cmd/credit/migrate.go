package main

import (
	"context"
	"fmt"
)

func runMigrate(ctx context.Context, env *Env, args []string) error {
	fs := env.flags("migrate")
	dsn := fs.String("db", dsnDefault(), "数据库连接串（sqlite:路径 或 postgres://…）")
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := env.openDB(ctx, *dsn, openMigrate)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintln(env.Stdout, "数据库结构已更新到最新版本")
	return nil
}
