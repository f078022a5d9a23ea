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
	// Registrations an older build accepted from any department no longer
	// verify their subject (catalog 2024.9): say so, and what to do.
	n, err := db.RegistrationsFromOthers(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintf(env.Stderr, "注意：%d条现行登记注册信息不是由主体的登记机关报送（统一社会信用代码以9开头的由市场监管部门、以5开头的由民政部门、以1开头的由机构编制部门登记），这些主体不再显示为“经登记机关核验”。"+
			"请为民政、机构编制部门设置部门类别（credit department add --db … --code … --name … --region … --kind civil_affairs 或 establishment），再由登记机关重新报送其登记注册信息。\n", n)
	}
	return nil
}
