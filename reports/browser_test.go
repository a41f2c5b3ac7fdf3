package reports

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"servicepulse/internal/testenv"
)

// browser is headless Chromium (Debian package chromium), found as
// `report --pdf` finds it. Without it the test skips, except in CI and
// under `make test` (testenv.Required), where it fails: the test script
// installs chromium.
func browser(t *testing.T) Chromium {
	t.Helper()
	bin, err := FindChromium()
	if err != nil {
		if testenv.Required() || os.Getenv("SERVICEPULSE_REQUIRE_BROWSER") != "" {
			t.Fatalf("%v; make test installs it", err)
		}
		t.Skip(err)
	}
	return Chromium{Bin: bin}
}

// goldenReportPage writes the page of the golden report data into a
// temporary directory and returns its path.
func goldenReportPage(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/september/report.json")
	if err != nil {
		t.Fatal(err)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	files, err := WriteFiles(t.TempDir(), &r)
	if err != nil {
		t.Fatal(err)
	}
	return files[0]
}

// TestBrowserReport opens the page of the golden report data in headless
// Chromium: it must load without console errors, and its trend charts must
// be drawn (pixels of the chart colour).
func TestBrowserReport(t *testing.T) {
	c := browser(t)
	page := goldenReportPage(t)
	shot := filepath.Join(t.TempDir(), "shot.png")
	flags := []string{"--enable-logging=stderr", "--v=0", "--window-size=1200,2400"}
	_, logs, err := c.Run(t.Context(), page, append(flags, "--screenshot="+shot)...)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(logs), "\n") {
		if strings.Contains(line, "CONSOLE") || strings.Contains(line, "Uncaught") {
			t.Errorf("console message: %s", line)
		}
	}
	dom, _, err := c.Run(t.Context(), page, append(flags, "--dump-dom")...)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(regexp.MustCompile(`<circle`).FindAllString(string(dom), -1)); n == 0 {
		t.Error("rendered page has no chart points")
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// Count pixels close to the chart colour #1565c0.
	blue := 0
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if near8(r>>8, 0x15) && near8(g>>8, 0x65) && near8(b>>8, 0xc0) {
				blue++
			}
		}
	}
	if blue < 20 {
		t.Errorf("screenshot has %d pixels of the chart colour, want charts drawn", blue)
	}
}

func near8(v, want uint32) bool { return v+24 >= want && v <= want+24 }

// glyphProbe is appended to the report page: it draws each character of the
// first KPI's Chinese title (服务请求回复及时率), in that element's own font
// stack, on a canvas, and counts how many come out as the same bitmap as a
// character no font has (U+E000, private use): a missing glyph is drawn as
// that one box, whatever the character. The counts go into the DOM for
// --dump-dom.
const glyphProbe = `<script>
(function () {
  const el = document.querySelector('#kpis .zh');
  const c = document.createElement('canvas');
  c.width = 48; c.height = 48;
  const g = c.getContext('2d', {willReadFrequently: true});
  g.font = '32px ' + getComputedStyle(el).fontFamily;
  const bitmap = ch => { g.clearRect(0, 0, 48, 48); g.fillText(ch, 4, 36); return g.getImageData(0, 0, 48, 48).data.join(','); };
  const box = bitmap('\uE000');
  const chars = Array.from(el.textContent.trim());
  const seen = new Set();
  let boxes = 0;
  for (const ch of chars) { const b = bitmap(ch); if (b === box) boxes++; seen.add(b); }
  const out = document.createElement('pre');
  out.id = 'glyph-probe';
  out.textContent = JSON.stringify({title: chars.join(''), chars: chars.length, boxes: boxes, distinct: seen.size});
  document.body.appendChild(out);
})();
</script>`

type glyphCount struct {
	Title    string `json:"title"`
	Chars    int    `json:"chars"`
	Boxes    int    `json:"boxes"`
	Distinct int    `json:"distinct"`
}

// probeGlyphs renders the report page with glyphProbe in c.
func probeGlyphs(t *testing.T, c Chromium, page string) glyphCount {
	t.Helper()
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	probe := filepath.Join(t.TempDir(), "probe.html")
	html = bytes.Replace(html, []byte("</body>"), []byte(glyphProbe+"\n</body>"), 1)
	if err := os.WriteFile(probe, html, 0o644); err != nil {
		t.Fatal(err)
	}
	dom, _, err := c.Run(t.Context(), probe, "--dump-dom")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`<pre id="glyph-probe">(.*?)</pre>`).FindSubmatch(dom)
	if m == nil {
		t.Fatalf("the glyph probe wrote nothing; page:\n%s", lastLines(dom, 20))
	}
	var g glyphCount
	if err := json.Unmarshal(m[1], &g); err != nil {
		t.Fatalf("glyph probe %s: %v", m[1], err)
	}
	if g.Title != "服务请求回复及时率" || g.Chars != 9 {
		t.Fatalf("glyph probe measured %q (%d characters), want the reply KPI's Chinese title", g.Title, g.Chars)
	}
	return g
}

// TestBrowserChineseGlyphs proves the report's Chinese titles render with
// glyphs, not boxes. A control render first, with fontconfig pointed at a
// font directory without CJK fonts (DejaVu only), must see every character
// as a box: so the probe can tell. Then the render with the machine's fonts
// must see none, and nine distinct glyphs. It fails on a machine without a
// CJK font (apt-get install -y fonts-noto-cjk; make test installs it).
func TestBrowserChineseGlyphs(t *testing.T) {
	c := browser(t)
	page := goldenReportPage(t)

	conf := latinOnlyFontconfig(t)
	control := Chromium{Bin: c.Bin, Env: append(os.Environ(), "FONTCONFIG_FILE="+conf)}
	if g := probeGlyphs(t, control, page); g.Boxes != g.Chars {
		t.Fatalf("without a CJK font the probe saw %d of %d characters as boxes, want all: it cannot tell glyphs from boxes (%+v)",
			g.Boxes, g.Chars, g)
	}

	g := probeGlyphs(t, c, page)
	if g.Boxes != 0 || g.Distinct != g.Chars {
		t.Errorf("Chinese title %q: %d of %d characters render as missing-glyph boxes, %d distinct glyphs; "+
			"install a CJK font: apt-get install -y %s", g.Title, g.Boxes, g.Chars, g.Distinct, CJKFontPackage)
	}
}

// TestBrowserPDF prints the golden report to PDF as `report --pdf` does: a
// PDF file with at least one page, and a CJK font embedded for the Chinese
// titles.
func TestBrowserPDF(t *testing.T) {
	c := browser(t)
	page := goldenReportPage(t)
	pdf := filepath.Join(t.TempDir(), "report.pdf")
	if err := c.PrintPDF(t.Context(), page, pdf); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(pdf)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("%s starts with %q, want %%PDF-", pdf, b[:min(len(b), 16)])
	}
	pages := len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(b, -1))
	if pages < 1 {
		t.Errorf("PDF of %d bytes has no page objects", len(b))
	}
	// Skia names each embedded font, subset-tagged, in /BaseFont (TrueType)
	// or, for the CJK fonts it draws as Type 3 outlines, in the descriptor's
	// /FontName.
	if !regexp.MustCompile(`/(BaseFont|FontName)\s*/[A-Z]{6}\+NotoSans(Mono)?CJK`).Match(b) {
		t.Errorf("PDF embeds no Noto CJK font (fonts: %q); install %s", regexp.MustCompile(`/(BaseFont|FontName)\s*/[^\s/<>]+`).FindAll(b, -1), CJKFontPackage)
	}
	t.Logf("%s: %d bytes, %d pages", pdf, len(b), pages)
}

// latinOnlyFontconfig writes a fontconfig file whose only font is a copy of
// DejaVu Sans (the system's font directories all hold CJK fonts once
// fonts-noto-cjk is installed), and returns its path, for FONTCONFIG_FILE.
func latinOnlyFontconfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	latin := filepath.Join(dir, "fonts")
	if err := os.MkdirAll(latin, 0o755); err != nil {
		t.Fatal(err)
	}
	ttf, err := os.ReadFile("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
	if err != nil {
		t.Skipf("a font-less render needs DejaVu Sans (fonts-dejavu-core, a chromium dependency): %v", err)
	}
	if err := os.WriteFile(filepath.Join(latin, "DejaVuSans.ttf"), ttf, 0o644); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "fonts.conf")
	xml := `<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig><dir>` + latin +
		`</dir><cachedir>` + filepath.Join(dir, "cache") + `</cachedir></fontconfig>`
	if err := os.WriteFile(conf, []byte(xml), 0o644); err != nil {
		t.Fatal(err)
	}
	return conf
}
