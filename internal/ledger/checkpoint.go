package ledger

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"jlcredit/internal/credit"
)

// Checkpoint is a signed tree head: the log named Origin had Size leaves and
// root hash Root. Note is the full signed note text; CreatedAt is when the
// platform signed it, kept by storage (it is not part of the signed text).
type Checkpoint struct {
	Origin    string
	Size      int64
	Root      tlog.Hash
	Note      []byte
	CreatedAt time.Time
}

// checkpointJSON is the JSON form of a Checkpoint: the root in base64 and
// the note as text.
type checkpointJSON struct {
	Origin    string    `json:"origin"`
	Size      int64     `json:"size"`
	Root      tlog.Hash `json:"root"`
	Note      string    `json:"note,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// MarshalJSON encodes c with the root hash in base64 and the note as a string.
func (c Checkpoint) MarshalJSON() ([]byte, error) {
	return json.Marshal(checkpointJSON{
		Origin: c.Origin, Size: c.Size, Root: c.Root, Note: string(c.Note), CreatedAt: c.CreatedAt,
	})
}

// UnmarshalJSON decodes the form written by MarshalJSON. It does not verify
// the note; use OpenCheckpoint for that.
func (c *Checkpoint) UnmarshalJSON(data []byte) error {
	var j checkpointJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*c = Checkpoint{Origin: j.Origin, Size: j.Size, Root: j.Root, CreatedAt: j.CreatedAt}
	if j.Note != "" {
		c.Note = []byte(j.Note)
	}
	return nil
}

// validName reports whether s may be a key name or a checkpoint origin:
// non-empty UTF-8 without spaces or '+', the rule of package note.
func validName(s string) bool {
	return s != "" && utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsSpace) < 0 && !strings.Contains(s, "+")
}

// FormatCheckpoint returns the checkpoint body that gets signed:
// "<origin>\n<size>\n<base64 root>\n".
func FormatCheckpoint(origin string, size int64, root tlog.Hash) ([]byte, error) {
	if !validName(origin) {
		return nil, credit.Errorf(credit.EINVALID, "检查点来源标识“%s”无效：不能为空，不能含空白字符或“+”。", origin)
	}
	if size < 0 {
		return nil, credit.Errorf(credit.EINVALID, "账本大小不能为负数：%d。", size)
	}
	return []byte(origin + "\n" + strconv.FormatInt(size, 10) + "\n" + root.String() + "\n"), nil
}

// ParseCheckpointBody parses a checkpoint body (the signed text without the
// signatures). Extension lines after the root are allowed and ignored. The
// result has no Note.
func ParseCheckpointBody(text []byte) (*Checkpoint, error) {
	bad := func(what string) error {
		return credit.Errorf(credit.EINVALID, "检查点格式错误：%s。", what)
	}
	if !bytes.HasSuffix(text, []byte("\n")) {
		return nil, bad("正文必须以换行结束")
	}
	lines := strings.Split(string(text[:len(text)-1]), "\n")
	if len(lines) < 3 {
		return nil, bad("至少需要来源、大小、树根三行")
	}
	origin, sizeText, rootText := lines[0], lines[1], lines[2]
	if !validName(origin) {
		return nil, bad("来源标识无效")
	}
	size, err := strconv.ParseInt(sizeText, 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != sizeText {
		return nil, bad("大小必须是不带前导零的十进制非负整数")
	}
	root, err := tlog.ParseHash(rootText)
	if err != nil || root.String() != rootText {
		return nil, bad("树根必须是 32 字节哈希的标准 base64 编码")
	}
	for _, l := range lines[3:] {
		if l == "" {
			return nil, bad("扩展行不能为空")
		}
	}
	return &Checkpoint{Origin: origin, Size: size, Root: root}, nil
}

// Signer signs checkpoints with the platform's Ed25519 note key.
type Signer struct {
	signer note.Signer
	vkey   string
}

// GenerateKey returns a new Ed25519 note key pair named name (by convention
// the log's origin, such as DefaultOrigin): skey is secret, vkey is published.
func GenerateKey(name string) (skey, vkey string, err error) {
	if !validName(name) {
		return "", "", credit.Errorf(credit.EINVALID, "密钥名称“%s”无效：不能为空，不能含空白字符或“+”。", name)
	}
	return note.GenerateKey(rand.Reader, name)
}

// NewSigner returns a Signer for the secret key skey, as made by GenerateKey.
// The error never includes the key.
func NewSigner(skey string) (*Signer, error) {
	errKey := credit.Errorf(credit.EINVALID, "签名私钥格式错误，应为 GenerateKey 生成的 PRIVATE+KEY+… 形式。")
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, errKey
	}
	// note.Signer does not expose the public key; derive it from the seed,
	// which note.NewSigner has just checked: PRIVATE+KEY+name+hash+base64(alg||seed).
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 {
		return nil, errKey
	}
	key, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(key) != 1+ed25519.SeedSize {
		return nil, errKey
	}
	pub := ed25519.NewKeyFromSeed(key[1:]).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(s.Name(), pub)
	if err != nil {
		return nil, errKey
	}
	return &Signer{signer: s, vkey: vkey}, nil
}

// Sign returns the signed note of the checkpoint (origin, size, root).
func (s *Signer) Sign(origin string, size int64, root tlog.Hash) ([]byte, error) {
	body, err := FormatCheckpoint(origin, size, root)
	if err != nil {
		return nil, err
	}
	return note.Sign(&note.Note{Text: string(body)}, s.signer)
}

// VerifierKey returns the public verifier key, to publish so that anyone can
// check checkpoints with OpenCheckpoint or golang.org/x/mod/sumdb/note.
func (s *Signer) VerifierKey() string {
	return s.vkey
}

// OpenCheckpoint verifies the signed note msg with the verifier key vkey and
// parses its body. It returns EINVALID if the key is malformed, the note is
// malformed or not signed by vkey, or the signature is wrong. The caller
// must still check that Origin is the log it expects.
func OpenCheckpoint(msg []byte, vkey string) (*Checkpoint, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, credit.Errorf(credit.EINVALID, "验证公钥格式错误。")
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		switch {
		case errors.As(err, &unverified):
			return nil, credit.Errorf(credit.EINVALID, "检查点没有指定公钥“%s”的签名。", v.Name())
		case errors.As(err, &invalid):
			return nil, credit.Errorf(credit.EINVALID, "检查点签名无效，内容可能被篡改。")
		default:
			return nil, credit.Errorf(credit.EINVALID, "检查点不是格式正确的签名文本。")
		}
	}
	c, err := ParseCheckpointBody([]byte(n.Text))
	if err != nil {
		return nil, err
	}
	c.Note = bytes.Clone(msg)
	return c, nil
}
