package runstats

import (
	"fmt"
	"strconv"
	"time"
)

// Progress makes the progress lines of a run: per group, rows/s in and
// out since the last call, the lag and the dead letters, and a line when
// a group catches up with its inputs (or falls behind again).
type Progress struct {
	run    *Run
	groups []string
	last   time.Time
	prev   map[string]progressMark
}

type progressMark struct {
	totals    PartitionCounts
	committed int64
	lagTime   time.Time
	caughtUp  bool
	measured  bool
}

// CaughtUpWindow is how much input a group may have left and still be
// caught up: what it commits in this long (it commits about every
// second, so a group that keeps up is always about a second behind).
const CaughtUpWindow = 3 * time.Second

// NewProgress makes the progress of the given groups of run.
func NewProgress(run *Run, groups []string) *Progress {
	return &Progress{run: run, groups: groups, prev: map[string]progressMark{}}
}

// Lines returns the progress lines at now: one per group, and one for
// each group that caught up or fell behind since the last call.
func (p *Progress) Lines(now time.Time) []string {
	var out []string
	secs := now.Sub(p.last).Seconds()
	first := p.last.IsZero()
	p.last = now
	lag := p.run.Lag() // one measure for every group: it may change meanwhile
	for _, name := range p.groups {
		g := p.run.Groups.Group(name)
		if g == nil {
			continue
		}
		prev := p.prev[name]
		t := g.Totals()
		line := name + ":"
		rowsIn := ""
		if g.States {
			line += " reads model states"
		} else {
			if !first && secs > 0 {
				line += fmt.Sprintf(" %s rows/s in, %s out;", rate(t.In-prev.totals.In, secs), rate(t.Out-prev.totals.Out, secs))
			}
			line += fmt.Sprintf(" %s rows in, %s out", Thousands(t.In), Thousands(t.Out))
			rowsIn = fmt.Sprintf(", %s rows in", Thousands(t.In))
		}
		mark := progressMark{totals: t, caughtUp: prev.caughtUp, measured: prev.measured}
		if n, ok := lag.GroupLag(name); ok {
			line += ", lag " + Thousands(n)
			committed, _ := lag.GroupOffsets(name)
			mark.committed, mark.lagTime = committed, lag.Time
			if prev.measured && lag.Time.After(prev.lagTime) {
				perSec := float64(committed-prev.committed) / lag.Time.Sub(prev.lagTime).Seconds()
				caught := lag.Settled(name) || float64(n) <= perSec*CaughtUpWindow.Seconds()
				switch {
				case caught && !prev.caughtUp:
					out = append(out, fmt.Sprintf("%s caught up with its inputs (lag %s messages%s)", name, Thousands(n), rowsIn))
				case !caught && prev.caughtUp && perSec > 0:
					out = append(out, fmt.Sprintf("%s fell behind its inputs (lag %s messages)", name, Thousands(n)))
				}
				mark.caughtUp = caught
			} else if !prev.measured && lag.Settled(name) {
				out = append(out, fmt.Sprintf("%s caught up with its inputs (lag %s)", name, Thousands(n)))
				mark.caughtUp = true
			}
			mark.measured = mark.measured || lag.Time.After(prev.lagTime)
			if !lag.Time.After(prev.lagTime) {
				mark.committed, mark.lagTime = prev.committed, prev.lagTime
			}
		}
		if e := p.run.LagError(); e != "" {
			line += " (lag not measured now: " + e + ")"
		}
		if !g.States {
			line += fmt.Sprintf(", dead letters %s", Thousands(t.Dead))
			if d := t.Dead - prev.totals.Dead; !first && d > 0 {
				line += fmt.Sprintf(" (+%s)", Thousands(d))
			}
		}
		p.prev[name] = mark
		out = append(out, line)
	}
	return out
}

func rate(n int64, secs float64) string { return Thousands(int64(float64(n) / secs)) }

// Thousands formats n with commas: 1234567 -> "1,234,567".
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}
