package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/storage"
)

func runDepartment(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || isHelp(args[0]) {
		fmt.Fprintln(env.Stderr, "用法：credit department add|key|list [参数]；各子命令的参数：credit department add -h")
		return usageOrHelp(args)
	}
	ctx = systemContext(ctx)
	fs := env.flags("department " + args[0])
	dsn := fs.String("db", dsnDefault(), "数据库连接串")
	code := fs.String("code", "", "部门统一社会信用代码")
	switch args[0] {
	case "add":
		name := fs.String("name", "", "部门名称")
		region := fs.String("region", "", "行政区划代码（6位）")
		kind := fs.String("kind", "", "部门类别（可选）："+departmentKindList())
		if err := parse(fs, args[1:]); err != nil {
			return err
		}
		db, err := env.openDB(ctx, *dsn, openCreate)
		if err != nil {
			return err
		}
		defer db.Close()
		// Bytes that are not UTF-8 become U+FFFD once, here, as the database
		// and the audit entry keep them: the name compared with the stored
		// one below, and printed, is the one stored.
		d := &access.Department{Code: *code, Name: storage.ValidText(*name), RegionCode: *region, Kind: *kind}
		// Run again for a department already registered, add updates the
		// name and region it is given but keeps a kind it is not given
		// (the kind decides the measures verification names), and says
		// what changed.
		old, err := db.FindDepartmentByCode(ctx, *code)
		if err != nil && credit.ErrorCode(err) != credit.ENOTFOUND {
			return err
		}
		if old != nil && !flagGiven(fs, "kind") {
			d.Kind = old.Kind
		}
		if err := db.UpsertDepartment(ctx, d); err != nil {
			return err
		}
		if old == nil {
			fmt.Fprintf(env.Stdout, "部门已登记：%s %s（%s）\n", d.Code, d.Name, d.RegionCode)
			return nil
		}
		var changes []string
		if old.Name != d.Name {
			changes = append(changes, "名称“"+old.Name+"”→“"+d.Name+"”")
		}
		if old.RegionCode != d.RegionCode {
			changes = append(changes, "行政区划"+old.RegionCode+"→"+d.RegionCode)
		}
		if old.Kind != d.Kind {
			changes = append(changes, "类别“"+kindLabel(old.Kind)+"”→“"+kindLabel(d.Kind)+"”")
		}
		if len(changes) == 0 {
			fmt.Fprintf(env.Stdout, "部门已登记，信息未变：%s %s（%s）\n", d.Code, d.Name, d.RegionCode)
			return nil
		}
		fmt.Fprintf(env.Stdout, "部门已登记过，已更新：%s\n", strings.Join(changes, "；"))
		return nil
	case "key":
		scopes := fs.String("scope", strings.Join(access.DefaultScopes, ","), "密钥权限范围，逗号分隔：ingest（数据报送）、verify（信用核查）、share（数据共享）、finance（信易贷）")
		fs.StringVar(scopes, "scopes", *scopes, "同 --scope（旧写法）")
		rate := fs.Float64("rate", access.DefaultKeyLimit.Rate, "限速：每秒请求数，0表示不限速")
		burst := fs.Int("burst", access.DefaultKeyLimit.Burst, "限速：突发请求数（瞬时最多连续请求的次数）")
		if err := parse(fs, args[1:]); err != nil {
			return err
		}
		if *code == "" {
			return credit.Errorf(credit.EINVALID, "请用 --code 指定部门的统一社会信用代码")
		}
		sc, err := access.ParseScopes(strings.Split(*scopes, ","))
		if err != nil {
			return err
		}
		if len(sc) == 0 {
			return credit.Errorf(credit.EINVALID, "请用 --scope 至少指定一项权限范围，可选：%s", scopeTitles(access.Scopes))
		}
		limit := credit.RateLimit{Rate: *rate, Burst: *burst}
		if err := access.ValidateKeyLimit(limit); err != nil {
			return err
		}
		db, err := env.openDB(ctx, *dsn, openCreate)
		if err != nil {
			return err
		}
		defer db.Close()
		d, err := db.FindDepartmentByCode(ctx, *code)
		if err != nil {
			return err
		}
		secret, k, err := db.CreateAPIKeyWithLimit(ctx, d.ID, sc, limit)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "已为“%s”生成API密钥（只显示这一次，请妥善保存）。权限范围：%s；限速：%s\n",
			d.Name, scopeTitles(k.Scopes), limitText(k.Limit))
		fmt.Fprintln(env.Stdout, secret)
		return nil
	case "list":
		if err := parse(fs, args[1:]); err != nil {
			return err
		}
		db, err := env.openDB(ctx, *dsn, openExisting) // a listing never creates a database (a mistyped path would look empty)
		if err != nil {
			return err
		}
		defer db.Close()
		if *code != "" {
			d, err := db.FindDepartmentByCode(ctx, *code)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "%s\t%s\t%s\n", d.Code, d.RegionCode, d.Name)
			return nil
		}
		ds, _, err := db.FindDepartments(ctx, 0, 100000)
		if err != nil {
			return err
		}
		for _, d := range ds {
			fmt.Fprintf(env.Stdout, "%s\t%s\t%s\n", d.Code, d.RegionCode, d.Name)
		}
		return nil
	}
	fmt.Fprintf(env.Stderr, "错误：未知的子命令“department %s”：应为 add、key 或 list\n", args[0])
	return errUsage
}

// scopeTitles returns scopes as “数据报送（ingest）、信用核查（verify）”.
func scopeTitles(scopes []string) string {
	t := make([]string, len(scopes))
	for i, s := range scopes {
		t[i] = access.ScopeTitle(s)
	}
	return strings.Join(t, "、")
}

// limitText describes a key's rate limit in Chinese.
func limitText(l credit.RateLimit) string {
	if l.Unlimited() {
		return "不限速"
	}
	return fmt.Sprintf("每秒%s次，突发%d次", strconv.FormatFloat(l.Rate, 'f', -1, 64), l.Burst)
}

// departmentKindList lists the department kind codes with their names, for
// the --kind flag's help.
func departmentKindList() string {
	parts := make([]string, len(access.DepartmentKinds))
	for i, k := range access.DepartmentKinds {
		parts[i] = k.Code + " " + k.Name
	}
	return strings.Join(parts, "、")
}

// kindLabel names a department kind in Chinese (“无” for none).
func kindLabel(code string) string {
	if code == "" {
		return "无"
	}
	for _, k := range access.DepartmentKinds {
		if k.Code == code {
			return k.Name
		}
	}
	return code
}
