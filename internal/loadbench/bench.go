package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kilnbuild/kiln/internal/loadgen"
)

// scenario is one kind of load.
type scenario struct {
	// key names the scenario in -scenarios (SCENARIOS); name is the load alone, label says
	// what a perCPU scenario's figure is per.
	key  string
	name string
	// frontend is the measured haproxy's frontend body (after bind).
	frontend string
	// wrk are extra wrk arguments; path is the URL path requested.
	wrk  []string
	path string
	// pipeline sends this many requests per write (wrk with a lua script).
	pipeline int
	// backend: the scenario proxies to the backend haproxy.
	backend bool
	// perCPU: the figure is requests per haproxy CPU-second, not per second (the proxied
	// scenario is bound by the backend and the load generator sharing one core).
	perCPU bool
	// rss: the haproxy's peak RSS (VmHWM) after this scenario's run is the RSS figure.
	rss bool
}

// label is the scenario's main row in the table.
func (sc scenario) label() string {
	if sc.perCPU {
		return sc.name + ", per haproxy CPU-second"
	}
	return sc.name
}

const reply = `http-request return status 200 content-type text/plain string "kiln: haproxy is up\n"`

var scenarios = []scenario{
	{key: "direct", name: "direct `http-request return`", frontend: reply, path: "/", rss: true},
	{key: "pipelined", name: "16-deep pipelining", frontend: reply, path: "/", pipeline: 16},
	{key: "proxied", name: "proxied", frontend: "default_backend be", path: "/small", backend: true, perCPU: true},
	{
		key:      "gzip",
		name:     "gzip of a 64 KiB body",
		frontend: "compression algo gzip\n    compression type text/plain\n    default_backend be",
		path:     "/big", backend: true,
		wrk: []string{"-H", "Accept-Encoding: gzip"},
	},
}

type bench struct {
	ref  binary
	bins []binary
	// only are the scenarios measured (-scenarios); nil measures them all.
	only    []scenario
	tunes   []string
	targets []target
	// comparisons are the -compare pairs, each a table after the targets.
	comparisons []comparison
	duration    time.Duration
	warmup      time.Duration
	conns       int
	disturb     float64
	retries     int
	hcpu        string
	lcpu        string
	log         io.Writer
	dir         string
	// shared runs each binary at the same time as the reference, on one core (together).
	shared bool
	// instrShort and instrLong are the two loads of the instruction count (0: not counted).
	instrShort, instrLong time.Duration
}

// aaLabel is the column of the reference measured again as one more binary (an A/A test):
// any distance of its ratios from 1.00 is the machine's noise, and a kiln binary's ratio
// means something only beyond that.
const aaLabel = "glibc reference again (A/A)"

// sample is one measured run.
type sample struct {
	rate      float64 // requests per second, or per haproxy CPU-second
	perCPU    float64 // requests per haproxy CPU-second (what the machine's other load disturbs least)
	perUser   float64 // requests per second of haproxy's user CPU time (0: it used none in the run)
	hwmKiB    int64   // haproxy's VmHWM at the end of the run
	outside   float64 // cores used outside the benchmark's processes during the run
	disturbed bool    // kept although outside > disturb (retries exhausted)
}

// results holds every kept sample: [scenario][binary index, 0 = reference].
type results struct {
	samples [][][]sample
	// partner, with -shared: [scenario][binary index] the reference's runs at the same time
	// as that binary's, which its ratios divide by; nil otherwise.
	partner   [][][]sample
	instr     [][]float64 // [scenario][binary]: instructions per request, nil when not counted
	discarded int
	rounds    int
}

func (b *bench) all() []binary { return append([]binary{b.ref}, b.bins...) }

// scenarios are the scenarios this benchmark measures.
func (b *bench) scenarios() []scenario {
	if b.only == nil {
		return scenarios
	}
	return b.only
}

// pickScenarios reads -scenarios: a comma-separated list of scenario keys, in the table's
// order whatever the list's.
func pickScenarios(list string) ([]scenario, error) {
	want := map[string]bool{}
	for _, k := range strings.Split(list, ",") {
		if k = strings.TrimSpace(k); k != "" {
			want[k] = true
		}
	}
	var keys []string
	var out []scenario
	for _, sc := range scenarios {
		keys = append(keys, sc.key)
		if want[sc.key] {
			out = append(out, sc)
			delete(want, sc.key)
		}
	}
	if len(want) > 0 {
		unknown := slices.Sorted(maps.Keys(want))
		return nil, fmt.Errorf("-scenarios: unknown scenario %q (want some of %s)", strings.Join(unknown, ","), strings.Join(keys, ", "))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-scenarios %q names no scenario (want some of %s)", list, strings.Join(keys, ", "))
	}
	return out, nil
}

func (b *bench) run(rounds int) (*results, error) {
	dir, err := os.MkdirTemp("", "loadbench")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	b.dir = dir
	if err := writeBody(filepath.Join(dir, "body")); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "pipeline.lua"), []byte(pipelineLua), 0o644); err != nil {
		return nil, err
	}
	bins := b.all()
	for _, bin := range bins {
		if _, err := os.Stat(bin.path); err != nil {
			return nil, fmt.Errorf("%s: %w", bin.label, err)
		}
	}
	backend, bport, err := b.startBackend()
	if err != nil {
		return nil, err
	}
	defer backend.stop()

	scs := b.scenarios()
	res := &results{rounds: rounds, samples: make([][][]sample, len(scs))}
	for i := range res.samples {
		res.samples[i] = make([][]sample, len(bins))
	}
	if b.shared {
		res.partner = make([][][]sample, len(scs))
		for i := range res.partner {
			res.partner[i] = make([][]sample, len(bins))
		}
	}
	for r := 0; r < rounds; r++ {
		for si, sc := range scs {
			// Every other round runs the binaries in reverse order, so none always runs just
			// after the reference (or just before a scenario change) while the machine drifts.
			// With -shared the reference runs beside each of the others instead.
			order := make([]int, 0, len(bins))
			for i := range bins {
				if i > 0 || !b.shared {
					order = append(order, i)
				}
			}
			if r%2 == 1 {
				slices.Reverse(order)
			}
			for _, bi := range order {
				bin := bins[bi]
				for try := 0; ; try++ {
					var s, ref sample
					var err error
					if b.shared {
						s, ref, err = b.together(sc, bin, bport, backend)
					} else {
						s, err = b.once(sc, bin, bport, backend)
					}
					if err != nil {
						return nil, fmt.Errorf("round %d, %s, %s: %w", r+1, sc.name, bin.label, err)
					}
					fmt.Fprintf(b.log, "round %d  %-34s %-18s %12.0f  hwm %6d KiB  outside %.2f cores\n",
						r+1, sc.name, bin.label, s.rate, s.hwmKiB, s.outside)
					if b.shared {
						fmt.Fprintf(b.log, "round %d  %-34s %-18s %12.0f  hwm %6d KiB  (at the same time as %s)\n",
							r+1, sc.name, b.ref.label, ref.rate, ref.hwmKiB, bin.label)
					}
					disturbed := s.outside > b.disturb
					if disturbed && try < b.retries {
						res.discarded++
						fmt.Fprintf(b.log, "  disturbed (%.2f cores outside the benchmark > %.2f): discarded, retrying\n", s.outside, b.disturb)
						continue
					}
					s.disturbed, ref.disturbed = disturbed, disturbed
					res.samples[si][bi] = append(res.samples[si][bi], s)
					if b.shared {
						res.partner[si][bi] = append(res.partner[si][bi], ref)
					}
					break
				}
			}
		}
	}
	if b.shared {
		// The reference's own column: its runs beside the first binary.
		for si := range scs {
			res.samples[si][0] = res.partner[si][1]
		}
	}
	if b.instrLong > 0 {
		res.instr = make([][]float64, len(scs))
		for si, sc := range scs {
			res.instr[si] = make([]float64, len(bins))
			for bi, bin := range bins {
				if bi > 0 && bin.path == b.ref.path {
					res.instr[si][bi] = res.instr[si][0] // the same binary: the count does not vary
					continue
				}
				n, err := b.instructions(sc, bin, bport)
				if err != nil {
					return nil, fmt.Errorf("instructions, %s, %s: %w", sc.name, bin.label, err)
				}
				fmt.Fprintf(b.log, "instructions  %-34s %-18s %12.0f per request\n", sc.name, bin.label, n)
				res.instr[si][bi] = n
			}
		}
	}
	return res, nil
}

// proc is a started haproxy.
type proc struct {
	cmd  *exec.Cmd
	done chan error
	out  *bytes.Buffer
}

func (p *proc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second): // valgrind writes its counts on the way out
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

func (b *bench) global() string {
	var s strings.Builder
	s.WriteString("global\n    nbthread 1\n    maxconn 4096\n")
	for _, t := range b.tunes {
		fmt.Fprintf(&s, "    %s\n", t)
	}
	s.WriteString("\ndefaults\n    mode http\n    timeout connect 5s\n    timeout client 30s\n    timeout server 30s\n\n")
	return s.String()
}

func (b *bench) startBackend() (*proc, int, error) {
	port, err := loadgen.FreePort()
	if err != nil {
		return nil, 0, err
	}
	// The backend's buffers hold the 64 KiB body (http-request return's payload must fit one).
	cfg := fmt.Sprintf(`global
    nbthread 1
    maxconn 4096
    tune.bufsize 131072

defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend be
    bind 127.0.0.1:%d
    http-request return status 200 content-type text/plain file %s if { path /big }
    http-request return status 200 content-type text/plain string "ok\n"
`, port, filepath.Join(b.dir, "body"))
	p, err := b.start(b.ref.path, b.lcpu, "backend.cfg", cfg, port)
	return p, port, err
}

func (b *bench) start(bin, cpu, name, cfg string, port int, wrap ...string) (*proc, error) {
	path := filepath.Join(b.dir, name)
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	args := append(append([]string{"-c", cpu}, wrap...), bin, "-f", path, "-db")
	cmd := exec.Command("taskset", args...)
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd, done: make(chan error, 1), out: out}
	go func() { p.done <- cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second) // under valgrind, start-up takes seconds
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return p, nil
		}
		select {
		case err := <-p.done:
			return nil, fmt.Errorf("%s exited before listening (%v): %s", bin, err, strings.TrimSpace(out.String()))
		default:
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("%s: not listening on port %d after 30 s: %s", bin, port, strings.TrimSpace(out.String()))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// config is the measured haproxy's configuration for a scenario.
func (b *bench) config(sc scenario, port, bport int) string {
	cfg := b.global() + fmt.Sprintf("frontend fe\n    bind 127.0.0.1:%d\n    %s\n", port, sc.frontend)
	if sc.backend {
		cfg += fmt.Sprintf("\nbackend be\n    server s1 127.0.0.1:%d\n", bport)
	}
	return cfg
}

// once starts bin, warms it up, measures one run and stops it.
func (b *bench) once(sc scenario, bin binary, bport int, backend *proc) (sample, error) {
	s, err := b.measure(sc, []binary{bin}, bport, backend)
	if err != nil {
		return sample{}, err
	}
	return s[0], nil
}

// together is a run of bin and the reference at the same time, both pinned to the haproxy
// CPU, each loaded by a wrk of its own on the load CPU (-shared). The scheduler hands the one
// core to each in turn, every few milliseconds, so whatever slows the machine during the run
// slows both alike: each serves requests in proportion to how little CPU a request costs it,
// and the ratio of the two is that of their costs, free of the drift between runs seconds
// apart that the ratios of separate runs carry. What it adds is the other's cache footprint:
// each resumes on a core the other has just used.
func (b *bench) together(sc scenario, bin binary, bport int, backend *proc) (x, ref sample, err error) {
	s, err := b.measure(sc, []binary{bin, b.ref}, bport, backend)
	if err != nil {
		return sample{}, sample{}, err
	}
	return s[0], s[1], nil
}

// measure starts every binary of bins at once on the haproxy CPU, warms each up, loads each
// with its own wrk at the same time for one run, and stops them: one sample per binary. The
// run's outside figure is the machine's CPU time less that of the haproxies, the backend and
// the wrks, the same for every sample of the run.
func (b *bench) measure(sc scenario, bins []binary, bport int, backend *proc) ([]sample, error) {
	var procs []*proc
	defer func() {
		for _, p := range procs {
			p.stop()
		}
	}()
	var urls []string
	var pids []int
	for i, bin := range bins {
		port, err := loadgen.FreePort()
		if err != nil {
			return nil, err
		}
		p, err := b.start(bin.path, b.hcpu, fmt.Sprintf("haproxy-%d.cfg", i), b.config(sc, port, bport), port)
		if err != nil {
			return nil, err
		}
		procs = append(procs, p)
		pids = append(pids, p.cmd.Process.Pid)
		urls = append(urls, fmt.Sprintf("http://127.0.0.1:%d%s", port, sc.path))
	}
	if b.warmup > 0 {
		if _, err := b.wrkAll(sc, urls, b.warmup); err != nil {
			return nil, fmt.Errorf("warm-up: %w", err)
		}
	}
	var others []int
	if sc.backend {
		others = append(others, backend.cmd.Process.Pid)
	}
	c0, err := readCPU(pids, others)
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	runs, err := b.wrkAll(sc, urls, b.duration)
	if err != nil {
		return nil, err
	}
	elapsed := time.Since(t0).Seconds()
	c1, err := readCPU(pids, others)
	if err != nil {
		return nil, err
	}
	wrkCPU := 0.0
	for _, w := range runs {
		wrkCPU += w.cpu
	}
	outside := max(0, (c1.busy-c0.busy)-(c1.own-c0.own)-wrkCPU) / elapsed
	samples := make([]sample, len(bins))
	for i, w := range runs {
		if w.errors > 0 {
			return nil, fmt.Errorf("%s: wrk saw %d errors or non-2xx responses", bins[i].label, w.errors)
		}
		cpu := c1.haproxy[i] - c0.haproxy[i]
		if cpu <= 0 {
			return nil, fmt.Errorf("%s: haproxy used no CPU time", bins[i].label)
		}
		hwm, err := vmHWM(pids[i])
		if err != nil {
			return nil, err
		}
		s := sample{rate: w.rate, hwmKiB: hwm, perCPU: float64(w.requests) / cpu, outside: outside}
		if user := c1.user[i] - c0.user[i]; user > 0 {
			s.perUser = float64(w.requests) / user
		}
		if sc.perCPU {
			s.rate = s.perCPU
		}
		samples[i] = s
	}
	return samples, nil
}

// cpuTimes is one reading of the CPU seconds a run is judged by.
type cpuTimes struct {
	busy    float64   // the whole machine (cpuBusy)
	own     float64   // the benchmark's processes: the measured haproxies and, if any, the backend
	haproxy []float64 // each measured haproxy alone
	user    []float64 // each measured haproxy's user time alone: its code, not the kernel's
}

// readCPU reads the machine's CPU time, each measured haproxy's (pids) and that of the
// benchmark's other processes (others: the backend).
func readCPU(pids, others []int) (cpuTimes, error) {
	var c cpuTimes
	var err error
	if c.busy, err = cpuBusy(); err != nil {
		return c, err
	}
	for _, pid := range pids {
		user, sys, err := procTimes(pid)
		if err != nil {
			return c, err
		}
		c.haproxy, c.user = append(c.haproxy, user+sys), append(c.user, user)
		c.own += user + sys
	}
	rest, err := procCPU(others...)
	c.own += rest
	return c, err
}

// wrkRun is one wrk's figures and the CPU time it used.
type wrkRun struct {
	wrkResult
	cpu float64
}

// wrkAll runs one wrk per URL at the same time, each pinned to the load CPU.
func (b *bench) wrkAll(sc scenario, urls []string, d time.Duration) ([]wrkRun, error) {
	runs := make([]wrkRun, len(urls))
	errs := make([]error, len(urls))
	var wg sync.WaitGroup
	for i, url := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runs[i].wrkResult, runs[i].cpu, errs[i] = b.wrk(sc, url, d)
		}()
	}
	wg.Wait()
	return runs, errors.Join(errs...)
}

// wrk runs wrk pinned to the load CPU and returns its figures and the CPU time it used.
func (b *bench) wrk(sc scenario, url string, d time.Duration) (wrkResult, float64, error) {
	secs := max(1, int(d.Round(time.Second)/time.Second))
	args := []string{"-c", b.lcpu, "wrk", "-t1", "-c", fmt.Sprint(b.conns), "-d", fmt.Sprintf("%ds", secs)}
	args = append(args, sc.wrk...)
	if sc.pipeline > 0 {
		args = append(args, "-s", filepath.Join(b.dir, "pipeline.lua"))
	}
	args = append(args, url)
	if sc.pipeline > 0 {
		args = append(args, "--", fmt.Sprint(sc.pipeline))
	}
	ctx, cancel := context.WithTimeout(context.Background(), d+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "taskset", args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return wrkResult{}, 0, fmt.Errorf("wrk: %v: %s", err, strings.TrimSpace(out.String()))
	}
	w, err := parseWrk(out.String())
	if err != nil {
		return wrkResult{}, 0, err
	}
	cpu := (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	return w, cpu, nil
}

// instructions is the number of instructions bin executes per request in a scenario,
// counted by valgrind's cachegrind: haproxy runs under it twice, for a short and a long load,
// and the difference between the two runs cancels start-up and shutdown. Unlike a rate, the
// count does not move with other load or a virtual machine's neighbours, so it resolves
// differences of a few percent that timed runs on a shared machine cannot; it weighs every
// instruction alike (a slow one as much as a fast one), so it complements the rates.
func (b *bench) instructions(sc scenario, bin binary, bport int) (float64, error) {
	var ir, reqs [2]float64
	for i, d := range []time.Duration{b.instrShort, b.instrLong} {
		port, err := loadgen.FreePort()
		if err != nil {
			return 0, err
		}
		out := filepath.Join(b.dir, "cachegrind.out")
		os.Remove(out)
		p, err := b.start(bin.path, b.hcpu, "haproxy.cfg", b.config(sc, port, bport), port,
			"valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file="+out)
		if err != nil {
			return 0, err
		}
		w, _, err := b.wrk(sc, fmt.Sprintf("http://127.0.0.1:%d%s", port, sc.path), d)
		p.stop()
		if err != nil {
			return 0, err
		}
		if w.errors > 0 {
			return 0, fmt.Errorf("wrk saw %d errors or non-2xx responses", w.errors)
		}
		n, err := cachegrindTotal(out)
		if err != nil {
			return 0, fmt.Errorf("%s under cachegrind: %w: %s", bin.label, err, strings.TrimSpace(p.out.String()))
		}
		ir[i], reqs[i] = n, float64(w.requests)
	}
	if reqs[1] <= reqs[0] || ir[1] <= ir[0] {
		return 0, fmt.Errorf("%s: the long run (%v) served %.0f requests in %.0f instructions, the short one %.0f in %.0f: no difference to measure",
			bin.label, b.instrLong, reqs[1], ir[1], reqs[0], ir[0])
	}
	return (ir[1] - ir[0]) / (reqs[1] - reqs[0]), nil
}

// pipelineLua makes wrk send N requests per write (wrk counts every response).
const pipelineLua = `
init = function(args)
  local n = tonumber(args[1]) or 16
  local r = {}
  for i = 1, n do r[i] = wrk.format(nil) end
  req = table.concat(r)
end
request = function() return req end
`

// benchWords are the words of the benchmark's gzip body (loadgen.Prose, seeds 1 and 2).
const benchWords = `the quick brown fox jumps over lazy dog kiln builds small
	reproducible images haproxy serves traffic load balancer request response header
	body buffer connection server client proxy backend frontend timeout memory pool`

// writeBody writes the benchmark's 64 KiB text body, the same bytes every run.
func writeBody(path string) error {
	return os.WriteFile(path, loadgen.Prose(benchWords, 1, 2), 0o644)
}
