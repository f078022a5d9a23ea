package main

import (
	"context"
	"fmt"
	"strings"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
)

func runDepartment(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(env.Stderr, "用法: credit department add|key|list [参数]")
		return errUsage
	}
	ctx = systemContext(ctx)
	fs := env.flags("department " + args[0])
	dsn := fs.String("db", dsnDefault(), "数据库连接串")
	code := fs.String("code", "", "部门统一社会信用代码")
	switch args[0] {
	case "add":
		name := fs.String("name", "", "部门名称")
		region := fs.String("region", "", "行政区划代码（6位）")
		kind := fs.String("kind", "", "部门类别（可选，如 market、environment）")
		if err := parse(fs, args[1:]); err != nil {
			return err
		}
		db, err := env.openDB(ctx, *dsn, true)
		if err != nil {
			return err
		}
		defer db.Close()
		d := &access.Department{Code: *code, Name: *name, RegionCode: *region, Kind: *kind}
		if err := db.UpsertDepartment(ctx, d); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "部门已登记：%s %s（%s）\n", d.Code, d.Name, d.RegionCode)
		return nil
	case "key":
		scopes := fs.String("scopes", "ingest,verify", "密钥权限范围，逗号分隔")
		if err := parse(fs, args[1:]); err != nil {
			return err
		}
		db, err := env.openDB(ctx, *dsn, true)
		if err != nil {
			return err
		}
		defer db.Close()
		d, err := db.FindDepartmentByCode(ctx, *code)
		if err != nil {
			return err
		}
		secret, _, err := db.CreateAPIKey(ctx, d.ID, strings.Split(*scopes, ","))
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "已为“%s”生成API密钥（只显示这一次，请妥善保存）：\n", d.Name)
		fmt.Fprintln(env.Stdout, secret)
		return nil
	case "list":
		if err := parse(fs, args[1:]); err != nil {
			return err
		}
		db, err := env.openDB(ctx, *dsn, true)
		if err != nil {
			return err
		}
		defer db.Close()
		ds, _, err := db.FindDepartments(ctx, 0, 100000)
		if err != nil {
			return err
		}
		for _, d := range ds {
			fmt.Fprintf(env.Stdout, "%s\t%s\t%s\n", d.Code, d.RegionCode, d.Name)
		}
		return nil
	}
	return credit.Errorf(credit.EINVALID, "未知的子命令“department %s”：应为 add、key 或 list", args[0])
}
