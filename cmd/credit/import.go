package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"jlcredit/internal/credit"
	"jlcredit/internal/record"
	"jlcredit/internal/record/ingest"
	"jlcredit/internal/storage"
)

func runImport(ctx context.Context, env *Env, args []string) error {
	ctx = systemContext(ctx)
	fset := env.flags("import")
	dsn := fset.String("db", dsnDefault(), "数据库连接串")
	class := fset.String("class", "", "信息类代码，如 penalty（行政处罚）、license（行政许可）")
	dept := fset.String("department", "", "报送部门的统一社会信用代码")
	errorsOut := fset.String("errors", "", "把被拒绝的行及错误信息写入此文件（.csv 或 .xlsx）")
	backfill := fset.Bool("backfill", false, "历史数据补录：部门接入平台前作出的决定，不计为超期报送，不计入及时率")
	if err := parseArgs(fset, args, "文件名"); err != nil {
		return err
	}
	if fset.NArg() == 0 {
		fmt.Fprintln(env.Stderr, "用法：credit import --db DSN --class CLASS --department USCC [--errors OUT.csv|.xlsx] FILE")
		return errUsage
	}
	path := fset.Arg(0)
	if *class == "" {
		return credit.Errorf(credit.EINVALID, "请用 --class 指定信息类（如 penalty、license）")
	}
	if *dept == "" {
		return credit.Errorf(credit.EINVALID, "请用 --department 指定报送部门的统一社会信用代码")
	}
	f, err := os.Open(path)
	if err != nil {
		return fileError(err, path, false, "读取文件")
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return fileError(syscall.EISDIR, path, false, "读取文件")
	}
	// The error file is created before anything is imported: a path that
	// cannot be written must not leave an imported batch without its receipt.
	var errFile *os.File
	// Only a file this import created is removed when it fails: not one
	// that was there (the user's), nor a device (/dev/full, /dev/stdout).
	removeErrFile := false
	if *errorsOut != "" {
		_, statErr := os.Lstat(*errorsOut)
		if errFile, err = os.Create(*errorsOut); err != nil {
			return notImported(fileError(err, *errorsOut, true, "创建错误文件"))
		}
		defer errFile.Close()
		if st, err := errFile.Stat(); err == nil && st.Mode().IsRegular() && errors.Is(statErr, fs.ErrNotExist) {
			removeErrFile = true
		}
	}
	db, err := env.openDB(ctx, *dsn, openCreate)
	if err != nil {
		return err
	}
	defer db.Close()
	next := 100000
	progress := func(rows int) {
		if rows >= next {
			fmt.Fprintf(env.Stderr, "已处理%d行……\n", rows)
			next = rows + 100000
		}
	}
	// The file's name as the batch keeps it: bytes that are not UTF-8
	// become U+FFFD once, here, so that the batch and its audit entry
	// hold the same name.
	receipt, err := db.Submit(ctx, record.Submission{Class: *class, DepartmentCode: *dept, Filename: storage.ValidText(filepath.Base(path)), Channel: "cli", Backfill: *backfill, Body: f, Progress: progress,
		Stored: func(id credit.BatchID) {
			fmt.Fprintf(env.Stderr, "文件已完整保存为批次%s，开始处理……\n", id)
		}})
	if err != nil {
		if receipt != nil && receipt.Batch != "" {
			if credit.ErrorCode(err) != credit.EUNAVAILABLE {
				fmt.Fprintf(env.Stderr, "批次%s已完整保存，但处理失败。\n", receipt.Batch)
			} else { // interrupted: the message says the platform resumes it; this command may run without one
				fmt.Fprintln(env.Stderr, "如平台服务（credit serve）未在运行，可运行 credit batch resume --db 同一数据库 继续处理。")
			}
		}
		if errFile != nil {
			errFile.Close()
			if removeErrFile {
				os.Remove(*errorsOut)
			}
		}
		return err
	}
	if errFile != nil {
		if err := writeErrors(ctx, db, receipt.Batch, errFile); err != nil {
			// The batch is imported: say so, with its receipt, and how to
			// get the rejected rows again.
			err = fileError(err, *errorsOut, true, "写入错误文件")
			fmt.Fprintf(env.Stderr, "%s；批次已导入，被拒绝的行可用 GET /api/v1/batches/%s 查看\n", credit.ErrorMessage(err), receipt.Batch)
			if d := technicalDetail(err); d != "" {
				fmt.Fprintln(env.Stderr, "技术信息："+d)
			}
		} else {
			fmt.Fprintf(env.Stderr, "被拒绝的%d行已写入%s\n", receipt.Rejected, *errorsOut)
		}
	}
	fmt.Fprintf(env.Stderr, "共%d行：接收%d，拒绝%d，重复%d，超期报送%d\n", receipt.Total, receipt.Accepted, receipt.Rejected, receipt.Duplicates, receipt.Late)
	if msg := db.CalendarWarning(); msg != "" {
		fmt.Fprintln(env.Stderr, "注意："+msg)
	}
	b, _ := json.Marshal(receipt)
	fmt.Fprintln(env.Stdout, string(b))
	return nil
}

// writeErrors writes a batch's rejected rows with their messages to out,
// in the format named by its file extension, and closes it.
func writeErrors(ctx context.Context, db *storage.DB, id credit.BatchID, out *os.File) error {
	path := out.Name()
	headers, err := db.BatchHeaders(ctx, id)
	if err != nil {
		return err
	}
	var ferr error
	rows := func(yield func(ingest.ErrorRow) bool) {
		for e, err := range db.BatchErrors(ctx, id) {
			if err != nil {
				ferr = err
				return
			}
			if !yield(ingest.NewErrorRow(e.Row, e.Raw, e.Problems)) {
				return
			}
		}
	}
	if strings.EqualFold(filepath.Ext(path), ".xlsx") {
		err = ingest.WriteErrorsXLSX(out, headers, rows)
	} else {
		err = ingest.WriteErrorsCSV(out, headers, rows)
	}
	if err == nil {
		err = ferr
	}
	if err != nil {
		return err
	}
	return out.Close()
}

// notImported adds to a message that nothing was imported.
func notImported(err error) error {
	if d, ok := err.(*credit.Caused); ok {
		m := *d.Msg
		m.Message += "（未导入任何数据）"
		return &credit.Caused{Msg: &m, Cause: d.Cause, Said: d.Said}
	}
	return credit.Errorf(credit.ErrorCode(err), "%s（未导入任何数据）", credit.ErrorMessage(err))
}
