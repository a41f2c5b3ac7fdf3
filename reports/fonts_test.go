package reports

import (
	"os/exec"
	"testing"
)

// HasCJKFont asks fontconfig: no with only a Latin font configured, yes
// with the machine's fonts once fonts-noto-cjk is installed (the browser
// test requires that too).
func TestHasCJKFont(t *testing.T) {
	if _, err := exec.LookPath("fc-list"); err != nil {
		t.Skip("fc-list not installed (package fontconfig)")
	}
	t.Run("latin only", func(t *testing.T) {
		t.Setenv("FONTCONFIG_FILE", latinOnlyFontconfig(t))
		if ok, err := HasCJKFont(t.Context()); err != nil || ok {
			t.Errorf("HasCJKFont = %v, %v; want false with DejaVu Sans only", ok, err)
		}
	})
	t.Run("system", func(t *testing.T) {
		ok, err := HasCJKFont(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			t.Skipf("no CJK font installed (apt-get install -y %s)", CJKFontPackage)
		}
	})
}
