package filelearn

import (
	"bufio"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/processors"
	"github.com/streamsgd/streamsgd/registry"
)

// Save writes every key of r into dir as an export (registry.Write in
// format, as `streamsgd models export` writes a version): version 1 of the
// key, named <key>.<format> with the key path-escaped. `streamsgd score
// --model-file` serves such a file. It returns the files written.
func Save(dir, format string, r Result, at time.Time) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var files []string
	for _, key := range r.Keys() {
		st := r.States[key]
		path := filepath.Join(dir, url.PathEscape(key)+"."+format)
		if err := save(path, format, st, r.Spec, at); err != nil {
			return files, fmt.Errorf("filelearn: save %s: %w", key, err)
		}
		files = append(files, path)
	}
	return files, nil
}

func save(path, format string, st *table.ModelState, spec processors.ModelSpec, at time.Time) error {
	v, err := processors.NewVersion(st, spec, at)
	if err != nil {
		return err
	}
	v.ID = 1
	reg := &table.Registry{Model: st.Model, Key: st.Key, LastID: 1, Versions: []table.Version{v}}
	e, err := registry.NewExport(reg, &reg.Versions[0])
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	err = registry.Write(w, e, format)
	return errors.Join(err, w.Flush(), f.Close())
}
