package fields

import (
	"errors"
	"fmt"
	"testing"
)

func TestTranslate(t *testing.T) {
	names := map[string]string{"UntilIdle": "--until-idle", "UntilIdleMax": "--until-idle-max", "Workers": "--workers"}
	cases := []struct {
		err        error
		lib, flags string
	}{
		{Errorf("Workers", 65, "must be between 1 and %d", 64),
			"Workers 65: must be between 1 and 64", "--workers 65: must be between 1 and 64"},
		{Errorf("UntilIdleMax", "2s", "must be longer than {UntilIdle} %s", "5s"),
			"UntilIdleMax 2s: must be longer than UntilIdle 5s", "--until-idle-max 2s: must be longer than --until-idle 5s"},
		{Errorf("Group", nil, "must not be empty"), "Group: must not be empty", "Group: must not be empty"},
		{fmt.Errorf("ingest config: %w", Errorf("Workers", 0, "must be positive")),
			"ingest config: Workers 0: must be positive", "ingest config: --workers 0: must be positive"},
	}
	for _, c := range cases {
		if got := c.err.Error(); got != c.lib {
			t.Errorf("Error() = %q, want %q", got, c.lib)
		}
		if got := Translate(c.err, Names(names)).Error(); got != c.flags {
			t.Errorf("Translate = %q, want %q", got, c.flags)
		}
	}
	plain := fmt.Errorf("other")
	if Translate(plain, Names(names)) != plain {
		t.Error("Translate changed an error that is not a field error")
	}
}

// TestTranslateKeepsTheRest: a prefix, the other errors of a Join and the
// error's identity survive; a value with braces is not read as a field.
func TestTranslateKeepsTheRest(t *testing.T) {
	sentinel := errors.New("disk full")
	err := errors.Join(fmt.Errorf("demo config: %w", Errorf("Database", `"a{Dir}"`, "bad name {Dir}")), sentinel)
	got := Translate(err, Names(map[string]string{"Database": "--database", "Dir": "--dir"}))
	if want := "demo config: --database \"a{Dir}\": bad name --dir\ndisk full"; got.Error() != want {
		t.Errorf("Translate = %q, want %q", got, want)
	}
	var fe *Error
	if !errors.Is(got, sentinel) || !errors.As(got, &fe) || fe.Field != "Database" {
		t.Errorf("the translated error lost its chain: Is(sentinel) %v, As(*Error) %v", errors.Is(got, sentinel), errors.As(got, &fe))
	}
}
