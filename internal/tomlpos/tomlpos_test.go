package tomlpos

import "testing"

func TestKeyLines(t *testing.T) {
	doc := "a = 1\n[t]\n\"q.k\" = 'x' # c\nm = \"\"\"\n[not]\n\"\"\"\narr = [\n 1,\n]\n[[t.l]]\nx = 1\n[[t.l]]\nx = {y = 2}\n"
	d, err := Scan(doc)
	if err != nil {
		t.Fatal(err)
	}
	got := d.Keys
	want := map[string]int{"a": 1, "t": 2, "t.q.k": 3, "t.m": 4, "t.arr": 7, "t.l[0]": 10, "t.l[0].x": 11, "t.l[1]": 12, "t.l[1].x": 13}
	for k, l := range want {
		if got[k] != l {
			t.Errorf("line of %s = %d, want %d (all: %v)", k, got[k], l, got)
		}
	}
	if _, ok := got["not"]; ok {
		t.Errorf("a table header inside a multi-line string was taken for a key")
	}
}
