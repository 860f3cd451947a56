package operations

import (
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/topology"
)

// TestCheckLabelPartitions: the labels topic of delayed labels must have
// the pipeline's partitions, since the join reads it copartitioned with
// <p>.features; a pipeline without delayed labels has nothing to check.
func TestCheckLabelPartitions(t *testing.T) {
	build := func(yaml string) *topology.Pipeline {
		c, err := config.Parse([]byte(yaml), "p.yaml")
		if err != nil {
			t.Fatal(err)
		}
		p, err := topology.Build(c)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	delayed := build("name: p\npartitions: 3\ninput: {topics: [in], columns: [a, b], labels: {topic: lab}}\nmodels: [{name: m}]\n")
	plain := build("name: p\npartitions: 3\ninput: {topics: [in], columns: [a, b]}\nmodels: [{name: m}]\n")
	details := func(n int) kadm.TopicDetails {
		d := kadm.TopicDetail{Topic: "lab", Partitions: kadm.PartitionDetails{}}
		for i := range n {
			d.Partitions[int32(i)] = kadm.PartitionDetail{Topic: "lab", Partition: int32(i)}
		}
		return kadm.TopicDetails{"lab": d}
	}
	for _, tc := range []struct {
		name string
		p    *topology.Pipeline
		n    int
		want string
	}{
		{"same partitions", delayed, 3, ""},
		{"fewer", delayed, 2, `the labels topic "lab" has 2 partitions, want the pipeline's 3`},
		{"no delayed labels", plain, 5, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkLabelPartitions(details(tc.n), tc.p)
			if (err == nil) != (tc.want == "") || err != nil && !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}
