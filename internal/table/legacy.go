package table

import (
	"encoding/json"
	"fmt"

	"github.com/logpulse/logpulse/codecs"
)

// Values written before the wire format (wire.go) are JSON: an object with
// the JSON names of Delta's and Value's fields, counts as a map from level
// name, messages as a map from level name to {"counts":{...},"other":n}.
// They stay in the compacted table until their key is written again, so
// they are read as encoding/json reads them, which is what the releases
// that wrote them did; nothing writes them any more. The golden files of
// testdata/golden/json pin what is read.

// decodeLegacy reads a JSON value into v.
func decodeLegacy(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode JSON table value: %w", err)
	}
	return nil
}

// UnmarshalJSON reads the level-name map the JSON format wrote. A level
// this build does not know (written by a newer one) is skipped, not an
// error: an error would stop the aggregate on that delta for good.
func (c *Counts) UnmarshalJSON(b []byte) error {
	var m map[string]int64
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*c = Counts{}
	for name, n := range m {
		if l, ok := codecs.LevelByName(name); ok {
			c[l] = n
		}
	}
	return nil
}

// UnmarshalJSON reads the map from level name to Messages the JSON format
// wrote; unknown levels are skipped.
func (lm *LevelMessages) UnmarshalJSON(b []byte) error {
	var in map[string]*Messages
	if err := json.Unmarshal(b, &in); err != nil {
		return fmt.Errorf("messages: %w", err)
	}
	*lm = LevelMessages{}
	for name, m := range in {
		if l, ok := codecs.LevelByName(name); ok && m != nil {
			if m.Counts == nil {
				m.Counts = make(map[string]int64)
			}
			lm[l] = m
		}
	}
	return nil
}
