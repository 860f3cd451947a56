package state_test

import (
	"fmt"

	"github.com/streamsgd/streamsgd/state"
)

// A Store on pebble's in-memory filesystem, used the way goka uses a table
// partition's storage.
func Example() {
	st, err := state.Open("table.0", state.Options{InMemory: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.Close()

	_ = st.Set("user-2", []byte("bob"))
	_ = st.Set("user-1", []byte("alice"))
	_ = st.SetOffset(41) // written with the next Set, or by Close

	v, _ := st.Get("user-1")
	missing, _ := st.Get("user-9")
	off, _ := st.GetOffset(-1)
	fmt.Printf("user-1=%s user-9=%v offset=%d\n", v, missing, off)

	it, _ := st.Iterator() // key order; the offset is not a key
	defer it.Release()
	for it.Next() {
		v, _ := it.Value()
		fmt.Printf("%s=%s\n", it.Key(), v)
	}
	// Output:
	// user-1=alice user-9=[] offset=41
	// user-1=alice
	// user-2=bob
}
