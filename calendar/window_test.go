package calendar

import (
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestParseWindow(t *testing.T) {
	h := time.Hour
	tests := []struct {
		in   string
		want Window
	}{
		{"09:00-18:00", Window{9 * h, 18 * h}},
		{" 08:30 - 17:15 ", Window{8*h + 30*time.Minute, 17*h + 15*time.Minute}},
		{"00:00-24:00", AllDay},
		{"24h", AllDay},
		{"09:00:30-18:00:00", Window{9*h + 30*time.Second, 18 * h}},
		{"22:00-24:00", Window{22 * h, 24 * h}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseWindow(tt.in)
			if err != nil || got != tt.want {
				t.Fatalf("ParseWindow(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
			back, err := ParseWindow(got.String())
			if err != nil || back != got {
				t.Fatalf("round trip via %q = %v, %v", got.String(), back, err)
			}
		})
	}
}

func TestParseWindowErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `window "": want "HH:MM-HH:MM" or "24h"`},
		{"9-18", `window "9-18": start: "9" is not HH:MM`},
		{"9:00-18:00", `window "9:00-18:00": start: "9:00" is not HH:MM (two digits each)`},
		{"09:00-25:00", `"25:00" is not a valid time of day`},
		{"09:60-18:00", `"09:60" is not a valid time of day`},
		{"09:00-24:30", `"24:30" is after 24:00`},
		{"18:00-09:00", `window "18:00-09:00": start 18:00 is not before end 09:00`},
		{"09:00-09:00", `start 09:00 is not before end 09:00`},
		{"24x7", `window "24x7": want`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseWindow(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParseWindow(%q) error = %v, want it to contain %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestWindowValidate(t *testing.T) {
	tests := []struct {
		name string
		w    Window
		want string
	}{
		{"negative start", Window{-time.Hour, time.Hour}, "start -1h0m0s is before 00:00"},
		{"end after midnight", Window{0, 25 * time.Hour}, "end 25h0m0s is after 24:00"},
		{"sub-second", Window{time.Millisecond, time.Hour}, "not in whole seconds"},
		{"zero", Window{}, "start 00:00 is not before end 00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.w.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	if err := AllDay.Validate(); err != nil {
		t.Fatalf("AllDay.Validate() = %v", err)
	}
}

// Contract files name the window as a string; Window is a TextUnmarshaler.
func TestWindowYAML(t *testing.T) {
	var cfg struct {
		Window Window `yaml:"window"`
	}
	if err := yaml.Unmarshal([]byte("window: 09:00-18:00\n"), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Window != (Window{9 * time.Hour, 18 * time.Hour}) {
		t.Fatalf("decoded %v", cfg.Window)
	}
	out, err := yaml.Marshal(cfg)
	if err != nil || string(out) != "window: 09:00-18:00\n" {
		t.Fatalf("Marshal = %q, %v", out, err)
	}
	if err := yaml.Unmarshal([]byte("window: 18:00-09:00\n"), &cfg); err == nil || !strings.Contains(err.Error(), `"18:00-09:00"`) {
		t.Fatalf("bad window error = %v", err)
	}
}
