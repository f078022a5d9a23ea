package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"jlcredit/internal/credit"
	"jlcredit/internal/storage"
	"jlcredit/internal/workday"
)

// firstCalendarYear is the first year `calendar list` shows: the first of
// the embedded table.
const firstCalendarYear = 2015

// beforeCalendarLoad, set by tests only, runs just before `calendar load`
// stores the year: what another load does in between.
var beforeCalendarLoad func()

func runCalendar(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || isHelp(args[0]) {
		fmt.Fprintln(env.Stderr, "用法：credit calendar load|list [参数]；各子命令的参数：credit calendar load -h")
		return usageOrHelp(args)
	}
	ctx = systemContext(ctx)
	fs := env.flags("calendar " + args[0])
	dsn := fs.String("db", dsnDefault(), "数据库连接串")
	switch args[0] {
	case "load":
		year := fs.Int("year", 0, "年份：文件中的每一天都须在这一年内")
		replace := fs.Bool("replace", false, "替换已有的该年安排（内嵌的或此前录入的）")
		fileFormat := func() {
			fmt.Fprintln(fs.Output(), "文件与内嵌的 holidays.csv 格式相同：表头 date,kind,name，每行一天（yyyy-mm-dd,holiday|workday,节日名称）；")
			fmt.Fprintln(fs.Output(), "holiday 为放假日（放假期间的周末也要列出），workday 为调休上班的周六或周日。替换已有年份的安排须加 --replace。")
		}
		if err := parseArgs(fs, args[1:], "文件名"); err != nil {
			if err == errHelp {
				fileFormat()
			}
			return err
		}
		if fs.NArg() == 0 {
			fmt.Fprintln(fs.Output(), "错误：请在选项之后给出放假安排文件（.csv）")
			printUsage(fs, []string{"文件名"})
			fileFormat()
			return errUsage
		}
		if *year == 0 {
			return credit.Errorf(credit.EINVALID, "请用 --year 指定放假安排所属的年份")
		}
		entries, err := readCalendarFile(fs.Arg(0))
		if err != nil {
			return err
		}
		if err := workday.ValidateYear(*year, entries); err != nil {
			return err // the file's own problems first
		}
		db, err := env.openDB(ctx, *dsn, openCreate)
		if err != nil {
			return err
		}
		defer db.Close()
		if beforeCalendarLoad != nil {
			beforeCalendarLoad()
		}
		// Whether the year is covered already is checked where the load
		// is stored, in its transaction: of two loads at once without
		// --replace, the second is refused. What is reported is this
		// load, not what another stored meanwhile.
		y, err := db.StoreCalendarYear(ctx, *year, entries, *replace)
		if err != nil {
			return err
		}
		inForce := "以本次为准"
		ys, err := db.CalendarYears(ctx)
		if err != nil {
			return err
		}
		for _, later := range ys {
			if later.Year == y.Year && later.Source == storage.CalendarDatabase && later.Loads > y.Loads {
				inForce = fmt.Sprintf("其后已有第%d次录入，以第%d次为准", later.Loads, later.Loads)
			}
		}
		fmt.Fprintf(env.Stdout, "已录入%d年工作日历：放假%d天，调休上班%d天（第%d次录入，%s）\n", y.Year, y.Holidays, y.Workdays, y.Loads, inForce)
		return nil
	case "list":
		if err := parse(fs, args[1:]); err != nil {
			return err
		}
		db, err := env.openDB(ctx, *dsn, openExisting) // a listing never creates a database
		if err != nil {
			return err
		}
		defer db.Close()
		ys, err := db.CalendarYears(ctx)
		if err != nil {
			return err
		}
		byYear := make(map[int]storage.CalendarYear)
		first, last := firstCalendarYear, credit.Today(db.Now).Year()+1
		for _, y := range ys {
			byYear[y.Year] = y
			first, last = min(first, y.Year), max(last, y.Year)
		}
		for year := first; year <= last; year++ {
			y, ok := byYear[year]
			switch {
			case !ok:
				fmt.Fprintf(env.Stdout, "%d\t未录入\t期限按周一至周五计算\n", year)
			case y.Source == storage.CalendarDatabase:
				fmt.Fprintf(env.Stdout, "%d\t数据库\t放假%d天，调休上班%d天\t第%d次录入，%s，%s\n", year, y.Holidays, y.Workdays,
					y.Loads, y.LoadedBy, y.LoadedAt.In(credit.Shanghai).Format("2006-01-02 15:04"))
			default:
				fmt.Fprintf(env.Stdout, "%d\t嵌入\t放假%d天，调休上班%d天\n", year, y.Holidays, y.Workdays)
			}
		}
		return nil
	}
	fmt.Fprintf(env.Stderr, "错误：未知的子命令“calendar %s”：应为 load 或 list\n", args[0])
	return errUsage
}

// readCalendarFile reads a calendar table (workday.ParseCSV) saved as
// UTF-8, with or without a byte order mark, or as GB18030 (GBK), which
// Chinese Excel writes for "CSV (逗号分隔)".
func readCalendarFile(path string) ([]workday.Entry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fileError(err, path, false, "读取文件")
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(b) {
		if b, err = simplifiedchinese.GB18030.NewDecoder().Bytes(b); err != nil {
			return nil, credit.Errorf(credit.EINVALID, "文件“%s”既不是UTF-8也不是GB18030编码", path)
		}
	}
	entries, err := workday.ParseCSV(bytes.NewReader(b))
	if err != nil {
		return nil, credit.Errorf(credit.ErrorCode(err), "文件“%s”：%s", path, credit.ErrorMessage(err))
	}
	return entries, nil
}
