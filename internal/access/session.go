package access

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"time"

	"jlcredit/internal/credit"
)

// Session is a signed-in console session. The browser holds a random token
// in a cookie; the database holds only its SHA-256, so a copy of the
// database does not give access. CSRFToken is the synchronizer token every
// state-changing console form must send back.
type Session struct {
	UserID    credit.UserID `json:"user_id"`
	CSRFToken string        `json:"-"`
	CreatedAt time.Time     `json:"created_at"`
	ExpiresAt time.Time     `json:"expires_at"`
	User      *User         `json:"user"`
}

// Actor returns the actor of the session's user.
func (s *Session) Actor() credit.Actor { return s.User.Actor() }

// SessionLifetime is how long a session lasts after sign-in.
const SessionLifetime = 12 * time.Hour

// LoginAttempt describes where a sign-in comes from, for the attempts log.
type LoginAttempt struct {
	Username  string
	Password  string
	IP        string
	UserAgent string
}

// SessionService signs users in and out.
type SessionService interface {
	// Login checks a login name and password and starts a session, returning
	// it with the token for the cookie. Returns EUNAUTHORIZED for a wrong
	// name or password, a locked or a disabled account; the message does
	// not tell which of name and password was wrong.
	Login(ctx context.Context, a LoginAttempt) (*Session, string, error)
	// FindSession returns the live session of a token, or EUNAUTHORIZED
	// when it is unknown, expired or its user was switched off.
	FindSession(ctx context.Context, token string) (*Session, error)
	// Logout ends the session of token; an unknown token is not an error.
	Logout(ctx context.Context, token string) error
}

// NewToken returns a random 256-bit token, URL-safe, for a session or a
// CSRF synchronizer token.
func NewToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken returns the stored form of a session token.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// TokensEqual compares two tokens in constant time; empty tokens never match.
func TokensEqual(a, b string) bool {
	return a != "" && b != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
