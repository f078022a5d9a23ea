// Command credit runs the 信用综合服务平台: the web server, migrations,
// imports, demo data, the ledger check and benchmarks.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"syscall"
	_ "time/tzdata" // Asia/Shanghai on machines without zoneinfo

	"jlcredit/internal/credit"
)

// gcPercent is the garbage collector's target unless GOGC is set: the
// platform's live heap is small (caches, a few chunks of a batch), and
// letting it grow to 5× instead of 2× of that before collecting runs the
// collector about a quarter as often while ingesting or verifying.
const gcPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `用法：credit <命令> [参数]

命令:
  serve       启动平台（--demo 在空库上生成演示数据）
  migrate     升级数据库结构
  import      导入一个双公示文件并打印回执
  batch       报送批次（resume 继续处理中断的批次）
  department  部门管理（add 登记部门，key 生成API密钥，list 列出部门）
  user        用户管理（add 创建用户并输出一次性密码，reset 重置密码，list 列出用户）
  demo        生成演示数据
  ledger      存证账本（verify 校验全部记录；key 显示验证公钥）
  lists       信用名单（expire 到期自动移出）
  records     信用记录（reapply-policy 按现行规则重算失信严重程度和公示期限）
  push        名单推送（run 投递webhook并按计划重试）
  calendar    工作日历（load 录入一年的放假安排，list 列出已覆盖的年份）
  bench       性能测试（ingest 归集速度，read 查询速度，verify 信用核查速度）
  version     显示版本

各命令的参数: credit <命令> -h
`

// Run runs the command line args and returns the exit status.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	env := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr}
	if path := os.Getenv("CREDIT_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			pprof.StartCPUProfile(f)
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
	}
	var err error
	switch args[0] {
	case "serve":
		err = (&ServeCommand{Env: env}).Run(ctx, args[1:])
	case "migrate":
		err = runMigrate(ctx, env, args[1:])
	case "import":
		err = runImport(ctx, env, args[1:])
	case "batch":
		err = runBatch(ctx, env, args[1:])
	case "department":
		err = runDepartment(ctx, env, args[1:])
	case "user":
		err = runUser(ctx, env, args[1:])
	case "demo":
		err = runDemo(ctx, env, args[1:])
	case "ledger":
		err = runLedger(ctx, env, args[1:])
	case "lists":
		err = runLists(ctx, env, args[1:])
	case "records":
		err = runRecords(ctx, env, args[1:])
	case "push":
		err = runPush(ctx, env, args[1:])
	case "calendar":
		err = runCalendar(ctx, env, args[1:])
	case "bench":
		if len(args) > 1 && args[1] == "verify" {
			err = runBenchVerify(ctx, env, args[2:])
			break
		}
		err = runBench(ctx, env, args[1:])
	case "version":
		if err = parse(env.flags("version"), args[1:]); err == nil {
			fmt.Fprintln(stdout, "credit", version)
		}
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "未知命令“%s”\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		if err == errHelp {
			return 0
		}
		if err == errUsage {
			return 2
		}
		fmt.Fprintln(stderr, "错误："+credit.ErrorMessage(err))
		if d := technicalDetail(err); d != "" {
			fmt.Fprintln(stderr, "技术信息："+d)
		}
		return 1
	}
	return 0
}

var version = "dev"

// technicalDetail is what main prints under an error's message as
// 技术信息: the system's or the driver's own words, for the operator to
// look up. A *credit.Error's message is all there is to say (its Error()
// text only repeats it in English framing), unless the error carries a
// cause its message does not name (TechnicalDetail); any other error is
// internal, and its text is the only clue.
func technicalDetail(err error) string {
	var td interface{ TechnicalDetail() string }
	if errors.As(err, &td) {
		return td.TechnicalDetail()
	}
	var ce *credit.Error
	if errors.As(err, &ce) {
		return ""
	}
	return err.Error()
}
