package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"jlcredit/internal/credit"
	"jlcredit/internal/lists"
	"jlcredit/internal/storage"
)

// runPush runs `credit push run --db DSN [--once] [--interval 5s]`: the
// webhook delivery worker of 发起—响应—反馈 (credit serve runs one too).
// With --once it sends what is due now, retries included, and exits.
func runPush(ctx context.Context, env *Env, args []string) error {
	args, err := oneSubcommand(env, "push", "run", args)
	if err != nil {
		return err
	}
	fs := env.flags("push run")
	dsn := fs.String("db", dsnDefault(), "数据库连接串")
	once := fs.Bool("once", false, "只投递当前到期的推送，然后退出")
	interval := fs.Duration("interval", 5*time.Second, "两轮投递的间隔")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *interval <= 0 {
		return credit.Errorf(credit.EINVALID, "--interval 应大于0，如 10s、1m")
	}
	if _, err := lists.WebhookNetworks(); err != nil { // a bad CREDIT_WEBHOOK_NETWORKS stops here, not at every round
		return err
	}
	db, err := env.openDB(ctx, *dsn, openExisting)
	if err != nil {
		return err
	}
	defer db.Close()
	p := &storage.Pusher{DB: db, Logger: env.logger(), Interval: *interval}
	if *once {
		total := 0
		for {
			n, err := p.DeliverDue(ctx, time.Now())
			if err != nil {
				return err
			}
			if n == 0 {
				break
			}
			total += n
		}
		fmt.Fprintf(env.Stdout, "本轮投递%d次推送\n", total)
		return nil
	}
	fmt.Fprintln(env.Stderr, "名单推送服务已启动（Ctrl+C 停止）")
	p.Run(ctx)
	return nil
}

// startPusher starts the background webhook worker of `credit serve`.
func startPusher(db *storage.DB, logger *slog.Logger) *storage.Pusher {
	p := &storage.Pusher{DB: db, Logger: logger}
	p.Start()
	return p
}
