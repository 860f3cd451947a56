package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKafkaBrokerKill9 kills the Apache Kafka broker that
// integration/kafka/start.sh started (SIGKILL, by the pid in its pid file)
// while two `streamsgd run` instances process a stream, and starts it
// again over the same data dir (KAFKA_KEEP_DATA=1). Every row must be
// predicted and the models must equal a reference run's, bit for bit: the
// transactional table writes and the idempotent producers' state survive
// in Kafka's logs. It runs only against that broker (STREAMSGD_BROKERS and
// STREAMSGD_KAFKA_KILL=1).
func TestKafkaBrokerKill9(t *testing.T) {
	if os.Getenv("STREAMSGD_BROKERS") == "" || os.Getenv("STREAMSGD_KAFKA_KILL") == "" {
		t.Skip("kills the broker of integration/kafka/start.sh: set STREAMSGD_BROKERS and STREAMSGD_KAFKA_KILL=1")
	}
	const rows = 60000
	began := time.Now()
	brokers := cluster(t)
	adm := admin(t, brokers)
	bin := buildCLI(t)
	input := inputTopic(t, brokers, "brokerkill-sensors", crashPartitions)
	keys, values := sensorCSV(rows, crashSensors, crashSeed)

	name := unique("brokerkill")
	yaml := sensorYAML(name, input, crashPartitions)
	config := writeFile(t, "brokerkill.yaml", []byte(yaml))
	p := pipeline(t, brokers, config, yaml)
	watch := watchTable(t, brokers, p)
	produced := producePaced(t, brokers, input, keys, values, 40*time.Second)
	a := startRun(t, bin, config, brokers, t.TempDir(), "brokerkill-a")
	b := startRun(t, bin, config, brokers, t.TempDir(), "brokerkill-b")
	waitGrowth(t, adm, string(p.Topics.Predictions), 0, 60*time.Second, a, b)
	time.Sleep(5 * time.Second)

	pidfile := filepath.Join("..", ".cache", "kafka", "kafka.pid")
	raw, err := os.ReadFile(pidfile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	before := endOffsets(t, adm, string(p.Topics.Predictions))
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	t.Logf("killed the broker (pid %d) after %d predictions", pid, before)
	for syscall.Kill(pid, 0) == nil {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(3 * time.Second)
	start := exec.Command(filepath.Join("kafka", "start.sh"))
	start.Env = append(os.Environ(), "KAFKA_KEEP_DATA=1")
	if out, err := start.CombinedOutput(); err != nil {
		t.Fatalf("restart the broker: %v\n%s", err, out)
	}
	t.Logf("broker restarted over its data dir after %v", time.Since(began).Round(time.Second))
	// The reference runs in this process, after the restart: an in-process
	// run that restarts fails the test.
	ref := startReference(t, brokers, input)
	produced()
	repeated := verifyRun(t, brokers, p, input, ref, watch, a, b)
	watch.close()
	if n := len(watch.regressions); n != 0 {
		t.Errorf("%d records of the learn table went back to fewer rows (first: %s)", n, watch.regressions[0])
	}
	t.Logf("rows %d, %d predicted twice, took %v", rows, repeated, time.Since(began).Round(time.Millisecond))
}
