package codecs

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// avroGuard checks a binary body against a writer schema before goavro
// decodes it. goavro makes room for an array or map block by the item count
// the data claims, up to 2^31, before it reads an item: ten crafted bytes
// under a registered schema with an array would take the process down
// (fatal error: out of memory, which no recover catches). goavro's limit,
// MaxBlockCount, is a package variable; setting it would be global state.
//
// The guard walks the body without allocating and rejects a block that
// claims more items than bytes are left. An item of a valid block takes at
// least one byte, except of a type that takes none (null, an empty record,
// fixed of size 0), which no log schema puts in an array. Only schemas with
// an array or a map need it: without one, goavro allocates no more than the
// body's size.
type avroGuard struct {
	kind     guardKind
	size     int          // of a fixed
	children []*avroGuard // record fields, union branches, array items, map values
}

type guardKind uint8

const (
	guardNull guardKind = iota
	guardBoolean
	guardVarint // int, long, enum
	guardFloat
	guardDouble
	guardBytes // bytes, string
	guardFixed
	guardRecord
	guardUnion
	guardArray
	guardMap
)

// maxGuardDepth bounds the nesting the guard follows, for a recursive
// schema (a linked list) and data that nests it deeply: goavro recurses as
// deep, on the same stack.
const maxGuardDepth = 256

// newAvroGuard builds the guard of a schema goavro has parsed. It returns
// nil when the schema has no array or map and needs none.
func newAvroGuard(schema string) (*avroGuard, error) {
	var v any
	if err := json.Unmarshal([]byte(schema), &v); err != nil {
		return nil, fmt.Errorf("schema is not JSON: %w", err)
	}
	p := guardParser{named: make(map[string]*avroGuard)}
	g, err := p.parse(v, "")
	if err != nil || !p.blocks {
		return nil, err
	}
	return g, nil
}

// guardParser builds an avroGuard, resolving named types as the Avro
// specification says: a name with a dot is a full name, else it is in the
// namespace of the type that encloses it.
type guardParser struct {
	named  map[string]*avroGuard
	blocks bool // an array or map was seen
}

// guardPrimitive returns the kind of a primitive type name.
func guardPrimitive(name string) (guardKind, bool) {
	switch name {
	case "null":
		return guardNull, true
	case "boolean":
		return guardBoolean, true
	case "int", "long":
		return guardVarint, true
	case "float":
		return guardFloat, true
	case "double":
		return guardDouble, true
	case "bytes", "string":
		return guardBytes, true
	}
	return 0, false
}

func (p *guardParser) parse(v any, ns string) (*avroGuard, error) {
	switch v := v.(type) {
	case string:
		if k, ok := guardPrimitive(v); ok {
			return &avroGuard{kind: k}, nil
		}
		if g, ok := p.named[fullName(v, ns)]; ok {
			return g, nil
		}
		if g, ok := p.named[v]; ok {
			return g, nil
		}
		return nil, fmt.Errorf("unknown type %q", v)
	case []any:
		g := &avroGuard{kind: guardUnion}
		for _, b := range v {
			c, err := p.parse(b, ns)
			if err != nil {
				return nil, err
			}
			g.children = append(g.children, c)
		}
		return g, nil
	case map[string]any:
		return p.parseObject(v, ns)
	}
	return nil, fmt.Errorf("unexpected %T in schema", v)
}

func (p *guardParser) parseObject(m map[string]any, ns string) (*avroGuard, error) {
	t, ok := m["type"].(string)
	if !ok {
		return p.parse(m["type"], ns) // {"type": {...}} or {"type": [...]}
	}
	switch t {
	case "record", "error", "enum", "fixed":
		name, _ := m["name"].(string)
		if s, ok := m["namespace"].(string); ok && !strings.Contains(name, ".") {
			ns = s
		}
		full := fullName(name, ns)
		if i := strings.LastIndexByte(full, '.'); i >= 0 {
			ns = full[:i]
		} else {
			ns = ""
		}
		g := &avroGuard{kind: guardVarint}
		switch t {
		case "fixed":
			size, _ := m["size"].(float64)
			g = &avroGuard{kind: guardFixed, size: int(size)}
		case "record", "error":
			g = &avroGuard{kind: guardRecord}
		}
		// Named before its fields are read: a record may refer to itself.
		p.named[full] = g
		if g.kind != guardRecord {
			return g, nil
		}
		fields, _ := m["fields"].([]any)
		for _, f := range fields {
			fm, ok := f.(map[string]any)
			if !ok {
				return nil, errors.New("record field is not an object")
			}
			c, err := p.parse(fm["type"], ns)
			if err != nil {
				return nil, err
			}
			g.children = append(g.children, c)
		}
		return g, nil
	case "array", "map":
		p.blocks = true
		key := "items"
		g := &avroGuard{kind: guardArray}
		if t == "map" {
			key, g.kind = "values", guardMap
		}
		c, err := p.parse(m[key], ns)
		if err != nil {
			return nil, err
		}
		g.children = []*avroGuard{c}
		return g, nil
	}
	return p.parse(t, ns) // a primitive with a logicalType, or a named type
}

func fullName(name, ns string) string {
	if ns == "" || strings.Contains(name, ".") {
		return name
	}
	return ns + "." + name
}

// check walks a body and reports whether goavro may decode it.
func (g *avroGuard) check(b []byte) error {
	rest, err := g.skip(b, 0)
	if err == nil && len(rest) > 0 {
		err = fmt.Errorf("%d bytes left after the record", len(rest))
	}
	return err
}

func (g *avroGuard) skip(b []byte, depth int) ([]byte, error) {
	if depth > maxGuardDepth {
		return nil, fmt.Errorf("nested deeper than %d", maxGuardDepth)
	}
	need := 0
	switch g.kind {
	case guardNull:
	case guardBoolean:
		need = 1
	case guardFloat:
		need = 4
	case guardDouble:
		need = 8
	case guardFixed:
		need = g.size
	case guardVarint:
		_, rest, err := varint(b)
		return rest, err
	case guardBytes:
		n, rest, err := varint(b)
		if err != nil {
			return nil, err
		}
		if n < 0 || n > int64(len(rest)) {
			return nil, fmt.Errorf("length %d with %d bytes left", n, len(rest))
		}
		return rest[n:], nil
	case guardRecord:
		var err error
		for _, c := range g.children {
			if b, err = c.skip(b, depth+1); err != nil {
				return nil, err
			}
		}
		return b, nil
	case guardUnion:
		i, rest, err := varint(b)
		if err != nil || i < 0 || i >= int64(len(g.children)) {
			return nil, fmt.Errorf("union branch %d of %d", i, len(g.children))
		}
		return g.children[i].skip(rest, depth+1)
	case guardArray, guardMap:
		return g.skipBlocks(b, depth)
	}
	if len(b) < need {
		return nil, fmt.Errorf("%d bytes left, want %d", len(b), need)
	}
	return b[need:], nil
}

// skipBlocks skips the blocks of an array or map: counts, each followed by
// as many items, up to a count of 0. A negative count is followed by the
// block's size in bytes.
func (g *avroGuard) skipBlocks(b []byte, depth int) ([]byte, error) {
	for {
		count, rest, err := varint(b)
		if err != nil {
			return nil, err
		}
		b = rest
		if count == 0 {
			return b, nil
		}
		if count < 0 {
			count = -count // MinInt64 stays negative, and fails below
			if _, b, err = varint(b); err != nil {
				return nil, err
			}
		}
		if count < 0 || count > int64(len(b)) {
			return nil, fmt.Errorf("block of %d items in %d bytes", count, len(b))
		}
		key := avroGuard{kind: guardBytes}
		for range count {
			if g.kind == guardMap {
				if b, err = key.skip(b, depth); err != nil {
					return nil, err
				}
			}
			if b, err = g.children[0].skip(b, depth+1); err != nil {
				return nil, err
			}
		}
	}
}

// varint reads a zig-zag varint, Avro's int and long: Go's binary.Varint.
func varint(b []byte) (int64, []byte, error) {
	v, n := binary.Varint(b)
	if n <= 0 {
		return 0, nil, errors.New("bad varint")
	}
	return v, b[n:], nil
}
