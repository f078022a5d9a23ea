package main

import (
	"context"
	"flag"
	"fmt"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/storage"
	"jlcredit/internal/subject"
)

const userUsage = `用法:
  credit user add --name 用户名 --role province|region|department|bank|auditor [--department 部门统一社会信用代码|--region 行政区划代码] [--display 姓名] [--db DSN]
  credit user reset --name 用户名 [--db DSN]
  credit user list [--db DSN]

add 和 reset 在最后一行输出一次性密码（只显示这一次，首次登录后请修改）。`

func runUser(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || isHelp(args[0]) {
		fmt.Fprintln(env.Stderr, userUsage)
		return usageOrHelp(args)
	}
	ctx = systemContext(ctx)
	fs := env.flags("user " + args[0])
	dsn := fs.String("db", dsnDefault(), "数据库连接串")
	switch args[0] {
	case "add":
		name := fs.String("name", "", "登录用户名（3至32个字符：字母、数字、_ - . @）")
		display := fs.String("display", "", "姓名或说明（可选）")
		roleName := fs.String("role", "", "角色：province 省级管理员、region 地区管理员、department 部门用户、bank 金融机构用户、auditor 审计员")
		dept := fs.String("department", "", "部门用户所属部门的统一社会信用代码")
		region := fs.String("region", "", "地区管理员的行政区划代码（6位）")
		if err := parse(fs, args[1:]); err != nil {
			return err
		}
		role, err := access.ParseRole(*roleName)
		if err != nil {
			return err
		}
		if err := checkRoleFlags(fs, role); err != nil {
			return err
		}
		if role == credit.RoleDepartment && *dept == "" {
			return credit.Errorf(credit.EINVALID, "部门用户须用 --department 指定所属部门的统一社会信用代码")
		}
		if role == credit.RoleRegion && *region == "" {
			return credit.Errorf(credit.EINVALID, "地区管理员须用 --region 指定行政区划代码")
		}
		db, err := env.openDB(ctx, *dsn, openCreate)
		if err != nil {
			return err
		}
		defer db.Close()
		u := &access.User{Username: *name, DisplayName: storage.ValidText(*display), Role: role, RegionCode: *region}
		if role == credit.RoleDepartment {
			d, err := db.FindDepartmentByCode(ctx, *dept)
			if err != nil {
				return err
			}
			u.DepartmentID = d.ID
		}
		password, err := db.CreateUser(ctx, u, "")
		if err != nil {
			return err
		}
		scope := ""
		switch role {
		case credit.RoleDepartment:
			scope = "，所属部门：" + u.DepartmentName
		case credit.RoleRegion:
			scope = "，管辖地区：" + subject.RegionName(u.RegionCode) + "（" + u.RegionCode + "）"
		}
		fmt.Fprintf(env.Stdout, "用户已创建：%s（%s%s）\n", u.Username, access.RoleLabel(role), scope)
		fmt.Fprintln(env.Stdout, "一次性密码如下（只显示这一次，首次登录后请在“修改密码”中更改）：")
		fmt.Fprintln(env.Stdout, password)
		return nil
	case "reset":
		name := fs.String("name", "", "登录用户名")
		if err := parse(fs, args[1:]); err != nil {
			return err
		}
		if *name == "" {
			return credit.Errorf(credit.EINVALID, "请用 --name 指定用户名")
		}
		db, err := env.openDB(ctx, *dsn, openCreate)
		if err != nil {
			return err
		}
		defer db.Close()
		users, _, err := db.FindUsers(ctx, access.UserFilter{Query: access.NormalizeUsername(*name), Limit: 500})
		if err != nil {
			return err
		}
		for _, u := range users {
			if u.Username == access.NormalizeUsername(*name) {
				password, err := db.ResetPassword(ctx, u.ID)
				if err != nil {
					return err
				}
				fmt.Fprintf(env.Stdout, "已重置“%s”的密码并解除锁定，新的一次性密码：\n%s\n", u.Username, password)
				return nil
			}
		}
		return credit.Errorf(credit.ENOTFOUND, "用户“%s”不存在", *name)
	case "list":
		if err := parse(fs, args[1:]); err != nil {
			return err
		}
		db, err := env.openDB(ctx, *dsn, openExisting) // a listing never creates a database
		if err != nil {
			return err
		}
		defer db.Close()
		for offset := 0; ; offset += 500 {
			users, total, err := db.FindUsers(ctx, access.UserFilter{Offset: offset, Limit: 500})
			if err != nil {
				return err
			}
			for _, u := range users {
				scope := u.DepartmentName
				if scope == "" {
					scope = u.RegionCode
				}
				fmt.Fprintf(env.Stdout, "%s\t%s\t%s\n", u.Username, u.Role, scope)
			}
			if offset+500 >= total {
				return nil
			}
		}
	}
	fmt.Fprintf(env.Stderr, "错误：未知的子命令“user %s”：应为 add、reset 或 list\n", args[0])
	fmt.Fprintln(env.Stderr, userUsage)
	return errUsage
}

// checkRoleFlags refuses --department and --region for a role that does not
// use them: only a department user belongs to a department, only a region
// administrator has a region of its own, and a value given for another role
// would be dropped without a word.
func checkRoleFlags(fs *flag.FlagSet, role credit.Role) error {
	switch {
	case flagGiven(fs, "department") && role != credit.RoleDepartment:
		return credit.Errorf(credit.EINVALID, "--department 只用于部门用户（department），%s（%s）不属于部门；请去掉 --department", access.RoleLabel(role), role)
	case flagGiven(fs, "region") && role == credit.RoleDepartment:
		return credit.Errorf(credit.EINVALID, "--region 只用于地区管理员（region），部门用户（department）的行政区划取自所属部门；请去掉 --region")
	case flagGiven(fs, "region") && role != credit.RoleRegion:
		return credit.Errorf(credit.EINVALID, "--region 只用于地区管理员（region），%s（%s）不使用此项；请去掉 --region", access.RoleLabel(role), role)
	}
	return nil
}
