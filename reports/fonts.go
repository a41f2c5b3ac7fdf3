package reports

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
)

// CJKFontPackage is the Debian package of the fonts the report's Chinese
// titles are drawn with ("Noto Sans CJK SC" in the page's font stack).
// Without a CJK font they print as empty boxes.
const CJKFontPackage = "fonts-noto-cjk"

// HasCJKFont says whether fontconfig knows a font covering Chinese. It is
// an error when fontconfig's fc-list is missing (Chromium depends on
// fontconfig, so a machine that can print the PDF has it).
func HasCJKFont(ctx context.Context) (bool, error) {
	out, err := exec.CommandContext(ctx, "fc-list", ":lang=zh", "family").Output()
	if err != nil {
		return false, fmt.Errorf("fc-list (package fontconfig): %w", err)
	}
	return len(bytes.TrimSpace(out)) > 0, nil
}

// EnsureCJKFont makes sure a CJK font is installed, so that the report's
// Chinese titles render: when none is, it installs CJKFontPackage with
// apt-get if this process is root and apt-get exists (as the demo installs
// ClickHouse), and otherwise warns, naming the package. It never fails the
// caller: without the font the report is still right, only its Chinese
// titles show as boxes. Every outcome but "already installed" is logged.
func EnsureCJKFont(ctx context.Context, log *slog.Logger) bool {
	ok, err := HasCJKFont(ctx)
	if err != nil {
		log.Warn("cannot tell whether a CJK font is installed; Chinese titles may render as boxes",
			"install", "apt-get install -y fontconfig "+CJKFontPackage, "err", err)
		return false
	}
	if ok {
		return true
	}
	if err := installCJKFont(ctx, log); err != nil {
		log.Warn("no CJK font installed: the report's Chinese titles render as empty boxes",
			"install", "apt-get install -y "+CJKFontPackage, "err", err)
		return false
	}
	if ok, err := HasCJKFont(ctx); err != nil || !ok {
		log.Warn("installed "+CJKFontPackage+" but fontconfig still lists no CJK font", "err", err)
		return false
	}
	log.Info("installed " + CJKFontPackage + " for the report's Chinese titles")
	return true
}

// installCJKFont installs CJKFontPackage (about 57 MB to download, 91 MB
// installed), running apt-get update first only when the package is unknown.
func installCJKFont(ctx context.Context, log *slog.Logger) error {
	if os.Geteuid() != 0 {
		return errors.New("installing it needs root")
	}
	apt, err := exec.LookPath("apt-get")
	if err != nil {
		return errors.New("apt-get is missing (not Debian or Ubuntu?)")
	}
	log.Warn("no CJK font installed; installing "+CJKFontPackage+" with apt-get (about 57 MB)", "why", "the report's Chinese titles")
	run := func(args ...string) error {
		cmd := exec.CommandContext(ctx, apt, args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("apt-get %s: %w\n%s", args[0], err, lastLines(out, 5))
		}
		return nil
	}
	if err := run("install", "-y", "-qq", CJKFontPackage); err == nil {
		return nil
	}
	if err := run("update", "-qq"); err != nil {
		return err
	}
	return run("install", "-y", "-qq", CJKFontPackage)
}
