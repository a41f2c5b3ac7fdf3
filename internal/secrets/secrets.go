// Package secrets keeps credentials out of what servicepulse prints: help,
// usage errors, logs and error messages show addresses with their passwords
// masked.
package secrets

import "regexp"

var (
	urlPassword   = regexp.MustCompile(`(://[^/@:]*):[^/@]*@`)
	queryPassword = regexp.MustCompile(`(?i)([?&](?:password|secret|token)=)[^&]*`)
)

// Mask returns v with the password of any URL or DSN in it replaced by ***:
// user:password@ keeps the user, and ?password=, secret= or token= lose their
// value. Text without credentials is returned as it is.
func Mask(v string) string {
	v = urlPassword.ReplaceAllString(v, "$1:***@")
	return queryPassword.ReplaceAllString(v, "${1}***")
}
