package state

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/lovoo/goka/storage"
)

// Builder returns a goka storage.Builder that opens one Store per table
// partition in o.Dir/<topic>.<partition>, like goka's LevelDB builder.
// Characters of the topic outside [A-Za-z0-9._-] are escaped as %XX, so
// distinct topics never share a directory. Invalid options make every call
// fail. With o.InMemory, all partitions share one in-memory filesystem.
func Builder(o Options) storage.Builder {
	o.EnsureDefaults()
	verr := o.Validate()
	fs := o.filesystem()
	return func(topic string, partition int32) (storage.Storage, error) {
		if verr != nil {
			return nil, verr
		}
		name, err := partitionDir(topic, partition)
		if err != nil {
			return nil, err
		}
		return open(filepath.Join(o.Dir, name), o, fs)
	}
}

// partitionDir names the directory of one partition.
func partitionDir(topic string, partition int32) (string, error) {
	if topic == "" || partition < 0 {
		return "", fmt.Errorf("%w: topic %q partition %d", ErrInvalidPartition, topic, partition)
	}
	return escapeTopic(topic) + "." + strconv.Itoa(int(partition)), nil
}

// escapeTopic keeps the characters Kafka allows in topic names and escapes
// every other byte (and '%') as %XX: the mapping is one to one and the
// result holds no path separator.
func escapeTopic(topic string) string {
	var b strings.Builder
	for i := 0; i < len(topic); i++ {
		c := topic[i]
		if safeByte(c) {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// safeByte reports whether c may appear unescaped in a directory name.
func safeByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return c == '.' || c == '_' || c == '-'
}
