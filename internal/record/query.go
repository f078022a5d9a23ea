package record

import (
	"context"
	"io"
	"time"

	"jlcredit/internal/credit"
)

// Headline holds the portal's headline figures.
type Headline struct {
	Subjects int `json:"subjects"` // credit subjects known to the platform
	Records  int `json:"records"`  // current record versions of every class
	// DualPublicity counts the 双公示 records the public sees today;
	// DualPublicityMonth those of them decided this calendar month.
	DualPublicity      int       `json:"dual_publicity"`
	DualPublicityMonth int       `json:"dual_publicity_month"`
	AsOf               time.Time `json:"as_of"`
}

// BatchSummary sums the receipts of a set of batches.
type BatchSummary struct {
	Batches    int `json:"batches"`
	Total      int `json:"total"`
	Accepted   int `json:"accepted"`
	Rejected   int `json:"rejected"`
	Duplicates int `json:"duplicates"`
	Late       int `json:"late"`
	// Unrated counts the accepted rows the 及时率 leaves out: those of
	// 历史数据补录 batches and of classes without a reporting deadline
	// (catalog.Class.TimelinessDays 0, such as 登记注册基本信息).
	Unrated int `json:"unrated,omitempty"`
	// Failed counts the batches whose file could not be processed at all
	// (no rows counted: an unreadable file, a missing required column).
	Failed int `json:"failed,omitempty"`
}

// AccuracyRate is the share of submitted rows that were accepted (准确率),
// in percent; 0 when nothing was submitted. Duplicates count as accepted.
func (s BatchSummary) AccuracyRate() float64 {
	if s.Total == 0 {
		return 0
	}
	return 100 * float64(s.Accepted+s.Duplicates) / float64(s.Total)
}

// Rated is the number of accepted rows the 及时率 rates: those with a
// reporting deadline, of batches that are not 历史数据补录. With none,
// there is no rate to show.
func (s BatchSummary) Rated() int { return max(0, s.Accepted-s.Unrated) }

// TimelinessRate is the share of rated accepted rows (Rated) that arrived
// in time (及时率), in percent; 0 when nothing counts.
func (s BatchSummary) TimelinessRate() float64 {
	n := s.Rated()
	if n <= 0 {
		return 0
	}
	return 100 * float64(n-s.Late) / float64(n)
}

// DaySummary is the BatchSummary of the batches received on one day
// (Asia/Shanghai).
type DaySummary struct {
	Day credit.Date `json:"day"`
	BatchSummary
}

// QueryService answers the listing and summary questions of the portal and
// the console. Every method reads through the actor in ctx.
type QueryService interface {
	// FindRecords lists current records, newest decision first. The public
	// sees only what archive.Visible shows it (with its fields filtered by
	// archive.VisibleFields); government readers see every current record.
	// Class "" means every 双公示 class. RegionPrefix selects the region of
	// the deciding department, Text a subject name (2+ characters), a
	// subject's USCC or the start of a 文书号. The total is capped at
	// subject.TotalCap(f.Offset).
	FindRecords(ctx context.Context, f RecordFilter) ([]*Record, int, error)
	// CountPublicRecords returns, for each subject, how many of its records
	// the public sees today by class code, in one query.
	CountPublicRecords(ctx context.Context, subjects []credit.SubjectID) (map[credit.SubjectID]map[string]int, error)
	// Headline returns the portal's headline figures.
	Headline(ctx context.Context) (*Headline, error)
	// SummarizeBatches sums the batches the actor may see that match f
	// (Offset and Limit are ignored), overall and per day from f.Since.
	SummarizeBatches(ctx context.Context, f BatchFilter) (*BatchSummary, []DaySummary, error)
	// OpenBatchRaw returns the bytes of a batch as submitted. Returns
	// ENOTFOUND, or EFORBIDDEN for another department's batch.
	OpenBatchRaw(ctx context.Context, id credit.BatchID) (io.Reader, error)
	// BatchHeaders returns the header row of a batch's file as processing
	// read it (below any title rows; a JSON file's first object's keys),
	// for error sheets in the file's own columns. ENOTFOUND or EFORBIDDEN
	// as OpenBatchRaw.
	BatchHeaders(ctx context.Context, id credit.BatchID) ([]string, error)
}
