package knowledge

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// syntaxAt puts a YAML syntax error at the line a maintainer must fix.
// yaml.v3 reports some errors where the construct they break began, not
// where it broke: an unclosed "[" a line early, a key dedented out of its
// list item at the line the list began. For those two it reads the text
// itself; any other error is left as it is.
func syntaxAt(data []byte, err error) error {
	g := yamlLine.FindStringSubmatch(err.Error())
	if g == nil {
		return err
	}
	reported, _ := strconv.Atoi(g[1])
	msg := g[2]
	lines := strings.Split(string(data), "\n")
	line := 0
	switch {
	case strings.Contains(msg, "did not find expected ',' or ']'"), strings.Contains(msg, "did not find expected ',' or '}'"):
		line = unclosedFlow(lines, reported)
	case strings.Contains(msg, "did not find expected '-' indicator"), strings.Contains(msg, "did not find expected key"):
		line = outOfItem(lines, reported)
	}
	if line == 0 {
		return err
	}
	return fmt.Errorf("line %d: %s", line, strings.TrimPrefix(msg, "yaml: "))
}

// flowOpen is a key or item whose value opens a flow collection.
var flowOpen = regexp.MustCompile(`^\s*(?:-\s+)?(?:[^#'"\s][^#:]*:\s+)?[\[{]`)

// unclosedFlow finds, from line from-1 on, the first line that opens a
// "[" or "{" it does not close, with the next line not carrying it on (it
// is a new key or item at the same depth or less). 0 when none.
func unclosedFlow(lines []string, from int) int {
	for i := max(0, from-2); i < len(lines); i++ {
		l := lines[i]
		if !flowOpen.MatchString(l) || balance(l) <= 0 {
			continue
		}
		next := i + 1
		for next < len(lines) && strings.TrimSpace(lines[next]) == "" {
			next++
		}
		if next == len(lines) || indent(lines[next]) <= indent(l) {
			return i + 1
		}
	}
	return 0
}

// balance is how many more "[" and "{" than "]" and "}" a line has,
// outside quotes and comments.
func balance(l string) int {
	n := 0
	var quote rune
	for _, r := range l {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '#':
			return n
		case r == '[' || r == '{':
			n++
		case r == ']' || r == '}':
			n--
		}
	}
	return n
}

// outOfItem finds, after line from, the first line at the depth of a
// list's items that is not an item ("- "): a key dedented out of the item
// it belongs to. 0 when none.
func outOfItem(lines []string, from int) int {
	type level struct {
		indent int
		list   bool // its lines are "- " items
	}
	var stack []level
	block := -1 // the indent of a block scalar's key while inside it
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		in := indent(l)
		if block >= 0 {
			if in > block {
				continue
			}
			block = -1
		}
		for len(stack) > 0 && stack[len(stack)-1].indent > in {
			stack = stack[:len(stack)-1]
		}
		item := strings.HasPrefix(t, "- ") || t == "-"
		switch {
		case len(stack) == 0 || stack[len(stack)-1].indent < in:
			stack = append(stack, level{in, item})
		case stack[len(stack)-1].list && !item && i+1 > from:
			return i + 1
		}
		if strings.HasSuffix(t, "|-") || strings.HasSuffix(t, "|") || strings.HasSuffix(t, ">") || strings.HasSuffix(t, ">-") {
			block = in
		}
	}
	return 0
}

func indent(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }
