package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"jlcredit/internal/access"
	"jlcredit/internal/credit"
	"jlcredit/internal/jsonapi"
	"jlcredit/internal/lists"
	"jlcredit/internal/server"
	"jlcredit/internal/storage"
	"jlcredit/internal/web"
)

// ServeCommand runs the platform's web server. End-to-end tests build it
// with a temporary database and Addr ":0".
type ServeCommand struct {
	Env  *Env
	DSN  string
	Addr string
	Demo bool
	// TrustedProxies lists the networks of the reverse proxies in front of
	// the server, comma-separated CIDRs (--trusted-proxies, else
	// CREDIT_TRUSTED_PROXIES): sign-in limits count the client they name
	// in X-Forwarded-For.
	TrustedProxies string
	DB             *storage.DB
	Server         *server.Server
	Pusher         *storage.Pusher // webhook deliveries of 发起—响应—反馈

	stopExpiry  func() // stops the loop that removes expired list entries
	stopResume  func() // stops the loop that resumes interrupted batches
	stopSeal    func() // stops the loop that seals stored verifications
	proxiesFrom string // where TrustedProxies came from, for its error message
}

// TrustedProxiesEnv names the environment variable with the trusted proxy
// networks, used when --trusted-proxies is not given.
const TrustedProxiesEnv = "CREDIT_TRUSTED_PROXIES"

// Run parses args, opens the database and serves until ctx is done.
func (c *ServeCommand) Run(ctx context.Context, args []string) error {
	fs := c.Env.flags("serve")
	fs.StringVar(&c.DSN, "db", dsnDefault(), "数据库连接串（默认内嵌SQLite）")
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "监听地址")
	fs.BoolVar(&c.Demo, "demo", false, "数据库为空时生成演示数据")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", "", "可信反向代理的网段，CIDR格式，逗号分隔（如 10.0.0.0/8,127.0.0.1/32）：来自这些地址的请求按 X-Forwarded-For 识别客户端；未指定时读环境变量 "+TrustedProxiesEnv)
	if err := parse(fs, args); err != nil {
		return err
	}
	c.proxiesFrom = "--trusted-proxies"
	if !flagGiven(fs, "trusted-proxies") {
		c.TrustedProxies, c.proxiesFrom = os.Getenv(TrustedProxiesEnv), "环境变量 "+TrustedProxiesEnv
	}
	if err := c.Open(ctx); err != nil {
		return err
	}
	defer c.Close()
	fmt.Fprintf(c.Env.Stdout, "信用综合服务平台已启动：%s\n", c.Server.URL())
	<-ctx.Done()
	return nil
}

// Open opens the database (migrating SQLite; PostgreSQL must be migrated
// with `credit migrate`), seeds the demo province when asked, and starts
// the HTTP server. When it fails, what it opened is closed again.
func (c *ServeCommand) Open(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	logger := c.Env.logger()
	if err := server.CheckAddr(c.Addr); err != nil { // before the database is opened (and a new one created)
		return err
	}
	if _, err := lists.WebhookNetworks(); err != nil { // a bad CREDIT_WEBHOOK_NETWORKS stops the start
		return err
	}
	proxies, err := web.ParseTrustedProxies(c.TrustedProxies)
	if err != nil {
		from := c.proxiesFrom
		if from == "" {
			from = "--trusted-proxies"
		}
		return credit.Errorf(credit.EINVALID, "%s 中的%s；平台未启动", from, credit.ErrorMessage(err))
	}
	mode := openCreate
	if c.Demo {
		mode = openMigrate
	}
	db, err := c.Env.openDB(ctx, c.DSN, mode)
	if err != nil {
		return err
	}
	c.DB = db
	warnCalendar(db, logger)
	if c.Demo {
		n, err := db.CountSubjects(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			fmt.Fprintln(c.Env.Stderr, "正在生成演示数据……")
			if _, err := seedDemo(systemContext(ctx), c.Env, db, demoOptions{Subjects: 3000, Records: 12000, Seed: 1}); err != nil {
				return err
			}
			// A console account to look around with: the demo's users
			// sign in like any other, with a one-time password.
			u := &access.User{Username: "admin", DisplayName: "演示管理员", Role: credit.RoleProvince}
			password, err := db.CreateUser(systemContext(ctx), u, "")
			if err != nil {
				return err
			}
			fmt.Fprintf(c.Env.Stderr, "管理端演示账号：admin，一次性密码：%s（首次登录后须设置新密码；忘记时运行 credit user reset --name admin）\n", password)
		}
	}
	api := &jsonapi.Server{Backend: db, Logger: logger}
	w, err := web.New(web.Options{Backend: db, Logger: logger, TrustedProxies: proxies, Demo: c.Demo})
	if err != nil {
		return err
	}
	api.SessionActor = w.SessionActor
	if len(proxies) > 0 {
		logger.Info("来自以下可信反向代理网段的请求将按X-Forwarded-For识别客户端地址", slog.Any("networks", proxies))
	}
	c.Server = &server.Server{Addr: c.Addr, API: api.Handler(), Web: w, Logger: logger}
	if err := c.Server.Open(); err != nil {
		return err
	}
	c.Pusher = startPusher(db, logger)
	c.stopExpiry = startExpiry(db, logger, time.Hour)
	c.stopResume = startResume(db, logger, time.Minute)
	c.stopSeal = startSeal(db, logger, sealInterval)
	go w.Warm(context.WithoutCancel(ctx)) // the headline counts, before the first visitor asks
	logger.Debug("平台服务已启动", slog.String("url", c.Server.URL()))
	return nil
}

// Close stops the server and closes the database.
func (c *ServeCommand) Close() error {
	if c.Server != nil {
		c.Server.Close()
	}
	if c.Pusher != nil {
		c.Pusher.Stop()
	}
	if c.stopExpiry != nil {
		c.stopExpiry()
	}
	if c.stopResume != nil {
		c.stopResume()
	}
	if c.stopSeal != nil {
		c.stopSeal()
		// What was verified since the last round, sealed before the
		// process goes.
		if c.DB != nil {
			if _, err := c.DB.SealVerifications(systemContext(context.Background())); err != nil {
				c.Env.logger().Error("封存核查记录失败", slog.Any("error", err))
			}
		}
	}
	if c.DB != nil {
		return c.DB.Close()
	}
	return nil
}

// warnCalendar logs a warning when the working-day calendar lacks the year
// of the day 60 days ahead. Deadlines in working days reach weeks ahead:
// without the coming year's 放假安排 they would count its holidays as
// working days.
func warnCalendar(db *storage.DB, logger *slog.Logger) {
	if msg := db.CalendarWarning(); msg != "" {
		logger.Warn(msg, slog.Int("year", db.UncoveredYear()))
	}
}

// startExpiry removes list entries whose validity has ended (移出方式 有效期届满,
// the same as `credit lists expire`) when the server starts and then every
// interval, so that removal on expiry needs no operator. Each round also
// reads the working-day calendar again, so that a year loaded with
// `credit calendar load` counts without a restart, and warns while the
// coming year is missing.
func startExpiry(db *storage.DB, logger *slog.Logger, interval time.Duration) (stop func()) {
	return every(interval, func(ctx context.Context, round int) {
		if round > 0 { // Open has read the calendar and warned
			if err := db.ReloadCalendar(ctx); err != nil && ctx.Err() == nil {
				logger.Error("重新读取工作日历失败", slog.Any("error", err))
			} else if err == nil {
				warnCalendar(db, logger)
			}
		}
		n, err := db.ExpireListEntries(ctx, credit.DateOf(db.Now()))
		switch {
		case err != nil && ctx.Err() == nil:
			logger.Error("移出有效期届满的名单信息失败", slog.Any("error", err))
		case n > 0:
			logger.Info("已移出有效期届满的名单信息", slog.Int("entries", n))
		}
	})
}

// startResume finishes, when the server starts and then every interval,
// the batches whose processing stopped half way (a stopped command or
// server, a client that went away, a process that died) and that no other
// process holds, the same as `credit batch resume`, and removes uploads
// that were never finished (on PostgreSQL another server may be receiving
// one right now: only those without a chunk for ten minutes).
func startResume(db *storage.DB, logger *slog.Logger, interval time.Duration) (stop func()) {
	return every(interval, func(ctx context.Context, _ int) {
		n, err := db.ResumeBatches(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			logger.Error("继续处理中断的批次失败", slog.Any("error", err))
		case n > 0:
			logger.Info("中断的批次已继续处理完成", slog.Int("batches", n))
		}
		// Uploads a process that died left receiving (no chunk for ten
		// minutes; begun by an earlier build: a day old).
		if n, err := db.RemoveAbandonedUploads(ctx, db.Now().Add(-24*time.Hour)); err != nil && ctx.Err() == nil {
			logger.Error("清除未完成的上传失败", slog.Any("error", err))
		} else if n > 0 {
			logger.Info("已清除未完成的上传", slog.Int("batches", n))
		}
	})
}

// sealInterval is how often serve seals the verifications, query-log rows,
// feedback and rejected rows written since the last seal into the audit
// log (storage.SealVerifications): the longest a stored verification stays
// open to an edit that ledger verify would not see.
const sealInterval = 30 * time.Second

// startSeal seals, when the server starts and then every interval, what
// was verified, read and rejected since the last seal.
func startSeal(db *storage.DB, logger *slog.Logger, interval time.Duration) (stop func()) {
	return every(interval, func(ctx context.Context, _ int) {
		if _, err := db.SealVerificationsPaced(ctx); err != nil && ctx.Err() == nil {
			logger.Error("封存核查记录失败", slog.Any("error", err))
		}
	})
}

// every runs fn at once and then every interval, as the system, until the
// returned stop is called; stop cancels fn's context and waits for a round
// in progress.
func every(interval time.Duration, fn func(ctx context.Context, round int)) (stop func()) {
	ctx, cancel := context.WithCancel(systemContext(context.Background()))
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for round := 0; ; round++ {
			fn(ctx, round)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() { cancel(); <-done }
}
