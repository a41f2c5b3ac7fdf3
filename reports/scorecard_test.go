package reports

import (
	"math"
	"testing"

	"servicepulse/metrics"
)

func TestQuantile(t *testing.T) {
	for _, tt := range []struct {
		name string
		vals []float64
		q    float64
		want float64
	}{
		{"median of odd", []float64{1, 2, 3}, 0.5, 2},
		{"median of even", []float64{1, 2, 3, 4}, 0.5, 2.5},
		{"p25 of 3", []float64{10, 20, 40}, 0.25, 15},
		{"p75 of 3", []float64{10, 20, 40}, 0.75, 30},
		{"one value", []float64{7}, 0.75, 7},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := quantile(tt.vals, tt.q); math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("quantile(%v, %v) = %v, want %v", tt.vals, tt.q, got, tt.want)
			}
		})
	}
}

func TestQuartile(t *testing.T) {
	for _, tt := range []struct {
		name string
		d    metrics.Direction
		v    float64
		want int
	}{
		{"higher, top", metrics.HigherIsBetter, 90, 1},
		{"higher, at p75", metrics.HigherIsBetter, 80, 1},
		{"higher, second", metrics.HigherIsBetter, 70, 2},
		{"higher, third", metrics.HigherIsBetter, 65, 3},
		{"higher, bottom", metrics.HigherIsBetter, 10, 4},
		{"lower, best", metrics.LowerIsBetter, 50, 1},
		{"lower, at p25", metrics.LowerIsBetter, 60, 1},
		{"lower, second", metrics.LowerIsBetter, 65, 2},
		{"lower, worst", metrics.LowerIsBetter, 90, 4},
		{"no value", metrics.HigherIsBetter, math.NaN(), 0},
		{"informational", metrics.Informational, 70, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := quartile(tt.d, tt.v, 60, 70, 80); got != tt.want {
				t.Errorf("quartile(%s, %v; 60/70/80) = %d, want %d", tt.d, tt.v, got, tt.want)
			}
		})
	}
}
