package codecs

// The keys structured payloads (JSON and logfmt) name their fields with. Each
// field has several aliases; the first present in this order wins, whatever
// the order in the payload, so that a record decodes the same however its
// producer orders keys.
//
//	time     timestamp, ts, time, @timestamp, date, _SOURCE_REALTIME_TIMESTAMP, __REALTIME_TIMESTAMP, t{$date}
//	level    level, severity, lvl, loglevel, log.level, PRIORITY, s (MongoDB), log{level}
//	message  message, msg, text, log (a string), short_message
//	service  service (a string or {name}), app, application, service.name, SYSLOG_IDENTIFIER, container_name, _container_name
//	host     host (a string or {name}), hostname, host.name, _HOSTNAME
//
// The upper-case and underscored ones are journald's JSON export, GELF's
// short_message, and the container names of Docker's fluentd and GELF drivers.
//
// Keys match ignoring case ("Level", "MESSAGE"), an exact match first.

type field uint8

const (
	fieldTime field = iota
	fieldLevel
	fieldMessage
	fieldService
	fieldHost
	numFields
)

// maxAliases is the most aliases any field has.
const maxAliases = 8

// rankLogObject is the rank of "log" as a level: only a JSON object
// ({"log": {"level": ...}}) holds one.
const rankLogObject = 7

// MongoDB 4.4 on logs JSON as {"t": {"$date": ...}, "s": "I", "msg": ...}.
// Such short keys count only in that shape: "t" as an object with a
// "$date", "s" as one of MongoDB's severities (F E W I D D1-D5).
const (
	rankMongoTime     = 7
	rankMongoSeverity = 6
)

// rankPriority is journald's PRIORITY, which counts only spelled so.
const rankPriority = 5

// role is what a key means: the field it names and its rank among the
// field's aliases, 0 most preferred.
type role struct {
	field field
	rank  uint8
}

// rolesOf returns the roles of a payload key. "log" has two: Docker writes
// the message as {"log": "..."}, ECS the level as {"log": {"level": ...}}.
func rolesOf[S ~string | ~[]byte](key S) (roles [2]role, n int) {
	var buf [32]byte
	if len(key) > len(buf) {
		return roles, 0
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	one := func(f field, rank uint8) ([2]role, int) { return [2]role{{f, rank}}, 1 }
	switch string(buf[:len(key)]) {
	case "timestamp":
		return one(fieldTime, 0)
	case "ts":
		return one(fieldTime, 1)
	case "time":
		return one(fieldTime, 2)
	case "@timestamp":
		return one(fieldTime, 3)
	case "date":
		return one(fieldTime, 4)
	case "_source_realtime_timestamp":
		return one(fieldTime, 5)
	case "__realtime_timestamp":
		return one(fieldTime, 6)
	case "t":
		return one(fieldTime, rankMongoTime)
	case "level":
		return one(fieldLevel, 0)
	case "severity":
		return one(fieldLevel, 1)
	case "lvl":
		return one(fieldLevel, 2)
	case "loglevel":
		return one(fieldLevel, 3)
	case "log.level":
		return one(fieldLevel, 4)
	case "priority":
		return one(fieldLevel, rankPriority)
	case "s":
		return one(fieldLevel, rankMongoSeverity)
	case "log":
		return [2]role{{fieldMessage, 3}, {fieldLevel, rankLogObject}}, 2
	case "message":
		return one(fieldMessage, 0)
	case "msg":
		return one(fieldMessage, 1)
	case "text":
		return one(fieldMessage, 2)
	case "short_message":
		return one(fieldMessage, 4)
	case "service":
		return one(fieldService, 0)
	case "app":
		return one(fieldService, 1)
	case "application":
		return one(fieldService, 2)
	case "service.name":
		return one(fieldService, 3)
	case "syslog_identifier":
		return one(fieldService, 4)
	case "container_name":
		return one(fieldService, 5)
	case "_container_name":
		return one(fieldService, 6)
	case "host":
		return one(fieldHost, 0)
	case "hostname":
		return one(fieldHost, 1)
	case "host.name":
		return one(fieldHost, 2)
	case "_hostname":
		return one(fieldHost, 3)
	}
	return roles, 0
}

// candidate is a payload key that may supply a field, and its value (raw
// JSON, or a logfmt value).
type candidate[V any] struct {
	key   string
	val   V
	set   bool
	exact bool
}

// aliasStart is where each field's aliases start in candidates.c, which
// holds them back to back: a fixed array as large as the aliases, zeroed
// per record, rather than one of maxAliases per field.
var aliasStart = [numFields + 1]uint8{0, 8, 16, 21, 28, 32}

// numAliases is the number of (field, rank) slots.
const numAliases = 32

// candidates collects, per field and rank, the key that supplies it. The
// decoders then walk each field's ranks in order (of).
type candidates[V any] struct {
	c [numAliases]candidate[V]
}

// of returns the candidates of field f, by rank.
func (cs *candidates[V]) of(f field) []candidate[V] {
	return cs.c[aliasStart[f]:aliasStart[f+1]]
}

// offer records key=val under each role of key. When two keys differ only
// in case, the one spelled as the alias wins, then the smaller key: map
// order must not decide.
func (cs *candidates[V]) offer(key string, val V) {
	roles, n := rolesOf(key)
	for _, r := range roles[:n] {
		exact := isLower(key)
		slot := &cs.c[aliasStart[r.field]+r.rank]
		if slot.set && (slot.exact && !exact || slot.exact == exact && slot.key <= key) {
			continue
		}
		*slot = candidate[V]{key: key, val: val, set: true, exact: exact}
	}
}

// isLower reports whether s has no upper-case ASCII letter: whether it is
// spelled like the alias it matched.
func isLower(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return false
		}
	}
	return true
}
