package userid

import (
	"strings"
	"testing"
)

func TestHash(t *testing.T) {
	id := "U4af4980629e7d1d2c6a1d8a2b9d1e5f7"
	a := Hash("salt-1", id)
	if a != Hash("salt-1", id) {
		t.Fatal("the same id and salt gave two pseudonyms")
	}
	if a == Hash("salt-2", id) {
		t.Fatal("another salt gave the same pseudonym")
	}
	if a == Hash("salt-1", id+"x") {
		t.Fatal("two ids gave the same pseudonym")
	}
	if len(a) != 16 || strings.Contains(a, id[:8]) {
		t.Fatalf("pseudonym %q is not 16 hex digits free of the id", a)
	}
	if Hash("salt-1", "") != "" {
		t.Fatal("an empty id should give an empty pseudonym")
	}
}
