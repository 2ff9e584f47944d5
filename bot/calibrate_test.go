package bot_test

import (
	"testing"

	"alsbot/bot"
)

// TestCalibrationSweep prints how in-scope accuracy and out-of-scope
// refusal trade off across confidence settings, on the question set. It
// asserts nothing beyond running; the chosen defaults are held by
// TestQuestionSet. Run it with -v to choose thresholds with evidence.
func TestCalibrationSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("sweep is slow")
	}
	qs := loadQuestions(t)
	for _, cov := range []float64{0.4, 0.5, 0.55, 0.6, 0.65, 0.7} {
		for _, ratio := range []float64{0.75, 0.85} {
			th := bot.DefaultThresholds
			th.MinCoverage, th.ClarifyRatio = cov, ratio
			res := score(shippedBot(t, bot.WithThresholds(th)), qs)
			t.Logf("coverage %.2f ratio %.2f: in-scope %.1f%%  out-of-scope refused %.1f%%",
				cov, ratio, 100*res.rate("in-scope"), 100*res.rate("out-of-scope"))
		}
	}
}
