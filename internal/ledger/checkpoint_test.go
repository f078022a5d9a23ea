package ledger

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"jlcredit/internal/credit"
)

func mustKey(t *testing.T, name string) (*Signer, string) {
	t.Helper()
	skey, vkey, err := GenerateKey(name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.VerifierKey(); got != vkey {
		t.Fatalf("VerifierKey = %q, want %q", got, vkey)
	}
	return s, vkey
}

func TestCheckpointRoundTrip(t *testing.T) {
	s, vkey := mustKey(t, DefaultOrigin)
	root := tlog.RecordHash([]byte("root"))
	msg, err := s.Sign(DefaultOrigin, 1234, root)
	if err != nil {
		t.Fatal(err)
	}
	wantBody := DefaultOrigin + "\n1234\n" + root.String() + "\n\n— " + DefaultOrigin + " "
	if !strings.HasPrefix(string(msg), wantBody) {
		t.Fatalf("signed note = %q, want prefix %q", msg, wantBody)
	}

	c, err := OpenCheckpoint(msg, vkey)
	if err != nil {
		t.Fatal(err)
	}
	if c.Origin != DefaultOrigin || c.Size != 1234 || c.Root != root || !bytes.Equal(c.Note, msg) {
		t.Fatalf("OpenCheckpoint = %+v", c)
	}

	// Anyone can check it with package note.
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := note.Open(msg, note.VerifierList(v)); err != nil {
		t.Fatalf("note.Open: %v", err)
	}

	t.Run("JSON", func(t *testing.T) {
		c.CreatedAt = time.Date(2025, 3, 1, 2, 3, 4, 0, time.UTC)
		data, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`"root":"` + root.String() + `"`, `"note":"` + DefaultOrigin + `\n1234\n`, `"size":1234`} {
			if !strings.Contains(string(data), want) {
				t.Fatalf("JSON %s does not contain %s", data, want)
			}
		}
		var got Checkpoint
		if err := json.Unmarshal(data, &got); err != nil {
			t.Fatal(err)
		}
		if got.Origin != c.Origin || got.Size != c.Size || got.Root != c.Root || !bytes.Equal(got.Note, c.Note) || !got.CreatedAt.Equal(c.CreatedAt) {
			t.Fatalf("JSON round trip = %+v, want %+v", got, *c)
		}
	})
}

func TestOpenCheckpointRejects(t *testing.T) {
	s, vkey := mustKey(t, DefaultOrigin)
	_, otherVkey := mustKey(t, DefaultOrigin)
	root := tlog.RecordHash([]byte("root"))
	msg, err := s.Sign(DefaultOrigin, 1234, root)
	if err != nil {
		t.Fatal(err)
	}
	for _, test := range []struct {
		name string
		msg  []byte
		vkey string
		want string // in the message
	}{
		{"TamperedSize", bytes.Replace(msg, []byte("\n1234\n"), []byte("\n1235\n"), 1), vkey, "签名无效"},
		{"TamperedRoot", bytes.Replace(msg, []byte(root.String()), []byte(tlog.RecordHash(nil).String()), 1), vkey, "签名无效"},
		{"TamperedSignature", flipSignature(t, msg), vkey, "签名无效"},
		{"OtherKey", msg, otherVkey, "没有指定公钥"},
		{"BadKey", msg, "not a key", "公钥格式错误"},
		{"NotANote", []byte("hello\n"), vkey, "格式正确"},
		{"Empty", nil, vkey, "格式正确"},
	} {
		t.Run(test.name, func(t *testing.T) {
			c, err := OpenCheckpoint(test.msg, test.vkey)
			if got := credit.ErrorCode(err); got != credit.EINVALID {
				t.Fatalf("OpenCheckpoint = %+v, %v; want EINVALID", c, err)
			}
			if msg := credit.ErrorMessage(err); !strings.Contains(msg, test.want) {
				t.Fatalf("message = %q, want it to contain %q", msg, test.want)
			}
		})
	}

	t.Run("SignedGarbage", func(t *testing.T) {
		// A good signature over a body that is not a checkpoint.
		skey, vkey, err := GenerateKey(DefaultOrigin)
		if err != nil {
			t.Fatal(err)
		}
		ns, err := note.NewSigner(skey)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := note.Sign(&note.Note{Text: "hello\n"}, ns)
		if err != nil {
			t.Fatal(err)
		}
		if c, err := OpenCheckpoint(msg, vkey); credit.ErrorCode(err) != credit.EINVALID {
			t.Fatalf("OpenCheckpoint = %+v, %v; want EINVALID", c, err)
		}
	})
}

func TestSignRejects(t *testing.T) {
	s, _ := mustKey(t, DefaultOrigin)
	for _, origin := range []string{"", "a b", "a+b", "a\nb"} {
		if _, err := s.Sign(origin, 1, tlog.Hash{}); credit.ErrorCode(err) != credit.EINVALID {
			t.Errorf("Sign(%q) = %v, want EINVALID", origin, err)
		}
	}
	if _, err := s.Sign(DefaultOrigin, -1, tlog.Hash{}); credit.ErrorCode(err) != credit.EINVALID {
		t.Errorf("Sign(size -1) = %v, want EINVALID", err)
	}
	if _, _, err := GenerateKey("bad name"); credit.ErrorCode(err) != credit.EINVALID {
		t.Errorf("GenerateKey(%q) = %v, want EINVALID", "bad name", err)
	}
	for _, skey := range []string{"", "PRIVATE+KEY+x+00000000+AAAA", "jl.credit.gov.cn/ledger+12345678+AQID"} {
		_, err := NewSigner(skey)
		if credit.ErrorCode(err) != credit.EINVALID {
			t.Errorf("NewSigner(%q) = %v, want EINVALID", skey, err)
		}
		if skey != "" && strings.Contains(err.Error(), skey) {
			t.Errorf("NewSigner error %q shows the key", err)
		}
	}
}

func TestParseCheckpointBody(t *testing.T) {
	root := tlog.RecordHash([]byte("r"))
	r := root.String()
	for _, test := range []struct {
		name string
		body string
		ok   bool
		size int64
	}{
		{"OK", "o\n5\n" + r + "\n", true, 5},
		{"Empty tree", "o\n0\n" + r + "\n", true, 0},
		{"Extension", "o\n5\n" + r + "\nextra line\n", true, 5},
		{"NoFinalNewline", "o\n5\n" + r, false, 0},
		{"TwoLines", "o\n5\n", false, 0},
		{"LeadingZero", "o\n05\n" + r + "\n", false, 0},
		{"Plus", "o\n+5\n" + r + "\n", false, 0},
		{"Negative", "o\n-5\n" + r + "\n", false, 0},
		{"BadRoot", "o\n5\nAAAA\n", false, 0},
		{"NonCanonicalRoot", "o\n5\n" + r[:len(r)-2] + "B=\n", false, 0},
		{"BadOrigin", "o o\n5\n" + r + "\n", false, 0},
		{"EmptyExtension", "o\n5\n" + r + "\n\n", false, 0},
	} {
		t.Run(test.name, func(t *testing.T) {
			c, err := ParseCheckpointBody([]byte(test.body))
			if !test.ok {
				if credit.ErrorCode(err) != credit.EINVALID {
					t.Fatalf("ParseCheckpointBody(%q) = %+v, %v; want EINVALID", test.body, c, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Origin != "o" || c.Size != test.size || c.Root != root {
				t.Fatalf("ParseCheckpointBody(%q) = %+v", test.body, c)
			}
		})
	}

	body, err := FormatCheckpoint("o", 5, root)
	if err != nil || string(body) != "o\n5\n"+r+"\n" {
		t.Fatalf("FormatCheckpoint = %q, %v", body, err)
	}
}

// flipSignature returns msg with one bit of its Ed25519 signature changed.
func flipSignature(t *testing.T, msg []byte) []byte {
	t.Helper()
	i := bytes.LastIndexByte(msg, ' ')
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(msg[i+1:])))
	if err != nil {
		t.Fatal(err)
	}
	sig[len(sig)-1] ^= 1
	return append(append([]byte(nil), msg[:i+1]...), base64.StdEncoding.EncodeToString(sig)+"\n"...)
}
