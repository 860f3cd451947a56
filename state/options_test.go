package state

import (
	"errors"
	"strings"
	"testing"
)

func TestOptionsEnsureDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   Options
		want Options
	}{
		{"zero", Options{Dir: "d"}, Options{Dir: "d", CacheSize: DefaultCacheSize, MemTableSize: DefaultMemTableSize}},
		{"kept", Options{Dir: "d", CacheSize: 1, MemTableSize: 2, DisableWAL: true, InMemory: true},
			Options{Dir: "d", CacheSize: 1, MemTableSize: 2, DisableWAL: true, InMemory: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.in
			got.EnsureDefaults()
			if got != tt.want {
				t.Fatalf("EnsureDefaults = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name  string
		opts  Options
		field string // "" when valid
	}{
		{"defaults", Options{Dir: "d"}, ""},
		{"no-dir", Options{}, "Dir"},
		{"negative-cache", Options{Dir: "d", CacheSize: -1}, "CacheSize"},
		{"memtable-4GiB", Options{Dir: "d", MemTableSize: 4 << 30}, "MemTableSize"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			o.EnsureDefaults()
			err := o.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidOptions) || !strings.Contains(err.Error(), tt.field) {
				t.Fatalf("Validate = %v, want ErrInvalidOptions naming %s", err, tt.field)
			}
		})
	}
	if err := (Options{Dir: "d"}).Validate(); err == nil {
		t.Fatal("Validate without EnsureDefaults accepted MemTableSize 0")
	}
}

func TestOptionsSize(t *testing.T) {
	tests := []struct {
		name     string
		share    int64
		cache    int64
		memtable uint64
	}{
		{"8MiB", 8 << 20, 2 << 20, 2 << 20},
		{"small", 512 << 10, 128 << 10, MinMemTableSize},
		{"zero", 0, 1, MinMemTableSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Options{Dir: "d"}
			o.Size(tt.share)
			if o.CacheSize != tt.cache || o.MemTableSize != tt.memtable {
				t.Fatalf("Size(%d): cache %d, memtable %d; want %d, %d", tt.share, o.CacheSize, o.MemTableSize, tt.cache, tt.memtable)
			}
			if err := o.Validate(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
